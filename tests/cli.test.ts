import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WebhookReceiver } from '../sandbox/webhookReceiver';
import type { ZohoSandbox } from '../sandbox/zohoSandbox';
import { azuriteConnectionString } from './support/azurite';
import { CLI, cli, cliWorldPerTest } from './support/cli';
import { tempFolders } from './support/tempFolders';
import { hoursAgo } from './support/world';

const tempFolder = tempFolders();

let zoho: ZohoSandbox;
let chat: WebhookReceiver;
let cwd: string;
let env: Record<string, string>;

cliWorldPerTest({ teams: true, folder: () => tempFolder('cli-') }, (world) => {
  ({ zoho, chat, cwd, env } = world);
});

describe('zoho-backup-notifier check', () => {
  it('announces a new backup, exits 0, and keeps its state in ./.zoho-backup-state.json by default', async () => {
    zoho.completeBackup({ at: hoursAgo(1) });
    const run = await cli(['check'], env, cwd);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^Check: announced/);
    expect(run.stdout).toMatch(/slack: sent\n {2}teams: sent/);
    expect(chat.messages).toHaveLength(2);
    expect(existsSync(join(cwd, '.zoho-backup-state.json'))).toBe(true);

    const again = await cli(['check', '--json'], env, cwd);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ outcome: 'nothing-new', zohoCalls: { history: 1, tokenRefreshes: 0 } });
  });

  it('renders without sending on --dry-run', async () => {
    zoho.completeBackup({ at: hoursAgo(1) });
    const run = await cli(['check', '--dry-run', '--json'], env, cwd);
    expect(JSON.parse(run.stdout)).toMatchObject({ outcome: 'dry-run' });
    expect(chat.messages).toHaveLength(0);
    // Not even the token it minted: a dry run writes nothing.
    expect(existsSync(join(cwd, '.zoho-backup-state.json'))).toBe(false);
  });

  it('exits 1 and says which Zoho call failed and what to do, without a secret', async () => {
    zoho.revokeRefreshToken();
    const run = await cli(['check'], env, cwd);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error ZOHO_INVALID_REFRESH_TOKEN: Zoho refused the refresh token/);
    expect(run.stderr).toMatch(/what to do: .*Self Client/);
    for (const secret of [env.ZOHO_CLIENT_SECRET!, env.ZOHO_REFRESH_TOKEN!, chat.slackUrl, chat.teamsUrl]) {
      expect(run.stdout + run.stderr).not.toContain(secret);
    }
  });

  it('exits 1 when a delivery failed, naming the channel and its error', async () => {
    zoho.completeBackup({ at: hoursAgo(1) });
    chat.failNext('slack', { status: 403, error: 'action_prohibited' });
    const run = await cli(['check'], env, cwd);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error SLACK_REJECTED: Slack refused the message: HTTP 403 action_prohibited');
  });

  it('exits 2 naming every missing setting', async () => {
    const run = await cli(['check'], {}, cwd);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('ZOHO_CLIENT_ID is required');
    expect(run.stderr).toContain('SLACK_WEBHOOK_URL or TEAMS_WEBHOOK_URL');
  });

  it('exits 2 on an unknown command or option, with our own one line and a "did you mean"', async () => {
    const command = await cli(['chek'], env, cwd);
    expect(command).toMatchObject({ code: 2 });
    expect(command.stderr).toMatch(/^zoho-backup-notifier: unknown command 'chek'\. Did you mean 'check'\?/);
    const option = await cli(['check', '--dry-rn'], env, cwd);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/^zoho-backup-notifier: unknown option '--dry-rn' for 'check'\. Did you mean '--dry-run'\?/);
    expect(option.stderr).not.toMatch(/ERR_PARSE_ARGS|To specify an option argument/);
  });

  it.each<[string[], string]>([
    [['status', '--org'], "option '--org' of 'status' needs a value: status [--org <name>] [--json]"],
    [['check', '--dry-run=yes'], "option '--dry-run' of 'check' takes no value: write just '--dry-run'"],
    [['CHECK'], "unknown command 'CHECK'. Did you mean 'check'?"],
    [
      ['help', 'nonsense'],
      "no command 'nonsense'\nThe commands: check, status, test-notify, auth, orgs, inspect, archive, report, serve, sandbox, demo.",
    ],
  ])('says what is wrong with %j, and what was meant (exit 2)', async (args, message) => {
    const run = await cli(args, env, cwd);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`zoho-backup-notifier: ${message}`);
  });

  it('answers errors as JSON on stdout with --json', async () => {
    const run = await cli(['check', '--json'], {}, cwd);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({
      ok: false,
      error: { code: 'CONFIG_INVALID', message: expect.stringContaining('ZOHO_CLIENT_ID is required') },
    });
  });

  it('prints the messages a dry run would send, as people read them', async () => {
    zoho.completeBackup({ at: hoursAgo(1) });
    const run = await cli(['check', '--dry-run'], { ...env, ZOHO_ORG_NAME: 'Zylker <EU> & Co' }, cwd);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('[Slack]');
    expect(run.stdout).toContain('[Teams]');
    expect(run.stdout).toContain('Zylker <EU> & Co');
    expect(run.stdout).not.toContain('&gt;');
    expect(chat.messages).toHaveLength(0);
  });

  it('warns about a setting that looks like ours but is not, naming the nearest one', async () => {
    zoho.completeBackup({ at: hoursAgo(1) });
    const run = await cli(['check'], { ...env, ZOHO_CLIENTID: 'typo' }, cwd);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('warning: unknown setting ZOHO_CLIENTID: did you mean ZOHO_CLIENT_ID?');
  });

  it('reads local.settings.json and .env, with the environment winning', async () => {
    zoho.completeBackup({ at: hoursAgo(1) });
    const { SLACK_WEBHOOK_URL, TEAMS_WEBHOOK_URL, ZOHO_REFRESH_TOKEN, ...rest } = env;
    writeFileSync(
      join(cwd, 'local.settings.json'),
      JSON.stringify({ IsEncrypted: false, Values: { ...rest, ZOHO_REFRESH_TOKEN: 'wrong-token', SLACK_WEBHOOK_URL } }),
    );
    writeFileSync(join(cwd, '.env'), `TEAMS_WEBHOOK_URL="${TEAMS_WEBHOOK_URL}"\nZOHO_ORG_NAME=From dotenv\n`);
    const run = await cli(['check'], { ZOHO_REFRESH_TOKEN: ZOHO_REFRESH_TOKEN! }, cwd);
    expect(run.code).toBe(0);
    expect(chat.received('slack')).toHaveLength(1);
    expect(JSON.stringify(chat.received('teams')[0]?.body)).toContain('From dotenv');
  });
});

describe('zoho-backup-notifier status', () => {
  it('needs only STATE_FILE: no Zoho secret, no webhook; times in NOTIFY_TIMEZONE, and the Zoho API host', async () => {
    zoho.completeBackup({ at: hoursAgo(1) });
    const stateFile = join(cwd, 'state.json');
    await cli(['check'], { ...env, STATE_FILE: stateFile }, cwd);

    const run = await cli(['status'], { STATE_FILE: stateFile, NOTIFY_TIMEZONE: 'Asia/Kolkata' }, cwd);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Last check: announced at .*GMT\+5:30/);
    expect(run.stdout).toContain('Zoho API: https://www.zohoapis.com (from ZOHO_DC)');
    // With the (non-secret) accounts server named, the token answer's API host is trusted and shown.
    const named = await cli(['status'], { STATE_FILE: stateFile, ZOHO_ACCOUNTS_URL: zoho.url }, cwd);
    expect(named.stdout).toContain(`Zoho API: ${zoho.url} (from token answer)`);
  });

  it('shows the stored state, human-readable or as JSON', async () => {
    const empty = await cli(['status'], env, cwd);
    expect(empty.stdout).toContain('No backup announced yet.');
    const backup = zoho.completeBackup({ at: hoursAgo(1) });
    await cli(['check'], env, cwd);

    const run = await cli(['status'], env, cwd);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`history ${backup.historyId}, job ${backup.jobId}`);
    expect(run.stdout).toMatch(/slack: delivered at/);
    expect(run.stdout).toContain('Last check: announced at');
    const json = JSON.parse((await cli(['status', '--json'], env, cwd)).stdout);
    expect(json).toMatchObject({ backup: { historyId: backup.historyId, deliveries: { teams: { status: 'delivered' } } } });
  });
});

describe('everyday manners', () => {
  it('prints its version, and help that differs per command', async () => {
    const version = await cli(['--version'], {}, cwd);
    expect(version).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/) });
    const check = await cli(['help', 'check'], {}, cwd);
    const status = await cli(['status', '--help'], {}, cwd);
    expect(check.stdout).toContain('--dry-run');
    expect(status.stdout).toContain('Needs only where the state is kept');
    expect(status.stdout).not.toContain('--dry-run');
  });
});

describe('zoho-backup-notifier auth', () => {
  const selfClient = () => {
    const { ZOHO_REFRESH_TOKEN: _none, ...rest } = zoho.settings;
    return rest;
  };

  it('exchanges a grant code for a refresh token, saves it in ./.env with mode 0600, proves it, and prints no secret', async () => {
    const code = zoho.issueGrantCode('ZohoCRM.bulk.backup.READ');
    writeFileSync(join(cwd, '.env'), 'ZOHO_ORG_NAME=Kept as it was\nZOHO_REFRESH_TOKEN=old-one\n');

    const run = await cli(['auth', '--code', code], selfClient(), cwd);

    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('The token works');
    expect(run.stdout).toContain('Scopes: ZohoCRM.bulk.backup.READ');
    const dotenv = readFileSync(join(cwd, '.env'), 'utf8');
    expect(dotenv).toContain(`ZOHO_REFRESH_TOKEN=${zoho.settings.ZOHO_REFRESH_TOKEN}`);
    expect(dotenv).toContain('ZOHO_ORG_NAME=Kept as it was');
    expect(dotenv).not.toContain('old-one');
    expect(statSync(join(cwd, '.env')).mode & 0o777).toBe(0o600);
    for (const secret of [code, zoho.settings.ZOHO_REFRESH_TOKEN ?? '', zoho.settings.ZOHO_CLIENT_SECRET ?? '']) {
      expect(run.stdout + run.stderr).not.toContain(secret);
    }
    // The CLI now runs on what auth saved.
    zoho.completeBackup({ at: hoursAgo(1) });
    await expect(cli(['check'], { ...selfClient(), SLACK_WEBHOOK_URL: chat.slackUrl }, cwd)).resolves.toMatchObject({ code: 0 });
  });

  it('says which scope the archive still needs when the code lacks it', async () => {
    const run = await cli(
      ['auth', '--code', zoho.issueGrantCode('ZohoCRM.bulk.backup.READ')],
      { ...selfClient(), ARCHIVE_ENABLED: 'true' },
      cwd,
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('warning: ARCHIVE_ENABLED=true needs ZohoFiles.files.ALL');
    const both = await cli(
      ['auth', '--code', zoho.issueGrantCode('ZohoCRM.bulk.backup.READ,ZohoFiles.files.ALL')],
      { ...selfClient(), ARCHIVE_ENABLED: 'true' },
      cwd,
    );
    expect(both).toMatchObject({ code: 0, stderr: '' });
    expect(both.stdout).toContain('Scopes: ZohoCRM.bulk.backup.READ, ZohoFiles.files.ALL');
  });

  it('says a used grant code is used, and a wrong client is wrong, with exit 1', async () => {
    const code = zoho.issueGrantCode();
    await cli(['auth', '--code', code], selfClient(), cwd);
    const again = await cli(['auth', '--code', code], selfClient(), cwd);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/refused the grant code .*used already, has expired/);
    // --json carries the README's code, not a generic one.
    const asJson = await cli(['auth', '--code', code, '--json'], selfClient(), cwd);
    expect(JSON.parse(asJson.stdout)).toMatchObject({ ok: false, error: { code: 'ZOHO_INVALID_GRANT_CODE' } });
    const wrongClient = await cli(
      ['auth', '--code', zoho.issueGrantCode()],
      { ...selfClient(), ZOHO_CLIENT_SECRET: 'not-the-secret' },
      cwd,
    );
    expect(wrongClient.code).toBe(1);
    expect(wrongClient.stderr).toContain('Zoho refused the client credentials');
  });
});

describe('zoho-backup-notifier test-notify', () => {
  it('posts a marked test message to every channel with only the webhook settings, and exits 1 naming a channel that refused', async () => {
    const webhooks = { SLACK_WEBHOOK_URL: chat.slackUrl, TEAMS_WEBHOOK_URL: chat.teamsUrl };
    const ok = await cli(['test-notify'], webhooks, cwd);
    expect(ok).toMatchObject({ code: 0 });
    expect(chat.messages).toHaveLength(2);
    expect(JSON.stringify(chat.messages[0]?.body)).toContain('Test message from the Zoho backup notifier');
    expect(zoho.requests).toHaveLength(0);

    chat.failNext('teams', { status: 404, error: 'WorkflowNotFound' });
    const refused = await cli(['test-notify'], webhooks, cwd);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('slack: took the test message');
    expect(refused.stdout).toContain('teams: refused it');
    expect(refused.stderr).toContain('error TEAMS_REJECTED');
    expect(refused.stderr).toContain('then run test-notify again');
    expect(refused.stderr).not.toContain('the next check'); // no check sends a test message again
    expect(refused.stdout + refused.stderr).not.toContain(chat.teamsUrl);
  });

  it('says a webhook host that does not resolve could not be reached (not that it refused)', async () => {
    const run = await cli(['test-notify'], { SLACK_WEBHOOK_URL: 'https://hooks.slack.invalid/services/T0/B0/x' }, cwd);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('slack: could not be reached');
    expect(run.stdout).not.toContain('refused');
    expect(run.stderr).toContain('error SLACK_UNREACHABLE');
    expect(run.stderr).toContain('Check the network and the host in SLACK_WEBHOOK_URL, then run test-notify again.');
  });
});

describe('zoho-backup-notifier demo', () => {
  it('runs the whole story on the embedded sandbox and exits 0', async () => {
    const run = await cli(['demo'], {}, cwd);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('[Slack]');
    expect(run.stdout).toContain('[Teams]');
    expect(run.stdout).toContain('-> nothing-new (Zoho calls: 1, token refreshes: 0)');
    // Archived into a folder and counted; the week someone deleted Contacts, the alarm.
    expect(run.stdout).toContain('-> announced, archived 3 of 3 parts');
    expect(run.stdout).toContain('Contacts 310 (-500)');
    expect(run.stdout).toContain('== Zoho CRM records missing ==');
    expect(run.stdout).toContain('Demo finished: every check did what the story expected.');
  });
});

it('refuses a check whose settings moved the state away from the file that holds the history, and status says where the state is', async () => {
  // The jp data centre (its URLs still the sandbox's): an org key no other test writes into Azurite's one table.
  env = { ...env, ZOHO_DC: 'jp' };
  zoho.completeBackup({ at: hoursAgo(1) });
  expect((await cli(['check'], env, cwd)).code).toBe(0);
  expect(chat.messages).toHaveLength(2);
  // The README's Functions section: copy the sample to local.settings.json, which brings Azurite.
  writeFileSync(join(cwd, 'local.settings.json'), JSON.stringify({ Values: { AzureWebJobsStorage: azuriteConnectionString() } }));
  const moved = await cli(['check'], env, cwd);
  expect(moved.code).toBe(2);
  expect(moved.stderr).toContain(`the history of this org is in ${join(cwd, '.zoho-backup-state.json')}`);
  expect(moved.stderr).toContain('Set STATE_FILE=.zoho-backup-state.json');
  expect(chat.messages).toHaveLength(2); // nothing announced again
  const kept = await cli(['check'], { ...env, STATE_FILE: '.zoho-backup-state.json' }, cwd);
  expect(kept.stdout).toMatch(/^Check: nothing-new/);
  const status = await cli(['status'], { ...env, STATE_FILE: '.zoho-backup-state.json' }, cwd);
  expect(status.stdout).toContain('State: .zoho-backup-state.json');
});

it('status says the schedule is stopped once the history shows it, in words, not NONE', async () => {
  zoho.completeBackup({ at: hoursAgo(30) });
  expect((await cli(['check'], env, cwd)).code).toBe(0);
  zoho.stopSchedule(new Date()); // after the monitor began watching
  expect((await cli(['check'], env, cwd)).stdout).toContain('schedule-stopped');
  const status = await cli(['status'], env, cwd);
  const line = status.stdout.split('\n').find((l) => l.startsWith('Schedule: '));
  expect(line).toMatch(/stopped/);
  expect(line).not.toContain('NONE');
  expect(line).toContain("as Zoho's /backup said");
});

it('the build leaves the bin that npx links to executable', () => {
  expect(statSync(CLI).mode & 0o111).toBe(0o111);
});

describe('zoho-backup-notifier sandbox', () => {
  /** `zoho-backup-notifier sandbox` as a child process: what it printed so far, and a wait for a text. */
  function startSandbox() {
    const child = spawn(process.execPath, [CLI, 'sandbox'], {
      cwd,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    const waiters: Array<() => void> = [];
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      for (const wake of waiters.splice(0)) wake();
    });
    const waitFor = async (text: string) => {
      while (!output.includes(text)) await new Promise<void>((wake) => waiters.push(wake));
    };
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    return { child, output: () => output, waitFor, exited };
  }

  it('without a terminal (input at its end at once), keeps serving until a signal', async () => {
    const { child, output, waitFor, exited } = startSandbox();
    child.stdin.end(); // a pipe, not a terminal, that ends at once ("sandbox > file &")
    await waitFor('q = quit');
    const zohoUrl = /^ZOHO_API_DOMAIN=(\S+)$/m.exec(output())?.[1];
    // It still answers (a real request, after its input ended), and has not said it stopped.
    const answer = await fetch(`${zohoUrl}/crm/bulk/v8/backup`);
    expect(answer.status).toBe(401);
    expect(output()).not.toContain('Sandbox stopped.');
    // A signal ends it as the command line ends on one (128 + 15), the sockets with the process.
    child.kill('SIGTERM');
    await expect(exited).resolves.toBe(143);
  });

  it('runs a Zoho stand-in and receivers, prints the settings and each message, and takes keys until q', async () => {
    const { child, output, waitFor, exited } = startSandbox();
    await waitFor('q = quit');
    const settings = Object.fromEntries(
      output()
        .split('\n')
        .flatMap((line) => (/^[A-Z_]+=\S+$/.test(line) ? [line.split(/=(.*)/s).slice(0, 2)] : [])),
    );
    expect(Object.keys(settings).sort()).toEqual([
      'SLACK_WEBHOOK_URL',
      'TEAMS_WEBHOOK_URL',
      'ZOHO_ACCOUNTS_URL',
      'ZOHO_API_DOMAIN',
      'ZOHO_CLIENT_ID',
      'ZOHO_CLIENT_SECRET',
      'ZOHO_REFRESH_TOKEN',
    ]);
    child.stdin.write('c\n');
    await waitFor('> a backup completed');

    await expect(cli(['check'], settings, cwd)).resolves.toMatchObject({ code: 0 });
    await waitFor('[Slack]');
    await waitFor('[Teams]');
    child.stdin.write('q\n');

    await expect(exited).resolves.toBe(0);
    expect(output()).toContain('Sandbox stopped.');
  });
});

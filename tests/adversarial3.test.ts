/**
 * The third adversarial round (issue "Nothing lost, nothing leaked, nothing hangs"): each
 * defect found by attacking the command line and the functions, through the command line as a
 * child process or through the function handlers, over real sockets and the real file system.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { backupCheckHandler } from '../functions/backupCheck';
import { releaseClaimsOnTerminate } from '../functions/onTerminate';
import type { WebhookReceiver } from '../sandbox/webhookReceiver';
import type { ZohoSandbox } from '../sandbox/zohoSandbox';
import { loadConfig } from '../shared/config';
import { createRuntime } from '../shared/runtime';
import { CLI, cli, cliWorldPerTest } from './support/cli';
import { tempFolders } from './support/tempFolders';
import { hoursAgo, startWorld } from './support/world';

const tempFolder = tempFolders();

let zoho: ZohoSandbox;
let chat: WebhookReceiver;
let cwd: string;
let env: Record<string, string>;

cliWorldPerTest({ teams: false, folder: () => tempFolder('adversarial3-') }, (world) => {
  ({ zoho, chat, cwd, env } = world);
});

const titles = () =>
  chat.received('slack').map((m) => (m.body as { blocks?: Array<{ text?: { text?: string } }> }).blocks?.[0]?.text?.text);

describe('#1 losses: a failed immediate backup', () => {
  it('is alerted once, although its history row has no log_time', async () => {
    zoho.completeBackup({ at: hoursAgo(48) });
    expect((await cli(['check'], env, cwd)).code).toBe(0);
    zoho.failImmediateBackup();

    const run = await cli(['check'], env, cwd);
    expect(run.code).toBe(0);
    expect(titles()).toEqual(['Zoho CRM backup ready', 'Zoho CRM backup failed']);
    const alert = JSON.stringify(chat.received('slack')[1]!.body);
    expect(alert).toContain('an immediate backup: Zoho records no time for it');

    expect((await cli(['check'], env, cwd)).code).toBe(0);
    expect(chat.received('slack')).toHaveLength(2);
  });
});

describe('#2 losses: a full disk', () => {
  it('leaves no lock behind, says STATE_UNAVAILABLE with the file and what to do, and the next check runs at once', async () => {
    zoho.completeBackup({ at: hoursAgo(1) });
    // A file-size limit of 0 blocks: every write fails with EFBIG, as on a full disk.
    const full = await cli(['check'], env, cwd, 'ulimit -f 0');
    expect(full.code).toBe(1);
    expect(full.stderr).toMatch(/error STATE_UNAVAILABLE: .*\.zoho-backup-state\.json(\.lock)? cannot be (created|written) \(EFBIG\)/);
    expect(full.stderr).toMatch(/what to do: The disk is full or a file-size limit was reached/);
    expect(full.stderr).not.toMatch(/unexpected|function logs/);
    expect(readdirSync(cwd)).toEqual([]);

    const next = await cli(['check'], env, cwd);
    expect(next).toMatchObject({ code: 0 });
    expect(next.stdout).toMatch(/^Check: announced/);
  });
});

/** A folder this process may not write in, even as root (an immutable folder then). */
function readOnlyFolder(): string {
  const folder = tempFolder('read-only-');
  execFileSync('chmod', ['0555', folder]);
  const writable = () => {
    try {
      writeFileSync(join(folder, 'probe'), '');
      execFileSync('rm', ['-f', join(folder, 'probe')]);
      return true;
    } catch {
      return false;
    }
  };
  if (writable()) execFileSync('chattr', ['+i', folder]);
  if (writable()) throw new Error(`cannot make a folder this process may not write in (${folder})`);
  return folder;
}

describe('#6 bad state: a state folder that is not writable', () => {
  let folder: string;
  afterEach(() => {
    execFileSync('sh', ['-c', `chattr -i "${folder}" 2>/dev/null; chmod 0755 "${folder}"`]);
  });

  it('says STATE_UNAVAILABLE, names the file and says what to do', async () => {
    folder = readOnlyFolder();
    zoho.completeBackup({ at: hoursAgo(1) });
    const run = await cli(['check'], { ...env, STATE_FILE: join(folder, 'state.json') }, cwd);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error STATE_UNAVAILABLE: The state store failed: ${join(folder, 'state.json')}`);
    expect(run.stderr).toMatch(/\((EACCES|EPERM)\)/);
    expect(run.stderr).toMatch(/what to do: This user may not write in .*: make it writable, or set STATE_FILE/);
    expect(existsSync(join(folder, 'state.json.lock'))).toBe(false);
    expect(chat.messages).toHaveLength(0);
  });
});

describe('#3 losses: SIGTERM while announcing', () => {
  it('releases the claim before the command line exits, so the next check announces at once', async () => {
    zoho.completeBackup({ at: hoursAgo(1) });
    chat.failNext('slack', { status: 200, hang: true });
    const child = spawn(process.execPath, [CLI, 'check'], { cwd, env: { PATH: process.env.PATH ?? '', ...env } });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await chat.nextHeld();
    child.kill('SIGTERM');
    expect(await exited).toBe(143);

    const status = await cli(['status'], env, cwd);
    expect(status.stdout).not.toMatch(/announcing right now/);
    const next = await cli(['check', '--json'], env, cwd);
    expect(JSON.parse(next.stdout)).toMatchObject({ outcome: 'announced', deliveries: [{ channel: 'slack', result: 'sent' }] });
  });

  it('releases the claim when the Functions host terminates the worker (the appTerminate hook)', async () => {
    const world = await startWorld({ channels: ['slack'] });
    try {
      world.sandbox.completeBackup({ at: hoursAgo(1) });
      world.receiver.failNext('slack', { status: 200, hang: true });
      const runtime = world.runtime();
      const request = () => new HttpRequest({ method: 'POST', url: 'http://localhost/api/backupCheck' });
      void backupCheckHandler(() => runtime)(request(), new InvocationContext());
      await world.receiver.nextHeld();
      expect((await world.watchState())?.claim).toBeDefined();

      await releaseClaimsOnTerminate();

      expect((await world.watchState())?.claim).toBeUndefined();
      const next = await backupCheckHandler(() => world.runtime())(request(), new InvocationContext());
      expect(next.jsonBody).toMatchObject({ outcome: 'announced' });
    } finally {
      await world.close();
    }
  });
});

describe('#4 losses: Slack answering 200 with something else than "ok"', () => {
  it('is not counted as delivered: the check fails, and the next one sends the message again', async () => {
    zoho.completeBackup({ at: hoursAgo(1) });
    chat.failNext('slack', { status: 200, body: '<html><body>Welcome to the hotel network</body></html>' });
    const run = await cli(['check'], env, cwd);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error SLACK_REJECTED: Slack refused the message: HTTP 200 an answer that is not Slack\'s "ok"');
    expect(run.stderr).toMatch(/what to do: Something between the app and Slack/);
    expect(run.stderr).not.toContain('hotel');

    const again = await cli(['check', '--json'], env, cwd);
    expect(JSON.parse(again.stdout)).toMatchObject({ outcome: 'announced', deliveries: [{ channel: 'slack', result: 'sent' }] });
    expect(chat.received('slack')).toHaveLength(1);
  });
});

describe("#8 untrusted text: the size of Slack's answer", () => {
  it("is capped like Zoho's and Teams': a 200 MB answer is cut after a few KB, and the check fails", async () => {
    zoho.completeBackup({ at: hoursAgo(1) });
    chat.failNext('slack', { status: 200, bodyBytes: 200 * 1024 * 1024 });
    const run = await cli(['check'], env, cwd);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error SLACK_UNREACHABLE: Slack could not be reached (answer too large)');
    // What the receiver wrote before the client stopped reading: socket buffers, not 200 MB.
    expect(chat.streamedBytes).toBeLessThan(16 * 1024 * 1024);
  });
});

describe('#5 bad state: a watch record of the wrong shape', () => {
  /** Runs a check, then gives the org's watch record the value `edit` makes of it. */
  async function editedState(edit: (value: Record<string, unknown>) => unknown): Promise<string> {
    zoho.completeBackup({ at: hoursAgo(48) });
    expect((await cli(['check'], env, cwd)).code).toBe(0);
    const path = join(cwd, '.zoho-backup-state.json');
    const file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, { version: number; value: Record<string, unknown> }>;
    const key = Object.keys(file).find((k) => k.endsWith('/watch'))!;
    file[key]!.value = edit(file[key]!.value) as Record<string, unknown>;
    writeFileSync(path, JSON.stringify(file));
    return readFileSync(path, 'utf8');
  }

  it.each([
    ['a string', () => 'not a record', /the record expected object/],
    [
      'a backup without links',
      (v: Record<string, unknown>) => ({ ...v, backup: { ...(v.backup as object), links: undefined } }),
      /backup\.links expected object/,
    ],
  ])('is refused, as %s, by check and status with STATE_INVALID naming the record, and left as it was', async (_case, edit, field) => {
    const before = await editedState(edit);
    zoho.completeBackup({ at: hoursAgo(1) });
    const sent = chat.messages.length;

    for (const command of ['check', 'status']) {
      const run = await cli([command], env, cwd);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /error STATE_INVALID: The watch record of \S+ in .*\.zoho-backup-state\.json is not what this app writes: /,
      );
      expect(run.stderr).toMatch(field);
      expect(run.stderr).toMatch(/what to do: If it was edited by hand, restore it/);
      expect(run.stderr).not.toMatch(/TypeError|unexpected/);
    }
    expect(readFileSync(join(cwd, '.zoho-backup-state.json'), 'utf8')).toBe(before);
    expect(chat.messages).toHaveLength(sent);
  });
});

describe('#7 untrusted text: control characters and bidi overrides from Zoho', () => {
  const HOSTILE = 'Eve\u001b]0;pwned\u0007\u001b[2J\u202Eevil\u009b31m';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what it is for.
  const UNSAFE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

  it('reach neither the terminal nor Slack nor Teams: each is shown as its code point', async () => {
    zoho.completeBackup({ at: hoursAgo(1), by: { id: '1', zuid: '2', name: HOSTILE } });
    zoho.failImmediateBackup({ id: '1', zuid: '2', name: HOSTILE });
    const withTeams = { ...env, TEAMS_WEBHOOK_URL: chat.teamsUrl };
    const runs = [await cli(['check'], withTeams, cwd), await cli(['status'], withTeams, cwd)];
    zoho.inject({ endpoint: 'backup/history', status: 400, body: JSON.stringify({ code: 'X', message: HOSTILE, status: 'error' }) });
    runs.push(await cli(['check'], withTeams, cwd));

    const printed = runs.map((r) => r.stdout + r.stderr).join('\n');
    expect(printed).toContain('Eve[U+001B]]0;pwned[U+0007][U+001B][2J[U+202E]evil[U+009B]31m');
    expect(printed).not.toMatch(UNSAFE);
    const posted = chat.messages.map((m) => JSON.stringify(m.body));
    expect(posted.length).toBeGreaterThanOrEqual(4);
    // JSON would escape a raw ESC as \u001b: look for both forms.
    for (const body of posted) expect(body).not.toMatch(/\\u001b|\\u0007|\\u009b|\u202E/i);
    expect(posted.join('\n')).toContain('[U+202E]');
  });
});

describe('#9 untrusted text: org names that look the same', () => {
  const org = (name: string, clientId: string) => ({ name, dc: 'us', clientId, clientSecret: 's', refreshToken: `r-${clientId}` });

  it('are refused: one name in NFC and NFD, and a name with an invisible character', async () => {
    const file = join(cwd, 'orgs.json');
    writeFileSync(
      file,
      JSON.stringify([
        org('Café', '1000.A'),
        org('Cafe\u0301', '1000.B'),
        org('Ac\u200bme', '1000.C'),
        org('ACME  Corp', '1000.D'),
        org('acme corp', '1000.E'),
      ]),
    );
    const run = await cli(['check'], { ZOHO_ORGS_FILE: file, SLACK_WEBHOOK_URL: chat.slackUrl }, cwd);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/org 2 \("Café"\): same name, or same refreshToken, as org 1/);
    expect(run.stderr).toMatch(/org 3 .*name must not hold invisible or control characters \(it holds U\+200B\)/);
    expect(run.stderr).toMatch(/org 5 \("acme corp"\): same name, or same refreshToken, as org 4/);
  });

  it('are found as a person types them: status --org in another normal form', async () => {
    zoho.completeBackup({ at: hoursAgo(1) });
    const named = { ...env, ZOHO_ORG_NAME: 'Café Zylker' };
    expect((await cli(['check'], named, cwd)).code).toBe(0);
    const run = await cli(['status', '--org', 'CAFE\u0301 zylker'], named, cwd);
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toContain('Café Zylker');
  });
});

describe('#11 honesty: what the state holds', () => {
  it('is what the README says: mode 0600, the access token only in the token record, and no other secret', async () => {
    zoho.completeBackup({ at: hoursAgo(1) });
    expect((await cli(['check'], env, cwd)).code).toBe(0);
    const path = join(cwd, '.zoho-backup-state.json');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, { value: unknown }>;
    const tokens = zoho.requests.map((r) => r.authorization?.split(' ')[1]).filter((t): t is string => !!t);
    expect(tokens.length).toBeGreaterThan(0);
    for (const [key, record] of Object.entries(file)) {
      const text = JSON.stringify(record.value);
      for (const secret of [env.ZOHO_CLIENT_SECRET!, env.ZOHO_REFRESH_TOKEN!, chat.slackUrl]) expect(text).not.toContain(secret);
      if (!key.endsWith('/token')) for (const token of tokens) expect(text).not.toContain(token);
    }
    expect(Object.keys(file).filter((k) => k.endsWith('/token'))).toHaveLength(1);
  });
});

describe('#10 deadlines: a Retry-After that would end past the call deadline', () => {
  it('ends the call now, through the HTTP function, instead of sleeping past the deadline', async () => {
    const world = await startWorld({ channels: ['slack'] });
    try {
      world.sandbox.completeBackup({ at: hoursAgo(1) });
      world.sandbox.inject({ endpoint: 'backup/history', code: 'INTERNAL_ERROR', retryAfterSeconds: 25, times: 5 });
      const slept: number[] = [];
      const sleep = async (ms: number) => {
        slept.push(ms);
      };
      const runtime = createRuntime(loadConfig(world.settings), {
        http: { retries: 3, totalTimeoutMs: 20_000, maxRetryAfterMs: 30_000, sleep },
        store: world.store,
      });
      const request = new HttpRequest({ method: 'POST', url: 'http://localhost/api/backupCheck' });
      const response = await backupCheckHandler(() => runtime)(request, new InvocationContext());
      expect(response.status).toBe(502);
      expect(response.jsonBody).toMatchObject({ outcome: 'failed', error: { code: 'INTERNAL_ERROR' } });
      expect(slept).toEqual([]);
      expect(world.sandbox.countRequests('backup/history')).toBe(1);
    } finally {
      await world.close();
    }
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpRequest, InvocationContext, type Timer } from '@azure/functions';
import { archiveFailedHandler } from '../functions/archiveFailed';
import { archivePartHandler } from '../functions/archivePart';
import { backupCheckHandler } from '../functions/backupCheck';
import { backupStatusHandler } from '../functions/backupStatus';
import { backupWatchHandler } from '../functions/backupWatch';
import { ConfigError, loadConfig } from '../shared/config';
import type { OrgsWorker } from '../shared/orgs/worker';
import { settingsOrgRuntime } from '../shared/workerSources';
import { hoursAgo, startWorld, type World, yesterdayNoonUtc } from './support/world';

const root = join(__dirname, '..');
let world: World;
afterEach(async () => {
  await world?.close();
});

function context(lines: string[]): InvocationContext {
  return new InvocationContext({
    functionName: 'test',
    logHandler: (level, ...args) => lines.push(`${level} ${args.join(' ')}`),
  });
}

const timer = (isPastDue = false) => ({ isPastDue, schedule: { adjustForDST: true }, scheduleStatus: {} }) as unknown as Timer;

describe('the function app layout', () => {
  it('has package.json "main" name the bundle\'s one entry, which registers every function under functions/', () => {
    const main = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).main as string;
    expect(main).toBe('dist/app/index.mjs');
    // The entry turns source maps on, then imports the bundle that registers the functions.
    expect(readFileSync(join(root, main), 'utf8')).toContain("import('./app.mjs')");
    const entry = readFileSync(join(root, 'dist/app/app.mjs'), 'utf8');
    // Every file but the app's one hook (onTerminate.ts) is a function of its own name.
    const names = readdirSync(join(root, 'functions'))
      .filter((f) => f.endsWith('.ts') && f !== 'onTerminate.ts')
      .map((f) => f.replace(/\.ts$/, ''));
    const registered = [...entry.matchAll(/app\.(?:timer|http|storageQueue)\("(\w+)"/g)].map((m) => m[1]);
    expect(registered.sort()).toEqual(names.sort());
  });

  // The registered timer binding (%BACKUP_WATCH_SCHEDULE%, not on startup) is checked on the deployed package.
  it('gives BACKUP_WATCH_SCHEDULE a ten-minute default in the local settings sample', () => {
    expect(JSON.parse(readFileSync(join(root, 'local.settings.sample.json'), 'utf8')).Values.BACKUP_WATCH_SCHEDULE).toBe('0 */10 * * * *');
  });
});

describe('backupCheck (HTTP POST)', () => {
  it('runs a check now and answers its report', async () => {
    world = await startWorld();
    world.sandbox.completeBackup({ at: hoursAgo(1) });
    const handler = backupCheckHandler(() => world.runtime());

    const response = await handler(new HttpRequest({ method: 'POST', url: 'http://localhost/api/backupCheck' }), context([]));

    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({
      outcome: 'announced',
      deliveries: [
        { channel: 'slack', result: 'sent' },
        { channel: 'teams', result: 'sent' },
      ],
    });
    expect(world.receiver.messages).toHaveLength(2);
  });

  it("writes the runtime's own lines (a retry) to the log of the invocation they belong to, as warnings", async () => {
    world = await startWorld();
    world.sandbox.inject({ endpoint: 'backup/history', code: 'INTERNAL_ERROR', times: 1 });
    // One runtime for both, as a worker reuses it: each invocation's lines go to its own context.
    const runtime = world.runtime();
    const handler = backupCheckHandler(() => runtime);
    const [first, second]: string[][] = [[], []];
    const request = () => new HttpRequest({ method: 'POST', url: 'http://localhost/api/backupCheck' });
    await Promise.all([handler(request(), context(first!)), handler(request(), context(second!))]);

    const retries = [first!, second!].map((lines) => lines.filter((l) => l.includes('retrying')));
    expect(retries.flat()).toEqual([expect.stringMatching(/^warning retrying http:\/\/127\.0\.0\.1:\d+\/crm\/bulk\/v8\/backup\/history/)]);
    expect(world.logLines.filter((l) => l.includes('retrying'))).toEqual([]);
  });

  it('renders without sending on ?dryRun=true', async () => {
    world = await startWorld();
    world.sandbox.completeBackup({ at: hoursAgo(1) });
    const response = await backupCheckHandler(() => world.runtime())(
      new HttpRequest({ method: 'POST', url: 'http://localhost/api/backupCheck?dryRun=true', query: { dryRun: 'true' } }),
      context([]),
    );
    expect(response.jsonBody).toMatchObject({ outcome: 'dry-run', preview: { slack: expect.anything(), teams: expect.anything() } });
    expect(world.receiver.messages).toHaveLength(0);
  });

  it('answers 502 with the error when Zoho fails, and no secret', async () => {
    world = await startWorld();
    world.sandbox.inject({ endpoint: 'backup/history', code: 'NO_PERMISSION' });
    const lines: string[] = [];
    const response = await backupCheckHandler(() => world.runtime())(
      new HttpRequest({ method: 'POST', url: 'http://localhost/api/backupCheck' }),
      context(lines),
    );
    expect(response.status).toBe(502);
    expect(response.jsonBody).toMatchObject({ outcome: 'failed', error: { code: 'NO_PERMISSION' } });
    const text = JSON.stringify(response) + lines.join('\n');
    for (const secret of [
      world.settings.ZOHO_CLIENT_SECRET!,
      world.settings.ZOHO_REFRESH_TOKEN!,
      world.receiver.slackUrl,
      world.receiver.teamsUrl,
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(lines.join('\n')).toMatch(/error backup check: failed/);
  });

  it('answers 500 naming the settings when the configuration is invalid', async () => {
    const response = await backupCheckHandler(() => {
      throw (() => {
        try {
          return loadConfig({ ZOHO_CLIENT_SECRET: 'do-not-echo-this-secret' });
        } catch (error) {
          return error;
        }
      })();
    })(new HttpRequest({ method: 'POST', url: 'http://localhost/api/backupCheck' }), context([]));
    expect(response.status).toBe(500);
    expect(JSON.stringify(response.jsonBody)).toContain('ZOHO_CLIENT_ID is required');
    expect(JSON.stringify(response.jsonBody)).not.toContain('do-not-echo-this-secret');
  });
});

describe('backupStatus (HTTP GET)', () => {
  it('shows the last announced backup, its expiry, deliveries and the last check', async () => {
    world = await startWorld();
    const backup = world.sandbox.completeBackup({ at: yesterdayNoonUtc() });
    const runtime = world.runtime();
    await world.check({ runtime });

    const response = await backupStatusHandler(() => runtime)(
      new HttpRequest({ method: 'GET', url: 'http://localhost/api/backupStatus' }),
      context([]),
    );

    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({
      org: 'Zylker Inc',
      backup: {
        historyId: backup.historyId,
        jobId: backup.jobId,
        expired: false,
        expires: 'in 6 days',
        deliveries: { slack: { status: 'delivered' }, teams: { status: 'delivered' } },
      },
      lastCheck: { outcome: 'announced' },
      lastError: null,
      checkInProgress: false,
    });
    expect(JSON.stringify(response.jsonBody)).not.toContain('accessToken');
  });
});

describe('backupWatch (timer)', () => {
  it('logs a late run, checks, and succeeds', async () => {
    world = await startWorld();
    world.sandbox.completeBackup({ at: hoursAgo(1) });
    const lines: string[] = [];
    await backupWatchHandler(() => world.runtime())(timer(true), context(lines));
    expect(lines.join('\n')).toMatch(/warning backupWatch is running late \(isPastDue\)/);
    expect(world.receiver.messages).toHaveLength(2);
  });

  it("fails the invocation with the channel's error when only an alert could not be delivered", async () => {
    world = await startWorld({ channels: ['slack'] });
    world.sandbox.failBackup(hoursAgo(1));
    world.receiver.failNext('slack', { status: 404, error: 'no_service' });
    await expect(backupWatchHandler(() => world.runtime())(timer(), context([]))).rejects.toMatchObject({
      code: 'SLACK_REJECTED',
      message: expect.stringContaining('Slack refused the message: HTTP 404 no_service'),
    });
  });

  it("still checks its own org when the registry cannot be read, then fails the invocation with the registry's error", async () => {
    world = await startWorld();
    world.sandbox.completeBackup({ at: hoursAgo(1) });
    const lines: string[] = [];
    const brokenRegistry = async () => {
      throw new ConfigError([
        'ZOHO_ORGS_VAULT_URI needs AzureWebJobsStorage (or AzureWebJobsStorage__accountName): the registry is a table there',
      ]);
    };
    await expect(backupWatchHandler(() => world.runtime(), brokenRegistry)(timer(), context(lines))).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
    expect(world.receiver.messages).toHaveLength(2); // the org in the settings was announced all the same
    expect(lines.join('\n')).toMatch(/error could not queue the registered orgs' checks/);
  });

  it('only queues the registered orgs when the settings name no org of their own (a registry-only deployment)', async () => {
    world = await startWorld();
    world.sandbox.completeBackup({ at: hoursAgo(1) });
    const lines: string[] = [];
    const registry = async () => ({ queueChecks: async () => 3 }) as unknown as OrgsWorker;
    await backupWatchHandler(() => undefined, registry)(timer(), context(lines));
    expect(lines.join('\n')).toMatch(/queued the checks of 3 registered orgs/);
    expect(world.sandbox.requests).toHaveLength(0);
    expect(world.receiver.messages).toHaveLength(0);
  });

  it("has the worker's own runtime source answer no org for a registry-only deployment, and build one when ZOHO_CLIENT_ID is set", async () => {
    const saved = { ...process.env };
    try {
      delete process.env.ZOHO_CLIENT_ID;
      process.env.ZOHO_ORGS_VAULT_URI = 'https://zoho-orgs.vault.azure.net/';
      await expect(settingsOrgRuntime()).resolves.toBeUndefined();
      // With a client ID the settings do name an org: it is built from them (here, and rightly, refused).
      process.env.ZOHO_CLIENT_ID = '1000.SETTINGS';
      await expect(settingsOrgRuntime()).rejects.toBeInstanceOf(ConfigError);
    } finally {
      process.env = saved;
    }
  });

  it('fails the invocation when the check fails, so monitoring sees it', async () => {
    world = await startWorld();
    world.sandbox.revokeRefreshToken();
    await expect(backupWatchHandler(() => world.runtime())(timer(), context([]))).rejects.toMatchObject({
      code: 'ZOHO_INVALID_REFRESH_TOKEN',
      message: expect.stringContaining('backup check failed'),
    });
  });
});

describe('archivePart and archiveFailed (queue triggers)', () => {
  /** An archive world whose one-part backup was announced, and that part's queue message. */
  async function queuedPart() {
    world = await startWorld({ archive: true, channels: ['slack'] });
    world.sandbox.completeBackup({ at: hoursAgo(1), dataParts: 1, attachmentParts: 0 });
    const runtime = world.runtime();
    await world.check({ runtime });
    const [message] = await world.takeArchiveMessages();
    return { runtime, message: message! };
  }

  it('archives the part a queue message names, as the host hands it over (decoded JSON)', async () => {
    const { runtime, message } = await queuedPart();
    const lines: string[] = [];

    await archivePartHandler(() => runtime)({ ...message }, context(lines));

    expect(lines.join('\n')).toMatch(/archive part: archived/);
    expect((await world.watchState())?.backup?.archived).toBe(true);
  });

  it('ignores archive messages when ARCHIVE_ENABLED is not true', async () => {
    world = await startWorld({ channels: ['slack'] });
    const lines: string[] = [];
    const part = {
      orgKey: world.runtime().org.key,
      historyId: '1',
      prefix: 'p',
      fileName: 'Data_001.zip',
      url: 'https://download.zoho.com/x',
    };
    await archivePartHandler(() => world.runtime())(part, context(lines));
    expect(lines.join('\n')).toMatch(/ARCHIVE_ENABLED is not true/);
    // A part of an org this app does not watch (removed since, or never here) is dropped, saying so.
    await archivePartHandler(() => world.runtime())({ ...part, orgKey: 'eu-1000.GONE' }, context(lines));
    expect(lines.join('\n')).toMatch(/org eu-1000.GONE is not watched here/);
  });

  it('alerts for a message from the poison queue', async () => {
    const { runtime, message } = await queuedPart();
    await archiveFailedHandler(() => runtime)(JSON.stringify(message), context([]));
    expect(
      world.receiver
        .received('slack')
        .map((m) => JSON.stringify(m.body))
        .filter((t) => t.includes('"Zoho CRM backup part not archived"')),
    ).toHaveLength(1);
  });
});

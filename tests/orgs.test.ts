/**
 * Many orgs from one deployment (ZOHO_ORGS_FILE): the orgs file's rules, and stories with three
 * sandbox orgs, each its own Zoho, on one Azurite table: one with its own Slack channel, two on
 * the shared channels, one of those with a revoked refresh token.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebhookReceiver } from '../sandbox/webhookReceiver';
import { ZohoSandbox } from '../sandbox/zohoSandbox';
import { mapWithConcurrency } from '../shared/concurrency';
import { ConfigError } from '../shared/config';
import { loadOrgConfigs } from '../shared/config/orgs';
import { silentLogger } from '../shared/log';
import { checkOrgs } from '../shared/watch/checkOrgs';
import { azuriteConnectionString, freshTableStore } from './support/azurite';
import { tempFolders } from './support/tempFolders';
import { hoursAgo } from './support/world';

const tempFolder = tempFolders();

const root = join(__dirname, '..');

function orgsFile(orgs: unknown): string {
  const path = join(tempFolder('orgs-'), 'orgs.json');
  writeFileSync(path, typeof orgs === 'string' ? orgs : JSON.stringify(orgs));
  return path;
}

function orgOf(name: string, zoho: ZohoSandbox, extra: Record<string, string> = {}) {
  const s = zoho.settings;
  return {
    name,
    dc: 'eu',
    clientId: s.ZOHO_CLIENT_ID,
    clientSecret: s.ZOHO_CLIENT_SECRET,
    refreshToken: s.ZOHO_REFRESH_TOKEN,
    accountsUrl: s.ZOHO_ACCOUNTS_URL,
    apiDomain: s.ZOHO_API_DOMAIN,
    ...extra,
  };
}

function problemsOf(settings: Record<string, string>): string[] {
  try {
    loadOrgConfigs(settings);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

const ORG = { name: 'Acme Ltd', dc: 'eu', clientId: '1000.ACME', clientSecret: 'acme-secret-value', refreshToken: '1000.acme.refresh' };

describe('ZOHO_ORGS_FILE', () => {
  const shared = { STATE_FILE: '/tmp/unused.json', SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/shared' };

  it('gives each org its own credentials and hosts, its own webhook where it has one and the shared one elsewhere', () => {
    const own = 'https://hooks.slack.com/services/T0/B0/own';
    const file = orgsFile([
      { ...ORG, slackWebhookUrl: own, timezone: 'Europe/Berlin' },
      { ...ORG, name: 'Zylker', dc: 'us', clientId: '1000.ZYLKER', refreshToken: '1000.zylker.refresh' },
    ]);
    const [acme, zylker] = loadOrgConfigs({ ...shared, ZOHO_ORGS_FILE: file, NOTIFY_TIMEZONE: 'UTC' });
    expect([acme?.zoho.orgName, acme?.zoho.dc, acme?.channels.slackWebhookUrl, acme?.timezone]).toEqual([
      'Acme Ltd',
      'eu',
      own,
      'Europe/Berlin',
    ]);
    expect([zylker?.zoho.orgName, zylker?.zoho.accountsUrl, zylker?.channels.slackWebhookUrl, zylker?.timezone]).toEqual([
      'Zylker',
      'https://accounts.zoho.com',
      shared.SLACK_WEBHOOK_URL,
      'UTC',
    ]);
  });

  it("takes a partner's orgs on one client, in one data centre or several, each with its own consent; one consent twice is refused", () => {
    const partner = [
      { ...ORG },
      { ...ORG, name: 'Zylker', refreshToken: '1000.zylker.refresh' },
      { ...ORG, name: 'Initech', dc: 'in', clientSecret: 'in-secret-value', refreshToken: '1000.initech.refresh' },
    ];
    const configs = loadOrgConfigs({ ...shared, ZOHO_ORGS_FILE: orgsFile(partner) });
    expect(configs.map((c) => [c.zoho.orgName, c.zoho.clientId, c.zoho.dc])).toEqual([
      ['Acme Ltd', '1000.ACME', 'eu'],
      ['Zylker', '1000.ACME', 'eu'],
      ['Initech', '1000.ACME', 'in'],
    ]);
    const twice = problemsOf({ ...shared, ZOHO_ORGS_FILE: orgsFile([...partner, { ...ORG, name: 'Globex' }]) });
    expect(twice).toEqual([expect.stringMatching(/^org 4 \("Globex"\): same name, or same refreshToken, as org 1 \("Acme Ltd"\)/)]);
    expect(twice.join()).not.toContain(ORG.refreshToken);
  });

  it('names the org and the field of every problem, and never a value', () => {
    const problems = problemsOf({
      ...shared,
      ZOHO_ORGS_FILE: orgsFile([
        { ...ORG },
        { ...ORG, name: 'Mars Inc', clientId: '1000.M', dc: 'mars' },
        { ...ORG, name: 'Zylker', clientId: '1000.Z', clientSecret: undefined, clientSecert: 'zylker-typo-secret' },
        { ...ORG, name: 'Initech', clientId: '1000.I', slackWebhookUrl: 'http://hooks.example/initech-secret-path' },
        { ...ORG },
        'not an org',
      ]),
    });
    const text = problems.join('\n');
    expect(text).toMatch(/org 2 \("Mars Inc"\): dc must be one of/);
    expect(text).toMatch(/org 3 \("Zylker"\): unknown field "clientSecert"/);
    expect(text).toMatch(/org 3 \("Zylker"\): clientSecret is required/);
    expect(text).toMatch(/org 4 \("Initech"\): slackWebhookUrl must be an https/);
    expect(text).toMatch(/org 5 \("Acme Ltd"\): same name, or same refreshToken, as org 1/);
    expect(text).toMatch(/org 6: must be an object/);
    expect(text).not.toMatch(/^org 1 /m);
    for (const secret of ['acme-secret-value', 'zylker-typo-secret', 'initech-secret-path', '1000.acme.refresh'])
      expect(text).not.toContain(secret);
  });

  it('refuses a file that is not a JSON array without quoting it, and single-org credentials beside it', () => {
    const broken = orgsFile('[{"name": "Acme", "clientSecret": "leaky-secret" ');
    expect(problemsOf({ ...shared, ZOHO_ORGS_FILE: broken }).join()).toMatch(/is not valid JSON/);
    expect(problemsOf({ ...shared, ZOHO_ORGS_FILE: broken }).join()).not.toContain('leaky-secret');
    expect(problemsOf({ ...shared, ZOHO_ORGS_FILE: orgsFile({ orgs: [] }) }).join()).toMatch(/non-empty JSON array/);
    expect(problemsOf({ ...shared, ZOHO_ORGS_FILE: orgsFile([ORG]), ZOHO_CLIENT_ID: '1000.X' }).join()).toMatch(
      /ZOHO_ORGS_FILE and ZOHO_CLIENT_ID are both set/,
    );
  });

  it('runs at most the given number at once, keeping the order of the orgs', async () => {
    let running = 0;
    let most = 0;
    const gates: Array<() => void> = [];
    const done = mapWithConcurrency([1, 2, 3, 4, 5], 2, async (n) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise<void>((open) => gates.push(open));
      running -= 1;
      return n * 10;
    });
    while (gates.length > 0 || running > 0) {
      await new Promise((r) => setImmediate(r));
      gates.shift()?.();
    }
    expect([await done, most]).toEqual([[10, 20, 30, 40, 50], 2]);
  });
});

describe('three orgs, one deployment', () => {
  let zohos: ZohoSandbox[];
  let ownChannel: WebhookReceiver;
  let sharedChannels: WebhookReceiver;

  beforeEach(async () => {
    // Each org its own Zoho, with its own OAuth client.
    const credentials = (n: number) => ({
      clientId: `1000.ORG${n}`,
      clientSecret: `secret-of-org-${n}`,
      refreshToken: `1000.refresh.org${n}`,
    });
    zohos = await Promise.all([1, 2, 3].map((n) => ZohoSandbox.start({ credentials: credentials(n) })));
    [ownChannel, sharedChannels] = await Promise.all([WebhookReceiver.start(), WebhookReceiver.start()]);
  });
  afterEach(async () => {
    await Promise.all([...zohos.map((z) => z.close()), ownChannel.close(), sharedChannels.close()]);
  });

  function settings(): Record<string, string> {
    const [acme, zylker, initech] = zohos as [ZohoSandbox, ZohoSandbox, ZohoSandbox];
    return {
      ZOHO_ORGS_FILE: orgsFile([
        orgOf('Acme Ltd', acme, { slackWebhookUrl: ownChannel.slackUrl }),
        orgOf('Zylker Corp', zylker),
        orgOf('Initech', initech),
      ]),
      SLACK_WEBHOOK_URL: sharedChannels.slackUrl,
      TEAMS_WEBHOOK_URL: sharedChannels.teamsUrl,
      ALERT_AFTER_FAILURES: '1',
      AzureWebJobsStorage: azuriteConnectionString(),
    };
  }

  it('announces each org in its own channels, alerts for the revoked one only, and the next check is quiet: one Zoho call an org', async () => {
    for (const zoho of zohos) zoho.completeBackup({ at: hoursAgo(1) });
    zohos[2]?.revokeRefreshToken();
    const store = freshTableStore();
    const configs = loadOrgConfigs(settings());

    const first = await checkOrgs(configs, { store, log: silentLogger });

    expect(first.map((c) => [c.org, c.report.outcome])).toEqual([
      ['Acme Ltd', 'announced'],
      ['Zylker Corp', 'announced'],
      ['Initech', 'failed'],
    ]);
    const text = (r: WebhookReceiver, channel: 'slack' | 'teams') => r.received(channel).map((m) => JSON.stringify(m.body));
    // Acme has its own Slack channel: only there (and on the shared Teams, which it does not replace).
    expect(text(ownChannel, 'slack')).toEqual([expect.stringContaining('Acme Ltd')]);
    expect(text(sharedChannels, 'slack').filter((m) => m.includes('Acme Ltd'))).toEqual([]);
    expect(text(sharedChannels, 'teams').filter((m) => m.includes('Acme Ltd'))).toHaveLength(1);
    expect(text(sharedChannels, 'slack').filter((m) => m.includes('Zylker Corp'))).toHaveLength(1);
    const initech = text(sharedChannels, 'slack').filter((m) => m.includes('Initech'));
    expect(initech).toHaveLength(1); // the credentials alert, naming its org
    expect(initech[0]).not.toContain(zohos[2]?.settings.ZOHO_REFRESH_TOKEN);

    const before = zohos.map((z) => [z.requests.length, z.tokensMinted]);
    const messages = ownChannel.messages.length + sharedChannels.messages.length;
    const second = await checkOrgs(loadOrgConfigs(settings()), { store, log: silentLogger });
    expect(second.map((c) => c.report.outcome)).toEqual(['nothing-new', 'nothing-new', 'failed']);
    const calls = zohos.map((z, i) => z.requests.slice(before[i]?.[0]).filter((r) => r.endpoint !== 'token').length);
    expect(calls.slice(0, 2)).toEqual([1, 1]);
    expect(zohos.slice(0, 2).map((z, i) => z.tokensMinted - (before[i]?.[1] ?? 0))).toEqual([0, 0]);
    expect(ownChannel.messages.length + sharedChannels.messages.length).toBe(messages); // no alert twice
  });

  it('zoho-backup-notifier check runs every org and exits 1 naming the org that failed; status lists them, --org details one', async () => {
    for (const zoho of zohos) zoho.completeBackup({ at: hoursAgo(1) });
    zohos[2]?.revokeRefreshToken();
    const cwd = tempFolder('orgs-cli-');
    const env = { ...settings(), STATE_FILE: join(cwd, 'state.json') };
    const cli = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
        execFile(
          process.execPath,
          [join(root, 'dist/cli/main.js'), ...args],
          { cwd, env: { PATH: process.env.PATH ?? '', ...env } },
          (error, stdout, stderr) => done({ code: error ? Number(error.code) : 0, stdout, stderr }),
        ),
      );
    const result = await cli('check');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/== Acme Ltd ==\nCheck: announced/);
    expect(result.stdout).toMatch(/== Zylker Corp ==\nCheck: announced/);
    expect(result.stderr).toMatch(/1 of 3 orgs failed: Initech/);
    expect(result.stderr + result.stdout).not.toContain(zohos[2]?.settings.ZOHO_CLIENT_SECRET);

    // status needs no secret: the orgs file only names the orgs.
    const status = await cli('status');
    expect(status.stdout.split('\n').filter(Boolean).sort()).toEqual([
      expect.stringMatching(/^Acme Ltd: ok; last backup /),
      expect.stringMatching(/^Initech: FAILING \(ZOHO_INVALID_REFRESH_TOKEN\); last backup none yet/),
      expect.stringMatching(/^Zylker Corp: ok; last backup /),
    ]);
    expect((await cli('status', '--org', 'Initech')).stdout).toMatch(/^Org: Initech\n/);
    // A lookup that found nothing (exit 1, ORG_UNKNOWN), not a setting to fix.
    expect(await cli('status', '--org', 'Nobody Inc')).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('error ORG_UNKNOWN: no org in the state is named "Nobody Inc"'),
    });
  });
});

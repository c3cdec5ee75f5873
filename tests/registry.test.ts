/**
 * Many orgs on Azure, as the platform runs them: `zoho-backup-notifier orgs add|list|remove`
 * (a child process, signed in through the managed identity protocol) writes each org's secret
 * to a Key Vault stand-in and the rest to the registry table; the deployed package's timer,
 * in a stand-in worker process, queues one check per org on a real Storage queue; orgCheck
 * instances take the messages, overlapping, as Flex Consumption would scale out. Its own
 * Azurite, so that no other test file's timer shares this registry and queue.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TableClient } from '@azure/data-tables';
import { ContainerClient } from '@azure/storage-blob';
import { QueueClient } from '@azure/storage-queue';
import { WebhookReceiver } from '../sandbox/webhookReceiver';
import { ZohoSandbox } from '../sandbox/zohoSandbox';
import { ARCHIVE_QUEUE } from '../shared/archive/plan';
import { orgIdentityKey } from '../shared/orgName';
import { CHECK_QUEUE } from '../shared/orgs/checkQueue';
import { ORGS_TABLE } from '../shared/orgs/registry';
import { type RunningAzurite, startAzurite } from './support/azuriteProcess';
import { answerConsent, freePort, startCli } from './support/consent';
import { buildDeployedPackages, type DeployedPackage, type DeployedPackages } from './support/deployedPackage';
import { FakeKeyVault } from './support/keyVault';
import { tempFolders } from './support/tempFolders';
import { hoursAgo } from './support/world';

const tempFolder = tempFolders();

const root = join(__dirname, '..');
const run = promisify(execFile);

let packages: DeployedPackages;
let pkg: DeployedPackage;
let azurite: RunningAzurite;
let vault: FakeKeyVault;
let zohos: ZohoSandbox[];
let own: WebhookReceiver;
let shared: WebhookReceiver;
let work: string;

const NAMES = ['Acme Ltd', 'Zylker Corp', 'Initech'];

beforeAll(async () => {
  packages = buildDeployedPackages(root);
  pkg = packages.azd;
  work = tempFolder('registry-');
  [azurite, vault, own, shared] = await Promise.all([
    startAzurite(),
    FakeKeyVault.start(),
    WebhookReceiver.start(),
    WebhookReceiver.start(),
  ]);
  const credentials = (n: number) => ({ clientId: `1000.REG${n}`, clientSecret: `reg-secret-${n}`, refreshToken: `1000.reg.refresh.${n}` });
  // Each its own Zoho org: its own client, and its own org id (zgid), which names its archive folder.
  zohos = await Promise.all([1, 2, 3].map((n) => ZohoSandbox.start({ credentials: credentials(n), zgid: `90000000${n}` })));
}, 240_000);

afterAll(async () => {
  await Promise.all([...(zohos ?? []).map((z) => z.close()), own?.close(), shared?.close(), vault?.close(), azurite?.stop()]);
  packages?.remove();
});

/** The app settings of a deployment that watches registered orgs only (no ZOHO_CLIENT_ID). */
function appSettings(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    AzureWebJobsStorage: azurite.connectionString,
    ...vault.env,
    SLACK_WEBHOOK_URL: shared.slackUrl,
    TEAMS_WEBHOOK_URL: shared.teamsUrl,
    ALERT_AFTER_FAILURES: '1',
    ARCHIVE_ENABLED: 'true',
    ARCHIVE_CONTAINER: 'registered',
    ZOHO_DOWNLOAD_HOSTS: zohos.map((z) => z.url).join(','),
  };
}

function orgEntry(i: number): Record<string, string> {
  const s = zohos[i]!.settings;
  return {
    name: NAMES[i]!,
    dc: 'eu',
    clientId: s.ZOHO_CLIENT_ID!,
    clientSecret: s.ZOHO_CLIENT_SECRET!,
    refreshToken: s.ZOHO_REFRESH_TOKEN!,
    accountsUrl: s.ZOHO_ACCOUNTS_URL!,
    apiDomain: s.ZOHO_API_DOMAIN!,
    ...(i === 0 ? { slackWebhookUrl: own.slackUrl } : {}),
  };
}

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) =>
    execFile(process.execPath, [join(root, 'dist/cli/main.js'), ...args], { cwd: work, env: appSettings() }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code) : 0, stdout, stderr }),
    ),
  );
}

interface Result {
  function: string;
  ok: boolean;
  error?: string;
  status?: number;
  body?: Record<string, unknown>;
}

/** A cold instance of the deployed package running these invocations. */
async function instance(
  invocations: Array<{ function: string; queueMessage?: string; http?: { method: string; query?: Record<string, string> } }>,
): Promise<{ results: Result[]; invocationLogs: string[] }> {
  const { stdout } = await run(process.execPath, [join(__dirname, 'support/functionsHost.cjs'), pkg.dir, JSON.stringify(invocations)], {
    cwd: pkg.dir,
    env: appSettings(),
    timeout: 60_000,
  });
  return JSON.parse(stdout) as { results: Result[]; invocationLogs: string[] };
}

/** The check messages the timer queued, taken off the queue as the host would, decoded. */
async function takeChecks(): Promise<string[]> {
  const queue = new QueueClient(azurite.connectionString, CHECK_QUEUE);
  await queue.createIfNotExists();
  const taken: string[] = [];
  for (;;) {
    const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
    if (receivedMessageItems.length === 0) return taken;
    for (const item of receivedMessageItems) {
      await queue.deleteMessage(item.messageId, item.popReceipt);
      taken.push(Buffer.from(item.messageText, 'base64').toString('utf8'));
    }
  }
}

const secrets = () => zohos.flatMap((z) => [z.settings.ZOHO_CLIENT_SECRET!, z.settings.ZOHO_REFRESH_TOKEN!]).concat(own.slackUrl);

describe('registered orgs on Azure', () => {
  it("orgs add keeps each org's secrets in the vault, one secret per org, and the rest in the registry; list shows no secret", async () => {
    const file = join(work, 'orgs.json');
    writeFileSync(file, JSON.stringify([0, 1, 2].map(orgEntry)));
    const added = await cli('orgs', 'add', file);
    expect(added).toMatchObject({ code: 0 });
    expect(added.stdout).toMatch(/Added Acme Ltd/);

    expect(vault.secrets.size).toBe(3);
    const stored = [...vault.secrets.values()].map((s) => JSON.parse(s.value) as Record<string, string>);
    expect(stored.map((s) => s.clientSecret).sort()).toEqual(zohos.map((z) => z.settings.ZOHO_CLIENT_SECRET).sort());
    expect(stored.filter((s) => s.slackWebhookUrl === own.slackUrl)).toHaveLength(1);
    const entities: string[] = [];
    for await (const e of TableClient.fromConnectionString(azurite.connectionString, ORGS_TABLE, {
      allowInsecureConnection: true,
    }).listEntities())
      entities.push(JSON.stringify(e));
    expect(entities).toHaveLength(3);

    const listed = await cli('orgs', 'list', '--json');
    expect((JSON.parse(listed.stdout) as Array<{ name: string }>).map((o) => o.name).sort()).toEqual([...NAMES].sort());
    const everything = entities.join('\n') + added.stdout + added.stderr + listed.stdout + listed.stderr;
    for (const secret of secrets()) expect(everything).not.toContain(secret);
  });

  it('refuses a bad file whole, naming the org and the field, and writes nothing', async () => {
    const file = join(work, 'bad.json');
    const other = { ...orgEntry(1), name: 'Other Inc', clientId: '1000.OTHER' };
    writeFileSync(file, JSON.stringify([other, { ...orgEntry(2), dc: 'mars' }, { ...orgEntry(0), timezone: 'Mars/Olympus' }]));
    const result = await cli('orgs', 'add', file);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/org 2 \("Initech"\): dc must be one of/);
    expect(result.stderr).toMatch(/org 3 \("Acme Ltd"\): .*timezone/);
    writeFileSync(file, JSON.stringify([other, other]));
    expect((await cli('orgs', 'add', file)).stderr).toMatch(/"Other Inc" is in the file twice/);
    expect(vault.secrets.size).toBe(3);
  });

  it('the timer queues one check per org; overlapping orgCheck instances announce each org once, in its own channels', async () => {
    for (const zoho of zohos) zoho.completeBackup({ at: hoursAgo(1) });
    zohos[2]!.revokeRefreshToken();

    const timer = await instance([{ function: 'backupWatch' }]);
    expect(timer.results).toEqual([expect.objectContaining({ function: 'backupWatch', ok: true })]);
    const checks = await takeChecks();
    expect(checks).toHaveLength(3);

    // Two instances take every message: the at-least-once delivery a queue allows, and scale-out.
    const steps = checks.map((queueMessage) => ({ function: 'orgCheck', queueMessage }));
    const [first, second] = await Promise.all([instance(steps), instance(steps)]);
    expect([...first.results, ...second.results].every((r) => r.ok)).toBe(true);

    const bodies = (r: WebhookReceiver, channel: 'slack' | 'teams') => r.received(channel).map((m) => JSON.stringify(m.body));
    expect(bodies(own, 'slack')).toEqual([expect.stringContaining('Acme Ltd')]);
    expect(bodies(shared, 'slack').filter((b) => b.includes('Acme Ltd'))).toEqual([]);
    expect(bodies(shared, 'slack').filter((b) => b.includes('Zylker Corp'))).toHaveLength(1);
    expect(bodies(shared, 'teams').filter((b) => b.includes('Zylker Corp'))).toHaveLength(1);
    expect(bodies(shared, 'slack').filter((b) => b.includes('Initech'))).toHaveLength(1); // its credentials alert, once
    const logs = [...first.invocationLogs, ...second.invocationLogs].join('\n');
    expect(logs).toMatch(/the check of Initech failed/);
    for (const secret of secrets()) expect(logs + JSON.stringify(shared.messages) + JSON.stringify(own.messages)).not.toContain(secret);

    // The next round is quiet: one Zoho call per healthy org, no token minted, nothing sent.
    const before = zohos.map((z) => ({ requests: z.requests.length, minted: z.tokensMinted }));
    const sent = own.messages.length + shared.messages.length;
    await instance([{ function: 'backupWatch' }]);
    await instance((await takeChecks()).map((queueMessage) => ({ function: 'orgCheck', queueMessage })));
    const calls = zohos.map((z, i) => z.requests.slice(before[i]!.requests).filter((r) => r.endpoint !== 'token').length);
    expect(calls.slice(0, 2)).toEqual([1, 1]);
    expect(zohos.slice(0, 2).map((z, i) => z.tokensMinted - before[i]!.minted)).toEqual([0, 0]);
    expect(own.messages.length + shared.messages.length).toBe(sent);
  });

  it('backupStatus lists the orgs one line each and details one by ?org=; backupCheck needs ?org= when several could be meant', async () => {
    const { results } = await instance([
      { function: 'backupStatus', http: { method: 'GET' } },
      { function: 'backupStatus', http: { method: 'GET', query: { org: 'Initech' } } },
      { function: 'backupStatus', http: { method: 'GET', query: { org: 'Nobody Inc' } } },
      { function: 'backupCheck', http: { method: 'POST' } },
      { function: 'backupCheck', http: { method: 'POST', query: { org: 'Acme Ltd', dryRun: 'true' } } },
    ]);
    const [list, initech, nobody, noOrg, acme] = results as Array<Result & { status: number; body: Record<string, unknown> }>;
    expect(list?.status).toBe(200);
    const lines = (list?.body.orgs ?? []) as Array<{ org: string; ok: boolean; error: string | null }>;
    expect(lines.map((l) => [l.org, l.ok]).sort()).toEqual([
      ['Acme Ltd', true],
      ['Initech', false],
      ['Zylker Corp', true],
    ]);
    expect(lines.find((l) => l.org === 'Initech')?.error).toBe('ZOHO_INVALID_REFRESH_TOKEN');
    expect(initech).toMatchObject({ status: 200, body: { org: 'Initech', lastError: { code: 'ZOHO_INVALID_REFRESH_TOKEN' } } });
    expect(nobody).toMatchObject({ status: 404, body: { error: { code: 'ORG_UNKNOWN' } } });
    expect(noOrg).toMatchObject({ status: 400, body: { error: { code: 'REQUEST_INVALID', message: expect.stringContaining('?org=') } } });
    expect(acme).toMatchObject({ status: 200, body: { outcome: 'nothing-new' } });
    for (const secret of secrets()) expect(JSON.stringify(results)).not.toContain(secret);
  });

  it("archives each registered org's parts with that org's own token, and tells that org's channels", async () => {
    const queue = new QueueClient(azurite.connectionString, ARCHIVE_QUEUE);
    const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
    const parts = receivedMessageItems.map((m) => Buffer.from(m.messageText, 'base64').toString('utf8'));
    const orgsOfParts = new Set(parts.map((p) => (JSON.parse(p) as { orgKey: string }).orgKey));
    expect([...orgsOfParts].sort()).toEqual([NAMES[0], NAMES[1]].map((n) => orgIdentityKey(n as string)).sort()); // Initech announced nothing

    const archive = await instance(parts.map((queueMessage) => ({ function: 'archivePart', queueMessage })));
    expect(archive.results.every((r) => r.ok)).toBe(true);
    const blobs: string[] = [];
    for await (const blob of new ContainerClient(azurite.connectionString, 'registered', {
      allowInsecureConnection: true,
    } as never).listBlobsFlat())
      blobs.push(blob.name);
    // Overlapping checks may queue a part twice (at least once); the worker stores each part once.
    const unique = [
      ...new Set(
        parts.map((p) => {
          const m = JSON.parse(p) as { prefix: string; fileName: string };
          return `${m.prefix}/${m.fileName}`;
        }),
      ),
    ];
    expect(blobs.filter((b) => b.endsWith('.zip')).sort()).toEqual(unique.sort());
    expect(unique).toHaveLength(4); // two orgs, a data and an attachments part each, in folders of their own
    // Each org's Zoho served its own parts, every one to that org's own token (a sandbox answers
    // 401 to any other), and none to the org that announced nothing.
    for (const zoho of zohos.slice(0, 2)) {
      const downloads = zoho.requests.filter((r) => r.endpoint === 'download');
      expect(downloads.length).toBeGreaterThanOrEqual(2);
      expect(downloads.map((r) => r.status)).toEqual(downloads.map(() => 200));
    }
    expect(zohos[2]!.requests.filter((r) => r.endpoint === 'download')).toEqual([]);
    const archived = (r: WebhookReceiver, channel: 'slack' | 'teams') =>
      r
        .received(channel)
        .filter((m) => /archived|Archived/.test(JSON.stringify(m.body)))
        .map((m) => JSON.stringify(m.body));
    expect(archived(own, 'slack')).toEqual([expect.stringContaining('Acme Ltd')]);
    expect(archived(shared, 'slack')).toEqual([expect.stringContaining('Zylker Corp')]);
  });

  it('orgs remove stops its checks with no redeploy; adding it again recovers its deleted secret', async () => {
    expect((await cli('orgs', 'remove', 'Zylker Corp')).code).toBe(0);
    expect(vault.deleted.size).toBe(1);
    await instance([{ function: 'backupWatch' }]);
    expect((await takeChecks()).map((m) => (JSON.parse(m) as { orgKey: string }).orgKey).sort()).toEqual(
      [NAMES[0], NAMES[2]].map((n) => orgIdentityKey(n as string)).sort(),
    );

    const file = join(work, 'zylker.json');
    writeFileSync(file, JSON.stringify(orgEntry(1)));
    expect((await cli('orgs', 'add', file)).code).toBe(0);
    expect([vault.secrets.size, vault.deleted.size]).toEqual([3, 0]);
    expect((await cli('orgs', 'remove', 'Nobody Inc')).stderr).toMatch(/no registered org is "Nobody Inc"/);
  });

  it("takes a partner's next orgs on the same client, refuses one consent twice, and warns as Zoho's 20-token limit nears", async () => {
    const acme = orgEntry(0);
    const file = join(work, 'partner.json');
    writeFileSync(file, JSON.stringify({ ...acme, name: 'Globex' }));
    const twice = await cli('orgs', 'add', file);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/"Globex" has the refresh token of the registered org "Acme Ltd": each org needs its own consent/);
    expect(twice.stderr).not.toContain(acme.refreshToken);

    const clients = Array.from({ length: 13 }, (_, i) => ({ ...acme, name: `Client ${i}`, refreshToken: `${acme.refreshToken}.${i}` }));
    writeFileSync(file, JSON.stringify(clients));
    const thirteen = await cli('orgs', 'add', file);
    expect([thirteen.code, thirteen.stderr]).toEqual([0, '']); // 14 orgs on one client: still quiet
    writeFileSync(file, JSON.stringify({ ...acme, name: 'Client 13', refreshToken: `${acme.refreshToken}.13` }));
    const fifteenth = await cli('orgs', 'add', file);
    expect(fifteenth.code).toBe(0);
    expect(fifteenth.stderr).toMatch(
      new RegExp(`warning: 15 orgs use the client ${acme.clientId!.replace('.', '\\.')}: Zoho keeps at most 20 refresh tokens per user`),
    );
    const listed = JSON.parse((await cli('orgs', 'list', '--json')).stdout) as Array<{ key: string; clientId: string }>;
    expect(listed.filter((o) => o.clientId === acme.clientId)).toHaveLength(15);
    // auth, run for one more org of this deployment, says the same.
    const authFolder = tempFolder('registry-auth-');
    const { ZOHO_REFRESH_TOKEN: _none, ...client } = zohos[0]!.settings;
    const auth = await run(process.execPath, [join(root, 'dist/cli/main.js'), 'auth', '--code', zohos[0]!.issueGrantCode()], {
      cwd: authFolder,
      env: { ...appSettings(), ...client },
    });
    expect(auth.stderr).toMatch(/warning: 16 orgs use the client .*Zoho keeps at most 20 refresh tokens per user/);
    for (let i = 0; i < 14; i += 1) expect((await cli('orgs', 'remove', `Client ${i}`)).code).toBe(0);
  });

  it('re-adding an org that release 0.1 registered (its row keyed by data centre and client) replaces that row and its secret', async () => {
    const table = TableClient.fromConnectionString(azurite.connectionString, ORGS_TABLE, { allowInsecureConnection: true });
    const { clientSecret, refreshToken, ...entry } = orgEntry(2) as { clientSecret: string; refreshToken: string; clientId: string };
    const oldRow = `eu-${entry.clientId}`;
    await cli('orgs', 'remove', 'Initech');
    await table.upsertEntity({ partitionKey: 'org', rowKey: oldRow, entry: JSON.stringify(entry), secretName: 'zoho-org-old-initech' });
    vault.secrets.set('zoho-org-old-initech', { value: JSON.stringify({ clientSecret, refreshToken }) });
    const before = JSON.parse((await cli('orgs', 'list', '--json')).stdout) as Array<{ key: string; name: string }>;
    expect(before.filter((o) => o.name === 'Initech')).toEqual([expect.objectContaining({ key: orgIdentityKey('Initech') })]);

    const file = join(work, 'initech.json');
    writeFileSync(file, JSON.stringify(orgEntry(2)));
    expect((await cli('orgs', 'add', file)).code).toBe(0);
    const rows: string[] = [];
    for await (const e of table.listEntities<{ entry: string }>()) if (e.entry.includes('Initech')) rows.push(e.rowKey as string);
    expect(rows).toEqual([orgIdentityKey('Initech')]);
    expect(vault.secrets.has('zoho-org-old-initech')).toBe(false);
  });

  it("authorizes an org of the file that has no refreshToken with its admin's consent in the browser, then adds it", async () => {
    expect((await cli('orgs', 'remove', 'Zylker Corp')).code).toBe(0);
    const { refreshToken: _none, ...zylker } = orgEntry(1);
    const file = join(work, 'consent.json');
    writeFileSync(file, JSON.stringify(zylker));
    const adding = startCli(['orgs', 'add', file, '--no-browser', '--port', String(await freePort())], appSettings(), work);
    const link = await adding.link;
    expect(link.origin).toBe(zohos[1]!.url);
    await answerConsent(link, 'accept');
    expect(await adding.exited).toBe(0);
    expect(adding.output.stdout).toMatch(/Added Zylker Corp/);
    const stored = [...vault.secrets.values()].map((s) => JSON.parse(s.value) as Record<string, string>);
    expect(stored.find((s) => s.clientSecret === zylker.clientSecret)?.refreshToken).toBe(zohos[1]!.settings.ZOHO_REFRESH_TOKEN);
    expect(adding.output.stdout + adding.output.stderr).not.toContain(zohos[1]!.settings.ZOHO_REFRESH_TOKEN);
  });
});

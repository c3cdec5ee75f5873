/**
 * The package as Azure runs it: built as `azd up` and the README's `func azure functionapp
 * publish` build it from a user's folder (tests/support/deploy models each tool from its
 * source), copied to a clean folder, loaded there by a stand-in for the Functions worker in
 * a process of its own (on the Node that runs the suite: npm test runs it on Node 24 and 22),
 * with the app settings infra/main.bicep produces, rendered as ARM renders them. Only the
 * hosts and secrets point at the sandbox, and storage at Azurite instead of a managed identity.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { QueueClient } from '@azure/storage-queue';
import { WebhookReceiver } from '../sandbox/webhookReceiver';
import { ZohoSandbox } from '../sandbox/zohoSandbox';
import { ARCHIVE_QUEUE } from '../shared/archive/plan';
import { armString, nodeWorkerArguments, renderAppSettings, STAND_IN_REFERENCES } from './support/armSettings';
import { azuriteConnectionString } from './support/azurite';
import { buildDeployedPackages, type DeployedPackage, type DeployedPackages } from './support/deployedPackage';
import { HOUR } from './support/world';

const root = join(__dirname, '..');
const FUNCTIONS = [
  'archiveDrill',
  'archiveFailed',
  'archivePart',
  'backupCheck',
  'backupReport',
  'backupStatus',
  'backupWatch',
  'orgCheck',
];

interface HostReport {
  node: string;
  indexMs: number;
  functions: Array<{
    name: string;
    bindings: Array<{ type: string; direction: string; schedule?: string; runOnStartup?: boolean; queueName?: string }>;
  }>;
  results: Array<{ function: string; ok: boolean; status?: number; body?: Record<string, unknown>; error?: string; ms: number }>;
  modulesOutsideApp: string[];
  systemLogs: string[];
  invocationLogs: string[];
}

type Invocation =
  | { function: string; http?: { method: string; query?: Record<string, string> }; queueMessage?: string }
  | { loadEveryModule: true }
  | { startTelemetrySdk: string }
  | { terminate: true };

let packages: DeployedPackages;
let pkg: DeployedPackage;
let sandbox: ZohoSandbox;
let receiver: WebhookReceiver;
let settings: Record<string, string>;

beforeAll(async () => {
  packages = buildDeployedPackages(root);
  pkg = packages.azd;
  const megabytes = (pkg.bytes / 1024 / 1024).toFixed(1);
  process.stdout.write(`deployed package: ${pkg.files.length} files, ${megabytes} MB (${pkg.dir})\n`);
  [sandbox, receiver] = await Promise.all([ZohoSandbox.start(), WebhookReceiver.start()]);
  settings = await armRenderedSettings();
}, 240_000);

afterAll(async () => {
  await Promise.all([sandbox?.close(), receiver?.close()]);
  packages?.remove();
});

/** main.bicep's settings with this test's parameters, Key Vault references resolved as the platform does. */
async function armRenderedSettings(): Promise<Record<string, string>> {
  const secrets: Record<string, string> = {
    'https://kv.vault.azure.net/secrets/zoho-client-secret': sandbox.settings.ZOHO_CLIENT_SECRET!,
    'https://kv.vault.azure.net/secrets/zoho-refresh-token': sandbox.settings.ZOHO_REFRESH_TOKEN!,
    'https://kv.vault.azure.net/secrets/slack-webhook-url': receiver.slackUrl,
    'https://kv.vault.azure.net/secrets/teams-webhook-url': receiver.teamsUrl,
  };
  const rendered = await renderAppSettings(join(root, 'infra'), {
    parameters: {
      environmentName: 'zbntest',
      zohoClientId: sandbox.settings.ZOHO_CLIENT_ID!,
      zohoClientSecret: sandbox.settings.ZOHO_CLIENT_SECRET!,
      zohoRefreshToken: sandbox.settings.ZOHO_REFRESH_TOKEN!,
      slackWebhookUrl: receiver.slackUrl,
      teamsWebhookUrl: receiver.teamsUrl,
      zohoAccountsUrl: sandbox.url,
      zohoApiDomain: sandbox.url,
      zohoDownloadHosts: sandbox.url,
      zohoOrgName: 'Zylker Inc',
      archiveEnabled: true,
      archiveContainer: `pkg-${randomBytes(4).toString('hex')}`,
    },
    references: STAND_IN_REFERENCES,
  });
  const resolved = Object.fromEntries(
    Object.entries(rendered).map(([name, value]) => [
      name,
      value.replace(/^@Microsoft\.KeyVault\(SecretUri=(.+)\)$/, (_, uri: string) => secrets[uri] ?? value),
    ]),
  );
  // No managed identity off Azure: Azurite by connection string instead of the identity-based
  // settings. No ingestion endpoint either: telemetry has its own test (telemetry.test.ts).
  const { AzureWebJobsStorage__accountName, AzureWebJobsStorage__credential, AzureWebJobsStorage__clientId, ...rest } = resolved;
  expect([AzureWebJobsStorage__accountName, AzureWebJobsStorage__credential, AzureWebJobsStorage__clientId]).toEqual([
    'stzbntest',
    'managedidentity',
    STAND_IN_REFERENCES.identityClientId,
  ]);
  return { ...rest, AzureWebJobsStorage: azuriteConnectionString(), APPLICATIONINSIGHTS_CONNECTION_STRING: '' };
}

/** One cold instance: a fresh process that indexes the package and runs the invocations. */
async function runInstance(invocations: Invocation[], extraEnv: Record<string, string> = {}): Promise<HostReport> {
  // Asynchronous: the sandbox and the receivers answer from this process meanwhile.
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...settings, ...extraEnv };
  const { stdout } = await promisify(execFile)(
    process.execPath,
    // As the host starts the worker: languageWorkers__node__arguments first on its command line.
    [...nodeWorkerArguments(settings), join(__dirname, 'support/functionsHost.cjs'), pkg.dir, JSON.stringify(invocations)],
    {
      cwd: pkg.dir,
      env,
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  return JSON.parse(stdout) as HostReport;
}

/** A forward proxy for http targets (absolute URLs in the request line) that notes each host. */
async function startForwardProxy(): Promise<{ url: string; hosts: Set<string>; close: () => Promise<void> }> {
  const hosts = new Set<string>();
  const server = createServer((req, res) => {
    const target = new URL(req.url ?? '');
    hosts.add(target.host);
    const upstream = request(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  const close = () => new Promise<void>((done) => server.close(() => done()));
  return { url: `http://127.0.0.1:${port}`, hosts, close };
}

async function takeQueuedParts(): Promise<string[]> {
  const queue = new QueueClient(azuriteConnectionString(), ARCHIVE_QUEUE);
  await queue.createIfNotExists();
  const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
  for (const item of receivedMessageItems) await queue.deleteMessage(item.messageId, item.popReceipt);
  // The host decodes base64 queue messages before the function sees them.
  return receivedMessageItems.map((item) => Buffer.from(item.messageText, 'base64').toString('utf8'));
}

describe('the deployed package', () => {
  it('is the bundle: its entry, its chunks and source maps, the telemetry SDK as one file, host.json and package.json', () => {
    const outside = pkg.files.filter((f) => !/^(chunks\/[\w-]+\.mjs(\.map)?|app\.mjs(\.map)?)$/.test(f));
    expect(outside.sort()).toEqual([
      'host.json',
      'index.mjs',
      'node_modules/applicationinsights/index.js',
      'node_modules/applicationinsights/package.json',
      'package.json',
    ]);
    expect(pkg.files.filter((f) => f.startsWith('chunks/') && f.endsWith('.mjs.map')).length).toBeGreaterThan(0);
    const manifest = JSON.parse(readFileSync(join(pkg.dir, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ main: 'index.mjs' });
    expect(manifest.dependencies).toBeUndefined();
    expect(readFileSync(join(pkg.dir, 'host.json'), 'utf8')).toBe(readFileSync(join(root, 'host.json'), 'utf8'));
    expect(pkg.files.length).toBeLessThanOrEqual(100);
  });

  it('is built by azd in its real order (restore, build, zip dist/app) with no hook, and deployed as built', () => {
    expect(packages.azd.steps).toEqual(['restore: up to date', 'npm run build --if-present']);
    expect(packages.azd.remoteBuild).toBe(false);
  });

  it('is the same package from azd and from func azure functionapp publish run in dist/app', () => {
    expect(packages.coreTools.root).toBe(join('dist', 'app'));
    expect([...packages.coreTools.files].sort()).toEqual([...packages.azd.files].sort());
  });

  it("uploads nothing of the user's folder: no state file, .env, local.settings.json, .azure or Azurite data, and none of their contents", () => {
    const names = Object.keys(packages.userFiles).map((f) => f.split('/').at(-1));
    for (const built of [packages.azd, packages.coreTools]) {
      expect(built.files.filter((f) => names.includes(f.split('/').at(-1)) || /(^|\/)(\.azure|\.azurite|\.vscode)\//.test(f))).toEqual([]);
      const leaked = built.files.filter((f) => {
        const text = readFileSync(join(built.dir, f), 'latin1');
        return Object.values(packages.userFiles).some((marker) => text.includes(marker));
      });
      expect(leaked).toEqual([]);
    }
  });

  it('resolves every module the bundle can load, the lazily loaded ones too, inside the package alone', async () => {
    const report = await runInstance([{ loadEveryModule: true }]);
    expect(report.results).toEqual([{ function: '(every module)', ok: true, modules: expect.any(Number), failures: [] }]);
    expect((report.results[0] as unknown as { modules: number }).modules).toBe(pkg.files.filter((f) => /\.(mjs|js)$/.test(f)).length);
  });

  it('registers the hook that releases held claims when the host terminates the worker', async () => {
    const report = await runInstance([{ terminate: true }]);
    expect(report.results).toEqual([{ function: '(terminate)', ok: true, hooks: 1 }]);
  });

  it('starts the telemetry SDK from the package, as a check with telemetry configured does after its work', async () => {
    const report = await runInstance([
      { startTelemetrySdk: 'InstrumentationKey=00000000-0000-4000-8000-000000000002;IngestionEndpoint=https://127.0.0.1:9/' },
    ]);
    expect(report.results).toEqual([{ function: '(telemetry SDK)', ok: true, resolved: true }]);
  });

  it.each([
    ['invalid settings', { ZOHO_CLIENT_SECRET: '' }, /Invalid settings/],
    ['a failed check', { ZOHO_ACCOUNTS_URL: 'http://127.0.0.1:9' }, /backup check failed/],
  ])(
    'maps every frame of an invocation failure (%s) to a source line: source maps are on before the bundle compiles',
    async (_case, env, error) => {
      const report = await runInstance([{ function: 'backupWatch' }], env);
      const [result] = report.results as Array<{ ok: boolean; error?: string; stack?: string }>;
      expect(result).toMatchObject({ ok: false, error: expect.stringMatching(error) });
      // Frames of the package (not Node's own, not the stand-in worker's).
      const frames = result!.stack!.split('\n').filter((l) => /^\s+at /.test(l) && !/node:|functionsHost\.cjs/.test(l));
      expect(frames.length).toBeGreaterThan(0);
      expect(frames.filter((f) => !/\.ts:\d+:\d+\)?$/.test(f))).toEqual([]);
      expect(frames.join('\n')).toMatch(/functions\/backupWatch\.ts:\d+:\d+/);
    },
  );

  it('renders the settings as ARM does: a bool as True (lowercased by the Bicep), an int as digits, an unset string as empty', async () => {
    expect([armString(true), armString(false), armString(3)]).toEqual(['True', 'False', '3']);
    expect(settings.ARCHIVE_ENABLED).toBe('true');
    expect(settings.ALERT_AFTER_FAILURES).toBe('3');
    const defaults = await renderAppSettings(join(root, 'infra'), {
      parameters: { zohoClientId: '1000.X' },
      references: STAND_IN_REFERENCES,
    });
    expect(defaults.ZOHO_DOWNLOAD_HOSTS).toBe('');
    expect(defaults.SLACK_WEBHOOK_URL).toBe('');
    expect(settings.ZOHO_API_VERSION).toBe('v8');
    expect(settings.BACKUP_WATCH_SCHEDULE).toBe('0 */10 * * * *');
    // The archive's V8 option reaches the worker's command line only with the archive on; unset otherwise.
    expect(nodeWorkerArguments(settings)).toEqual(['--scavenger-max-new-space-capacity-mb=2']);
    expect('languageWorkers__node__arguments' in defaults).toBe(false);
  });

  it('indexes every function from package.json "main" with nothing from the development tree, then the timer announces a backup and queues its parts', async () => {
    sandbox.completeBackup({ at: new Date(Date.now() - HOUR) });
    await takeQueuedParts();

    const report = await runInstance([{ function: 'backupWatch' }]);

    expect(report.functions.map((f) => f.name).sort()).toEqual(FUNCTIONS);
    expect(report.functions.find((f) => f.name === 'backupWatch')?.bindings).toEqual([
      // The host resolves %NAME% from the app settings; runOnStartup would check on every scale-out.
      { type: 'timerTrigger', direction: 'in', schedule: '%BACKUP_WATCH_SCHEDULE%', runOnStartup: false },
    ]);
    expect(report.modulesOutsideApp).toEqual([]); // CommonJS loads; Node keeps no list of ES modules, so:
    // no folder above the package has a node_modules, so nothing outside it could be resolved.
    for (let dir = dirname(pkg.dir); ; dir = dirname(dir)) {
      expect({ dir, node_modules: existsSync(join(dir, 'node_modules')) }).toEqual({ dir, node_modules: false });
      if (dir === dirname(dir)) break;
    }
    expect(report.results).toEqual([{ function: 'backupWatch', ok: true, ms: expect.any(Number), cpuS: expect.any(Number) }]);
    expect(receiver.received('slack')).toHaveLength(1);
    expect(receiver.received('teams')).toHaveLength(1);
    expect(JSON.stringify(receiver.received('slack')[0]!.body)).toContain('Zylker Inc');
    const parts = await takeQueuedParts();
    expect(parts.length).toBeGreaterThan(0);
    process.stdout.write(
      `cold instance on Node ${report.node}: indexed ${report.functions.length} functions in ${report.indexMs.toFixed(0)} ms\n`,
    );

    // A second instance archives the queued parts, and its HTTP check finds nothing new.
    const second = await runInstance([
      ...parts.map((queueMessage) => ({ function: 'archivePart', queueMessage })),
      { function: 'backupCheck', http: { method: 'POST' } },
    ]);
    expect(second.results.map((r) => [r.function, r.ok, r.error])).toEqual([
      ...parts.map(() => ['archivePart', true, undefined]),
      ['backupCheck', true, undefined],
    ]);
    expect(second.results.at(-1)).toMatchObject({ status: 200, body: { outcome: 'nothing-new', ok: true } });
  });

  it('goes through HTTP_PROXY when it is set: Table storage through the proxy agent the bundle loads on first use, Zoho through axios', async () => {
    const proxy = await startForwardProxy();
    try {
      const report = await runInstance([{ function: 'backupCheck', http: { method: 'POST' } }], { HTTP_PROXY: proxy.url });
      expect(report.results.map((r) => [r.ok, r.status, r.error])).toEqual([[true, 200, undefined]]);
      const tableHost = new URL(/TableEndpoint=([^;]+)/.exec(azuriteConnectionString())?.[1] ?? '').host;
      expect([...proxy.hosts].sort()).toEqual([new URL(sandbox.url).host, tableHost].sort());
    } finally {
      await proxy.close();
    }
  });

  it('announces the next backup through the HTTP check, and backupStatus shows it, with no secret in any answer', async () => {
    const { jobId } = sandbox.completeBackup({ at: new Date(Date.now() - HOUR / 2) });
    const before = receiver.messages.length;

    const report = await runInstance([
      { function: 'backupCheck', http: { method: 'POST' } },
      { function: 'backupStatus', http: { method: 'GET' } },
    ]);

    const [check, status] = report.results;
    expect(check).toMatchObject({
      ok: true,
      status: 200,
      body: {
        outcome: 'announced',
        deliveries: [
          { channel: 'slack', result: 'sent' },
          { channel: 'teams', result: 'sent' },
        ],
      },
    });
    expect(receiver.messages.length - before).toBe(2);
    expect(status).toMatchObject({ ok: true, status: 200 });
    expect(JSON.stringify(status!.body)).toContain(jobId);
    const answers = JSON.stringify(report.results) + report.invocationLogs.join('\n') + report.systemLogs.join('\n');
    expect(report.invocationLogs.join('\n')).toContain('backupCheck');
    for (const secret of [sandbox.settings.ZOHO_CLIENT_SECRET!, sandbox.settings.ZOHO_REFRESH_TOKEN!, receiver.slackUrl, receiver.teamsUrl])
      expect(answers).not.toContain(secret);
  });
});

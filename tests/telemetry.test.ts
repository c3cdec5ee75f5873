import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { WebhookReceiver } from '../sandbox/webhookReceiver';
import { ZohoSandbox } from '../sandbox/zohoSandbox';
import { SecretScrubber } from '../shared/secrets';
import { createTelemetry } from '../shared/telemetry';
import { tempFolders } from './support/tempFolders';
import { hoursAgo } from './support/world';

const tempFolder = tempFolders();

const root = resolve(__dirname, '..');
// A self-signed certificate for 127.0.0.1, for these tests only: the Application Insights
// exporter sends only over https, and the child process trusts it via NODE_EXTRA_CA_CERTS.
const cert = join(__dirname, 'fixtures/loopback-test-cert.pem');
const key = join(__dirname, 'fixtures/loopback-test-key.pem');

function run(args: string[], env: Record<string, string>, cwd = root): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env } }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('telemetry', () => {
  it('does not load the Application Insights SDK when no connection string is set', async () => {
    const script = `
      const { createRuntime } = require('./dist/shared/runtime');
      const { loadConfig } = require('./dist/shared/config');
      const runtime = createRuntime(loadConfig({ ZOHO_CLIENT_ID: 'x', ZOHO_CLIENT_SECRET: 'y', ZOHO_REFRESH_TOKEN: 'z', SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/a', STATE_FILE: '/tmp/unused.json' }));
      runtime.telemetry.event('CheckFailed', {});
      runtime.telemetry.flush().then(() => console.log(Object.keys(require.cache).filter((p) => p.includes('node_modules/applicationinsights/')).length));`;
    const { stdout } = await run(['-e', script], {});
    expect(stdout.trim()).toBe('0');
  });

  it('queues items while a check runs and loads the SDK only afterwards, then sends them in order', async () => {
    const sent: string[] = [];
    const deferred: Array<() => void> = [];
    const client = {
      trackEvent: (e: { name: string }) => sent.push(e.name),
      trackMetric: (m: { name: string }) => sent.push(m.name),
      flush: async () => {},
    };
    let connects = 0;
    const telemetry = createTelemetry({ connectionString: 'InstrumentationKey=x' }, new SecretScrubber([]), {
      connect: async () => {
        connects += 1;
        return client as never;
      },
      defer: (load) => deferred.push(load),
    });
    telemetry.event('BackupAnnounced');
    telemetry.metric('CheckDurationMs', 5);
    expect([connects, sent, deferred.length]).toEqual([0, [], 1]); // nothing loaded during the check
    deferred[0]!();
    await telemetry.flush();
    telemetry.event('AlertRaised'); // after the load: straight through
    expect([connects, sent]).toEqual([1, ['BackupAnnounced', 'CheckDurationMs', 'AlertRaised']]);
  });

  it('drops what waited when the SDK fails to load, and tries again with the next item', async () => {
    const sent: string[] = [];
    const deferred: Array<() => void> = [];
    const client = { trackEvent: (e: { name: string }) => sent.push(e.name), trackMetric: () => 0, flush: async () => {} };
    let connects = 0;
    const telemetry = createTelemetry({ connectionString: 'InstrumentationKey=x' }, new SecretScrubber([]), {
      connect: async () => {
        connects += 1;
        if (connects === 1) throw new Error('ingestion endpoint refused');
        return client as never;
      },
      defer: (load) => deferred.push(load),
    });
    telemetry.event('AlertRaised');
    await expect(telemetry.flush()).rejects.toThrow('ingestion endpoint refused');
    telemetry.event('BackupAnnounced');
    expect(deferred).toHaveLength(2); // a second load was scheduled for the next item
    deferred[1]!();
    await telemetry.flush();
    expect([connects, sent]).toEqual([2, ['BackupAnnounced']]);
  });

  describe('with APPLICATIONINSIGHTS_CONNECTION_STRING', () => {
    let ingestion: Server;
    let items: Array<{ name: string; data: { baseData: Record<string, unknown> } }>;
    let raw: string[];
    let zoho: ZohoSandbox;
    let chat: WebhookReceiver;

    beforeEach(async () => {
      items = [];
      raw = [];
      ingestion = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks);
          const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString();
          raw.push(text);
          items.push(...(JSON.parse(text) as typeof items));
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ itemsReceived: 1, itemsAccepted: 1, errors: [] }));
        });
      });
      await new Promise<void>((r) => ingestion.listen(0, '127.0.0.1', r));
      zoho = await ZohoSandbox.start();
      chat = await WebhookReceiver.start();
    });
    afterEach(async () => {
      ingestion.closeAllConnections();
      await new Promise((r) => ingestion.close(r));
      await Promise.all([zoho.close(), chat.close()]);
    });

    it('sends BackupAnnounced, DeliveryFailed and the check metrics, with no secret in them', async () => {
      zoho.completeBackup({ at: hoursAgo(1) });
      chat.failNext('teams', { status: 404, error: 'WorkflowNotFound' });
      const port = (ingestion.address() as AddressInfo).port;
      const env: Record<string, string> = {
        ...zoho.settings,
        SLACK_WEBHOOK_URL: chat.slackUrl,
        TEAMS_WEBHOOK_URL: chat.teamsUrl,
        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=https://127.0.0.1:${port}/`,
        NODE_EXTRA_CA_CERTS: cert,
      };
      const result = await run([join(root, 'dist/cli/main.js'), 'check'], env, tempFolder('telemetry-'));
      expect(result.code).toBe(1); // Teams failed

      const events = items.filter((i) => i.name.endsWith('.Event')).map((i) => i.data.baseData);
      const metrics = items
        .filter((i) => i.name.endsWith('.Metric'))
        .flatMap((i) => i.data.baseData.metrics as Array<{ name: string; value: number }>);
      expect(events.map((e) => e.name).sort()).toEqual(['DeliveryFailed']);
      expect(events[0]?.properties).toMatchObject({ channel: 'teams', code: 'TEAMS_REJECTED', outcome: 'delivery-failed' });
      expect(metrics.map((m) => m.name)).toEqual(expect.arrayContaining(['CheckDurationMs', 'ZohoApiCalls', 'ZohoTokenRefreshes']));
      expect(metrics.find((m) => m.name === 'ZohoApiCalls')?.value).toBe(3); // history, urls, and the schedule read once on a first run

      chat.failNext('slack', { status: 0, dropConnection: true });
      await run([join(root, 'dist/cli/main.js'), 'check'], env, tempFolder('telemetry-'));
      const text = raw.join('\n');
      for (const secret of [env.ZOHO_CLIENT_SECRET!, env.ZOHO_REFRESH_TOKEN!, chat.slackUrl, chat.teamsUrl, 'sig='])
        expect(text).not.toContain(secret);
    });

    it('sends BackupAnnounced when every channel got the message', async () => {
      zoho.completeBackup({ at: hoursAgo(1) });
      const port = (ingestion.address() as AddressInfo).port;
      await run(
        [join(root, 'dist/cli/main.js'), 'check'],
        {
          ...zoho.settings,
          SLACK_WEBHOOK_URL: chat.slackUrl,
          APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=https://127.0.0.1:${port}/`,
          NODE_EXTRA_CA_CERTS: cert,
        },
        tempFolder('telemetry-'),
      );
      const events = items.filter((i) => i.name.endsWith('.Event')).map((i) => i.data.baseData);
      expect(events).toEqual([
        expect.objectContaining({ name: 'BackupAnnounced', properties: expect.objectContaining({ org: 'Zoho CRM' }) }),
      ]);
    });
  });
});

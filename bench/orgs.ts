/**
 * Many orgs through the fan-out (part of npm run bench): figures, not assertions. Registers
 * BENCH_ORGS sandbox orgs (each its own Zoho sandbox and credentials; secrets in the Key Vault
 * stand-in, entries in the registry table), then runs the deployed package as Azure would:
 * one timer instance queues a check per org; BENCH_INSTANCES worker instances (fresh
 * processes, as Flex Consumption scales out) take the messages, each running as many at once
 * as host.json's queue settings allow (one). Prints orgs per minute, Zoho calls per org and each
 * instance's peak RSS, for a first round (every org announces) and a quiet one.
 * Goal: 1,000 orgs well within one 10-minute timer interval.
 *   BENCH_ORGS=1000 BENCH_INSTANCES=2
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { QueueClient } from '@azure/storage-queue';
import { WebhookReceiver } from '../sandbox/webhookReceiver';
import { ZohoSandbox } from '../sandbox/zohoSandbox';
import { orgIdentityKey } from '../shared/orgName';
import { CHECK_QUEUE } from '../shared/orgs/checkQueue';
import { ORGS_TABLE, OrgRegistry } from '../shared/orgs/registry';
import { secretNameOf } from '../shared/orgs/secrets';
import { tableClientFor } from '../shared/state/tableStore';
import { startAzurite } from '../tests/support/azuriteProcess';
import { buildDeployedPackage } from '../tests/support/deployedPackage';
import { FakeKeyVault } from '../tests/support/keyVault';

const run = promisify(execFile);
const root = resolve(__dirname, '../..');
const ORGS = Number(process.env.BENCH_ORGS ?? 1000);
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 2);
/**
 * Queue messages an instance runs at once, as host.json sets them for every queue trigger:
 * batchSize plus newBatchThreshold (1 and 0, chosen for the archive's gigabyte downloads).
 */
const queues = JSON.parse(readFileSync(join(root, 'host.json'), 'utf8')).extensions.queues as {
  batchSize: number;
  newBatchThreshold: number;
};
const BATCH = queues.batchSize + queues.newBatchThreshold;
const host = join(root, 'tests/support/functionsHost.cjs');

interface Instance {
  results: Array<{ ok: boolean; error?: string }>;
  maxRssMb: number;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-orgs-'));
  const pkg = buildDeployedPackage(root);
  const [azurite, vault, chat] = await Promise.all([
    startAzurite({ location: join(work, 'azurite') }),
    FakeKeyVault.start(),
    WebhookReceiver.start(),
  ]);
  const zohos: ZohoSandbox[] = [];
  try {
    for (let i = 0; i < ORGS; i += 1) {
      const credentials = { clientId: `1000.BENCH${i}`, clientSecret: `bench-secret-${i}`, refreshToken: `1000.bench.${i}` };
      zohos.push(await ZohoSandbox.start({ credentials }));
    }
    const storage = { kind: 'connection-string' as const, connectionString: azurite.connectionString };
    const registry = new OrgRegistry(tableClientFor(storage, ORGS_TABLE, () => undefined as never));
    for (const [i, zoho] of zohos.entries()) {
      const s = zoho.settings;
      const key = orgIdentityKey(`Client ${i}`);
      // Set up as `orgs add` would leave it (the CLI itself is tested in tests/registry.test.ts).
      vault.secrets.set(secretNameOf(key), {
        value: JSON.stringify({ clientSecret: s.ZOHO_CLIENT_SECRET, refreshToken: s.ZOHO_REFRESH_TOKEN }),
      });
      const entry = {
        name: `Client ${i}`,
        dc: 'eu',
        clientId: s.ZOHO_CLIENT_ID,
        accountsUrl: s.ZOHO_ACCOUNTS_URL,
        apiDomain: s.ZOHO_API_DOMAIN,
      };
      await registry.put({ key, rowKey: key, entry, secretName: secretNameOf(key) });
      zoho.completeBackup({ at: new Date(Date.now() - 3_600_000) });
    }
    const env = {
      PATH: process.env.PATH ?? '',
      AzureWebJobsStorage: azurite.connectionString,
      ...vault.env,
      SLACK_WEBHOOK_URL: chat.slackUrl,
    };
    const instance = async (invocations: unknown[], concurrency = 1): Promise<Instance> => {
      const args = [host, pkg.dir, JSON.stringify(invocations), String(concurrency)];
      const { stdout } = await run(process.execPath, args, { cwd: pkg.dir, env, maxBuffer: 256 << 20 });
      return JSON.parse(stdout) as Instance;
    };
    const queue = new QueueClient(azurite.connectionString, CHECK_QUEUE);
    const takeAll = async (): Promise<string[]> => {
      const taken: string[] = [];
      for (;;) {
        const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
        if (receivedMessageItems.length === 0) return taken;
        await Promise.all(receivedMessageItems.map((m) => queue.deleteMessage(m.messageId, m.popReceipt)));
        taken.push(...receivedMessageItems.map((m) => Buffer.from(m.messageText, 'base64').toString('utf8')));
      }
    };

    console.log(`orgs through the fan-out: node ${process.version}, ${availableParallelism()} CPUs, ${new Date().toISOString()}`);
    console.log(`${ORGS} orgs, ${INSTANCES} worker instances of the deployed package, up to ${BATCH} checks at once in each:`);
    for (const round of ['first (every org announces)', 'quiet (nothing new)']) {
      const before = zohos.reduce((n, z) => n + z.requests.filter((r) => r.endpoint !== 'token').length, 0);
      const minted = zohos.reduce((n, z) => n + z.tokensMinted, 0);
      const started = process.hrtime.bigint();
      const timer = await instance([{ function: 'backupWatch' }]);
      const messages = await takeAll();
      const queuedMs = Number(process.hrtime.bigint() - started) / 1e6;
      // Each instance takes its share, as competing consumers of one queue would.
      const shares = Array.from({ length: INSTANCES }, (_, k) => messages.filter((_m, i) => i % INSTANCES === k));
      const workers = await Promise.all(
        shares.map((share) =>
          instance(
            share.map((queueMessage) => ({ function: 'orgCheck', queueMessage })),
            BATCH,
          ),
        ),
      );
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const failed = workers.flatMap((w) => w.results).filter((r) => !r.ok);
      const calls = zohos.reduce((n, z) => n + z.requests.filter((r) => r.endpoint !== 'token').length, 0) - before;
      console.log(
        `  ${round}: ${ORGS} orgs in ${(ms / 1000).toFixed(1)} s = ${((ORGS / ms) * 60_000).toFixed(0)} orgs per minute (goal: ${ORGS} well within 10 minutes)`,
      );
      console.log(
        `    timer: ${messages.length} checks queued in ${(queuedMs / 1000).toFixed(1)} s (its instance's peak RSS ${timer.maxRssMb.toFixed(0)} MB)`,
      );
      console.log(
        `    Zoho API calls per org: ${(calls / ORGS).toFixed(2)}; tokens minted: ${zohos.reduce((n, z) => n + z.tokensMinted, 0) - minted}; failed invocations: ${failed.length}${failed[0] ? ` (${failed[0].error})` : ''}`,
      );
      console.log(`    worker instances' peak RSS: ${workers.map((w) => `${w.maxRssMb.toFixed(0)} MB`).join(', ')}`);
    }
    console.log(`  messages sent in all: ${chat.messages.length} (one announcement per org, then none)`);
  } finally {
    await Promise.all([...zohos.map((z) => z.close()), chat.close(), vault.close()]);
    await azurite.stop();
    rmSync(pkg.dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

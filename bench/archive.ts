/**
 * npm run bench:archive: figures, not assertions. Streams a 2 GiB backup (two 1 GiB parts)
 * from the Zoho sandbox into Azurite through the archive worker, in a child process whose
 * peak RSS is its own, and compares its throughput with a plain socket-to-file copy of the
 * same bytes from the same sandbox. Targets: at least 0.8 of the plain copy; peak RSS under
 * 150 MB whatever the part size.
 *   BENCH_PART_MB=1024 BENCH_PARTS=2 npm run bench:archive
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startAzurite } from '../cli/sandbox/azurite';
import { WebhookReceiver } from '../cli/sandbox/webhookReceiver';
import { ZohoSandbox } from '../cli/sandbox/zohoSandbox';
import type { ArchivePartMessage } from '../shared/archive/plan';
import { parseArchiveMessage } from '../shared/archive/queue';
import { queueClient } from '../shared/azureStorage';
import { loadConfig } from '../shared/config';
import { silentLogger } from '../shared/log';
import { createRuntime } from '../shared/runtime';
import { runCheck } from '../shared/watch';

const run = promisify(execFile);
const PART_MB = Number(process.env.BENCH_PART_MB ?? 1024);
const PARTS = Number(process.env.BENCH_PARTS ?? 2);

/** The child's script: archive the given parts, report time and peak RSS. */
const WORKER = `
  const { createRuntime } = require(process.argv[1] + '/shared/runtime');
  const { loadConfig } = require(process.argv[1] + '/shared/config');
  const { archivePart } = require(process.argv[1] + '/shared/archive/worker');
  (async () => {
    const runtime = createRuntime(loadConfig(process.env));
    const messages = JSON.parse(process.argv[2]);
    const peak = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
    const sampler = setInterval(() => { const m = process.memoryUsage(); for (const k of Object.keys(peak)) peak[k] = Math.max(peak[k], m[k] / 1048576); }, 50);
    const started = process.hrtime.bigint();
    for (const m of messages) await archivePart(runtime.archive, m);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    clearInterval(sampler);
    if (process.env.BENCH_MEMORY_DETAIL) console.error(JSON.stringify(peak));
    console.log(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
  })().catch((e) => { console.error(e); process.exit(1); });`;

/** The baseline: the same bytes, socket to file, with the same token. */
const PLAIN_COPY = `
  const http = require('http'); const fs = require('fs'); const { pipeline } = require('stream/promises');
  (async () => {
    const [urls, token, dir] = [JSON.parse(process.argv[1]), process.argv[2], process.argv[3]];
    const started = process.hrtime.bigint();
    for (const [i, url] of urls.entries()) {
      const res = await new Promise((resolve, reject) => http.get(url, { headers: { Authorization: 'Zoho-oauthtoken ' + token } }, resolve).on('error', reject));
      await pipeline(res, fs.createWriteStream(dir + '/copy-' + i));
    }
    console.log(JSON.stringify({ ms: Number(process.hrtime.bigint() - started) / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
  })().catch((e) => { console.error(e); process.exit(1); });`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-archive-'));
  const azurite = await startAzurite({ location: join(dir, 'azurite') });
  const zoho = await ZohoSandbox.start();
  const chat = await WebhookReceiver.start();
  try {
    const bytes = PART_MB * 1024 * 1024;
    zoho.completeBackup({ at: new Date(Date.now() - 3_600_000), dataParts: PARTS, attachmentParts: 0, partSize: bytes });
    const settings = {
      ...zoho.settings,
      SLACK_WEBHOOK_URL: chat.slackUrl,
      STATE_FILE: join(dir, 'state.json'),
      AzureWebJobsStorage: azurite.connectionString,
      ARCHIVE_ENABLED: 'true',
      ZOHO_DOWNLOAD_HOSTS: zoho.url,
    };
    const runtime = createRuntime(loadConfig(settings), { log: silentLogger });
    await runCheck({ ...runtime.watch, log: silentLogger }); // announces and queues the parts
    const queue = queueClient({ kind: 'connection-string', connectionString: azurite.connectionString }, 'zoho-backup-archive');
    const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
    const messages: ArchivePartMessage[] = receivedMessageItems.map((i) => parseArchiveMessage(Buffer.from(i.messageText, 'base64').toString('utf8')));
    const token = await runtime.archive!.tokens.getAccessToken();

    const env = { PATH: process.env.PATH ?? '', ...settings };
    const plain = JSON.parse((await run(process.execPath, ['-e', PLAIN_COPY, JSON.stringify(messages.map((m) => m.url)), token, dir], { env, maxBuffer: 1 << 20 })).stdout);
    const worker = await run(process.execPath, ['-e', WORKER, join(__dirname, '..'), JSON.stringify(messages)], { env: { ...env, BENCH_MEMORY_DETAIL: process.env.BENCH_MEMORY_DETAIL ?? '' }, maxBuffer: 1 << 20 });
    if (worker.stderr) console.log(`  worker memory peaks (MB): ${worker.stderr.trim()}`);
    const archived = JSON.parse(worker.stdout);
    const total = bytes * messages.length;
    const mbps = (ms: number) => (total / 1024 / 1024 / (ms / 1000)).toFixed(0);
    console.log(`node ${process.version}, ${new Date().toISOString()}`);
    console.log(`archived ${messages.length} parts of ${PART_MB} MiB (${(total / 1024 ** 3).toFixed(2)} GiB) from the sandbox into Azurite (on disk)`);
    console.log(`  plain socket-to-file copy: ${(plain.ms / 1000).toFixed(1)} s, ${mbps(plain.ms)} MiB/s, peak RSS ${plain.maxRssMb.toFixed(0)} MB`);
    console.log(`  archive worker:            ${(archived.ms / 1000).toFixed(1)} s, ${mbps(archived.ms)} MiB/s, peak RSS ${archived.maxRssMb.toFixed(0)} MB`);
    console.log(`  throughput ratio (archive / plain copy): ${(plain.ms / archived.ms).toFixed(2)} (target >= 0.8)`);
    console.log(`  archive worker peak RSS: ${archived.maxRssMb.toFixed(0)} MB (target < 150 MB)`);
  } finally {
    await Promise.all([zoho.close(), chat.close()]);
    await azurite.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

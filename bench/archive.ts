/**
 * npm run bench:archive: figures, not assertions. Streams a 2 GiB backup (two 1 GiB parts)
 * from the Zoho sandbox into Azurite through the archive worker, in a child process whose
 * peak RSS is its own, and compares its throughput with a plain socket-to-file copy of the
 * same bytes from the same sandbox. Targets: at least 0.8 of the plain copy; peak RSS under
 * 150 MB whatever the part size.
 *
 * Two more figures say where the time goes: an Azurite-only upload of the same number of
 * bytes from memory (the ceiling this Azurite sets for any uploader on this machine), and
 * the CPU seconds each process spent. The three copies run interleaved BENCH_RUNS times and
 * the medians are reported, because a shared machine's figures vary from run to run.
 *   BENCH_PART_MB=1024 BENCH_PARTS=2 BENCH_RUNS=3 npm run bench:archive
 * Azurite keeps its blobs on disk: in memory it frees deleted blobs' extents only on its own
 * garbage collection, so three runs of 4 GiB overflow its store.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WebhookReceiver } from '../sandbox/webhookReceiver';
import { ZohoSandbox } from '../sandbox/zohoSandbox';
import type { ArchivePartMessage } from '../shared/archive/plan';
import { parseArchiveMessage } from '../shared/archive/queue';
import { containerClient, queueClient } from '../shared/azureStorage';
import { loadConfig } from '../shared/config';
import { silentLogger } from '../shared/log';
import { createRuntime } from '../shared/runtime';
import { runCheck } from '../shared/watch';
import { startAzurite } from '../tests/support/azuriteProcess';

const run = promisify(execFile);
const PART_MB = Number(process.env.BENCH_PART_MB ?? 1024);
const PARTS = Number(process.env.BENCH_PARTS ?? 2);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/** Every child prints this last: its wall time, CPU seconds and peak RSS. */
const REPORT = `
  const report = (started, memory) => {
    const cpu = process.cpuUsage();
    console.log(JSON.stringify({ ms: Number(process.hrtime.bigint() - started) / 1e6, cpuS: (cpu.user + cpu.system) / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024, memory }));
  };`;

/** The product: archive the given parts (argv: dist root, queue messages). */
const WORKER = `${REPORT}
  const { createRuntime } = require(process.argv[1] + '/shared/runtime');
  const { loadConfig } = require(process.argv[1] + '/shared/config');
  const { archivePart } = require(process.argv[1] + '/shared/archive/worker');
  (async () => {
    const runtime = createRuntime(loadConfig(process.env));
    const messages = JSON.parse(process.argv[2]);
    // Where the memory goes: RSS once the modules are loaded, and the peaks of V8's heap and of Buffers.
    const memory = { loadedRssMb: process.memoryUsage().rss / 1048576, heapUsedMb: 0, arrayBuffersMb: 0 };
    const sampler = setInterval(() => {
      const { heapUsed, arrayBuffers } = process.memoryUsage();
      memory.heapUsedMb = Math.max(memory.heapUsedMb, heapUsed / 1048576);
      memory.arrayBuffersMb = Math.max(memory.arrayBuffersMb, arrayBuffers / 1048576);
    }, 20);
    const started = process.hrtime.bigint();
    for (const m of messages) await archivePart(runtime.archive, m);
    clearInterval(sampler);
    report(started, memory);
  })().catch((e) => { console.error(e); process.exit(1); });`;

/** The baseline: the same bytes, socket to file, with the same token (argv: urls, token, folder). */
const PLAIN_COPY = `${REPORT}
  const http = require('http'); const fs = require('fs'); const { pipeline } = require('stream/promises');
  (async () => {
    const [urls, token, dir] = [JSON.parse(process.argv[1]), process.argv[2], process.argv[3]];
    const started = process.hrtime.bigint();
    for (const [i, url] of urls.entries()) {
      const res = await new Promise((resolve, reject) => http.get(url, { headers: { Authorization: 'Zoho-oauthtoken ' + token } }, resolve).on('error', reject));
      await pipeline(res, fs.createWriteStream(dir + '/copy-' + i));
      fs.rmSync(dir + '/copy-' + i);
    }
    report(started);
  })().catch((e) => { console.error(e); process.exit(1); });`;

/**
 * The ceiling: the same number of bytes uploaded from memory with the worker's block size
 * and concurrency, no download and no hashing (argv: dist root, container, blob, bytes).
 */
const AZURITE_ONLY = `${REPORT}
  const { containerClient } = require(process.argv[1] + '/shared/azureStorage');
  const { BLOCK_SIZE, UPLOAD_CONCURRENCY } = require(process.argv[1] + '/shared/archive/copy');
  const { Readable } = require('stream');
  (async () => {
    const blob = containerClient({ kind: 'connection-string', connectionString: process.env.AzureWebJobsStorage }, process.argv[2]).getBlockBlobClient(process.argv[3]);
    const [total, piece] = [Number(process.argv[4]), Buffer.alloc(64 * 1024, 7)];
    const pieces = function* () { for (let sent = 0; sent < total; sent += piece.length) yield piece; };
    const started = process.hrtime.bigint();
    await blob.uploadStream(Readable.from(pieces()), BLOCK_SIZE, UPLOAD_CONCURRENCY);
    report(started);
    await blob.delete();
  })().catch((e) => { console.error(e); process.exit(1); });`;

interface Sample {
  ms: number;
  cpuS: number;
  maxRssMb: number;
  memory?: { loadedRssMb: number; heapUsedMb: number; arrayBuffersMb: number };
  sandboxCpuS: number;
  azuriteCpuS?: number;
}

/** CPU seconds a process has used so far (Linux /proc; undefined elsewhere). */
function cpuSecondsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ ticks
  } catch {
    return undefined;
  }
}

/** Runs one child script; adds the CPU seconds the sandbox (this process) and Azurite spent meanwhile. */
async function measure(script: string, args: string[], env: NodeJS.ProcessEnv, azuritePid: number | undefined): Promise<Sample> {
  const [sandboxBefore, azuriteBefore] = [process.cpuUsage(), cpuSecondsOf(azuritePid)];
  const { stdout } = await run(process.execPath, ['-e', script, ...args], { env, maxBuffer: 1 << 20 });
  const sandbox = process.cpuUsage(sandboxBefore);
  const azuriteAfter = cpuSecondsOf(azuritePid);
  return {
    ...(JSON.parse(stdout) as Pick<Sample, 'ms' | 'cpuS' | 'maxRssMb' | 'memory'>),
    sandboxCpuS: (sandbox.user + sandbox.system) / 1e6,
    azuriteCpuS: azuriteAfter !== undefined && azuriteBefore !== undefined ? azuriteAfter - azuriteBefore : undefined,
  };
}

function median(samples: Sample[]): Sample {
  return [...samples].sort((a, b) => a.ms - b.ms)[Math.floor(samples.length / 2)]!;
}

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
    const config = loadConfig(settings);
    const runtime = createRuntime(config, { log: silentLogger });
    await runCheck({ ...runtime.watch, log: silentLogger }); // announces and queues the parts
    const storage = { kind: 'connection-string' as const, connectionString: azurite.connectionString };
    const { receivedMessageItems } = await queueClient(storage, 'zoho-backup-archive').receiveMessages({ numberOfMessages: 32 });
    const messages: ArchivePartMessage[] = receivedMessageItems.map((i) =>
      parseArchiveMessage(Buffer.from(i.messageText, 'base64').toString('utf8')),
    );
    const token = await runtime.archive!.tokens.getAccessToken();
    const container = containerClient(storage, config.archive.container);
    await container.createIfNotExists(); // the worker creates it too; the Azurite-only upload runs first
    const total = bytes * messages.length;
    const [root, env] = [join(__dirname, '..'), { PATH: process.env.PATH ?? '', ...settings }];

    const samples = { plain: [] as Sample[], azuriteOnly: [] as Sample[], worker: [] as Sample[] };
    for (let i = 0; i < RUNS; i += 1) {
      samples.plain.push(await measure(PLAIN_COPY, [JSON.stringify(messages.map((m) => m.url)), token, dir], env, undefined));
      samples.azuriteOnly.push(
        await measure(AZURITE_ONLY, [root, config.archive.container, 'azurite-only.bin', String(total)], env, azurite.process.pid),
      );
      // A part already in the container is skipped: every run starts from an empty backup folder.
      for (const m of messages) await container.getBlobClient(`${m.prefix}/${m.fileName}`).deleteIfExists({ deleteSnapshots: 'include' });
      samples.worker.push(await measure(WORKER, [root, JSON.stringify(messages)], env, azurite.process.pid));
    }
    report(total, messages.length, samples);
  } finally {
    await Promise.all([zoho.close(), chat.close()]);
    await azurite.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(total: number, parts: number, samples: Record<'plain' | 'azuriteOnly' | 'worker', Sample[]>): void {
  const mibps = (s: Sample) => total / 1024 / 1024 / (s.ms / 1000);
  const cpu = (s: number | undefined) => (s === undefined ? 'n/a' : `${s.toFixed(1)} s`);
  const line = (label: string, s: Sample, own: string) =>
    `  ${label.padEnd(28)}${(s.ms / 1000).toFixed(1).padStart(6)} s ${mibps(s).toFixed(0).padStart(5)} MiB/s  peak RSS ${s.maxRssMb.toFixed(0)} MB  CPU: ${own} ${cpu(s.cpuS)}, sandbox ${cpu(s.sandboxCpuS)}, Azurite ${cpu(s.azuriteCpuS)}`;
  console.log(`node ${process.version}, ${availableParallelism()} CPUs, ${new Date().toISOString()}`);
  console.log(
    `${parts} parts of ${PART_MB} MiB (${(total / 1024 ** 3).toFixed(2)} GiB), Azurite on disk, median of ${RUNS} interleaved runs:`,
  );
  const [plain, azuriteOnly, worker] = [median(samples.plain), median(samples.azuriteOnly), median(samples.worker)];
  console.log(line('plain socket-to-file copy', plain, 'copy'));
  console.log(line('Azurite-only upload', azuriteOnly, 'uploader'));
  console.log(line('archive worker', worker, 'worker'));
  console.log(
    `  runs, archive MiB/s: ${samples.worker.map((s) => mibps(s).toFixed(0)).join(', ')}; plain copy MiB/s: ${samples.plain.map((s) => mibps(s).toFixed(0)).join(', ')}`,
  );
  console.log(`  throughput ratio (archive / plain copy): ${(mibps(worker) / mibps(plain)).toFixed(2)} (target >= 0.8)`);
  console.log(`  throughput ratio (archive / Azurite-only upload): ${(mibps(worker) / mibps(azuriteOnly)).toFixed(2)}`);
  const worst = samples.worker.reduce((a, b) => (b.maxRssMb > a.maxRssMb ? b : a));
  const m = worst.memory;
  console.log(`  archive worker peak RSS, worst run: ${worst.maxRssMb.toFixed(0)} MB (target < 150 MB)`);
  if (m)
    console.log(
      `    of which: ${m.loadedRssMb.toFixed(0)} MB once the modules were loaded; peaks: V8 heap used ${m.heapUsedMb.toFixed(0)} MB, Buffers ${m.arrayBuffersMb.toFixed(0)} MB`,
    );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

/**
 * Archive cost (part of npm run bench): figures, not assertions. Streams a backup from the
 * Zoho sandbox into Azurite through the archive worker, in a child process whose CPU and
 * peak RSS are its own, and compares its CPU seconds per GiB with a minimal pipeline that
 * does only the unavoidable work on the same bytes in the same run: read the socket, SHA-256,
 * write to an HTTP sink that discards. Goals: worker CPU per GiB at most 1.3x the minimal
 * pipeline's; peak RSS under 120 MB whatever the part size (a second, small-part backup
 * checks that). Azurite's throughput is printed as information: on two cores Azurite itself
 * is the ceiling, whatever uploads to it.
 *   BENCH_PART_MB=512 BENCH_PARTS=2 BENCH_RUNS=5 BENCH_SMALL_PART_MB=8 npm run bench
 * Azurite keeps its blobs on disk: in memory it frees deleted blobs' extents only on its own
 * garbage collection, so several runs of GiBs overflow its store.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WebhookReceiver } from '../sandbox/webhookReceiver';
import { ZohoSandbox } from '../sandbox/zohoSandbox';
import { containerClient } from '../shared/archive/container';
import type { ArchivePartMessage } from '../shared/archive/plan';
import { parseArchiveMessage } from '../shared/archive/queue';
import { queueClient } from '../shared/azureStorage';
import { loadConfig } from '../shared/config';
import { silentLogger } from '../shared/log';
import { createRuntime } from '../shared/runtime';
import { runCheck } from '../shared/watch';
import { nodeWorkerArguments, renderAppSettings, STAND_IN_REFERENCES } from '../tests/support/armSettings';
import { startAzurite } from '../tests/support/azuriteProcess';
import { buildDeployedPackage } from '../tests/support/deployedPackage';
import { median as medianOf } from './stats';

const run = promisify(execFile);
const PART_MB = Number(process.env.BENCH_PART_MB ?? 512);
const SMALL_PART_MB = Number(process.env.BENCH_SMALL_PART_MB ?? 8);
const PARTS = Number(process.env.BENCH_PARTS ?? 2);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/**
 * Every child prints this last: its wall time, and the CPU seconds spent since the copy began
 * (loading modules is a start-up cost, not a cost per GiB), and its peak RSS.
 */
const REPORT = `
  let cpuAtStart;
  const begin = () => { cpuAtStart = process.cpuUsage(); return process.hrtime.bigint(); };
  const report = (started) => {
    const cpu = process.cpuUsage(cpuAtStart);
    console.log(JSON.stringify({ ms: Number(process.hrtime.bigint() - started) / 1e6, cpuS: (cpu.user + cpu.system) / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
  };`;

/** The minimal pipeline: socket -> SHA-256 -> an HTTP sink that discards (argv: urls, token, sink). */
const MINIMAL = `${REPORT}
  const http = require('http'); const { createHash } = require('crypto'); const { pipeline } = require('stream/promises'); const { Transform } = require('stream');
  (async () => {
    const [urls, token, sink] = [JSON.parse(process.argv[1]), process.argv[2], process.argv[3]];
    const started = begin();
    for (const url of urls) {
      const res = await new Promise((resolve, reject) => http.get(url, { headers: { Authorization: 'Zoho-oauthtoken ' + token } }, resolve).on('error', reject));
      const hash = createHash('sha256');
      const put = http.request(sink, { method: 'PUT' });
      const answered = new Promise((resolve, reject) => put.on('response', (r) => r.resume().on('end', resolve)).on('error', reject));
      await pipeline(res, new Transform({ transform(chunk, _e, done) { hash.update(chunk); done(null, chunk); } }), put);
      await answered;
      hash.digest('hex');
    }
    report(started);
  })().catch((e) => { console.error(e); process.exit(1); });`;

/** Discards every request body; answers 201 once it has read it all. */
async function startDiscardSink(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(201).end());
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/discard`, close: () => new Promise((done) => server.close(() => done())) };
}

/**
 * The ceiling: the same number of bytes uploaded from memory the way the worker uploads a part
 * with a Content-Length (one streamed Put Blob), no download and no hashing
 * (argv: dist root, container, blob, bytes).
 */
const AZURITE_ONLY = `${REPORT}
  const { containerClient } = require(process.argv[1] + '/shared/archive/container');
  const { Readable } = require('stream');
  (async () => {
    const blob = containerClient({ kind: 'connection-string', connectionString: process.env.AzureWebJobsStorage }, process.argv[2]).getBlockBlobClient(process.argv[3]);
    const [total, piece] = [Number(process.argv[4]), Buffer.alloc(64 * 1024, 7)];
    const pieces = function* () { for (let sent = 0; sent < total; sent += piece.length) yield piece; };
    const started = begin();
    await blob.upload(Readable.from(pieces()), total);
    report(started);
    await blob.delete();
  })().catch((e) => { console.error(e); process.exit(1); });`;

/**
 * On two or more cores (Linux), the copies run on a core of their own and the sandbox, the
 * sink and Azurite on another: CPU seconds measured on a core Azurite is also busy on would
 * charge the worker for Azurite's load, and not the minimal pipeline, whose sink is cheap.
 */
const PIN = availableParallelism() >= 2 && existsSync('/usr/bin/taskset');

function onCopyCore(command: string, args: string[]): [string, string[]] {
  return PIN ? ['taskset', ['-c', '1', command, ...args]] : [command, args];
}

async function pinToServiceCore(pid: number | undefined): Promise<void> {
  if (PIN && pid !== undefined) await run('taskset', ['-a', '-p', '-c', '0', String(pid)]);
}

interface Sample {
  ms: number;
  cpuS: number;
  maxRssMb: number;
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
  const { stdout } = await run(...onCopyCore(process.execPath, ['-e', script, ...args]), { env, maxBuffer: 1 << 20 });
  const sandbox = process.cpuUsage(sandboxBefore);
  const azuriteAfter = cpuSecondsOf(azuritePid);
  return {
    ...(JSON.parse(stdout) as Pick<Sample, 'ms' | 'cpuS' | 'maxRssMb'>),
    sandboxCpuS: (sandbox.user + sandbox.system) / 1e6,
    azuriteCpuS: azuriteAfter !== undefined && azuriteBefore !== undefined ? azuriteAfter - azuriteBefore : undefined,
  };
}

function median(samples: Sample[]): Sample {
  return [...samples].sort((a, b) => a.ms - b.ms)[Math.floor(samples.length / 2)]!;
}

interface Backup {
  messages: ArchivePartMessage[];
  bytes: number;
}

/**
 * The product as deployed: a fresh instance of the package (the worker stand-in) running one
 * archivePart invocation per part, one at a time; CPU seconds are those of the invocations.
 */
async function archiveInstance(
  pkgDir: string,
  messages: ArchivePartMessage[],
  env: NodeJS.ProcessEnv,
  azuritePid?: number,
): Promise<Sample> {
  const [sandboxBefore, azuriteBefore] = [process.cpuUsage(), cpuSecondsOf(azuritePid)];
  const steps = messages.map((m) => ({ function: 'archivePart', queueMessage: JSON.stringify(m) }));
  const host = join(__dirname, '../../tests/support/functionsHost.cjs');
  const { stdout } = await run(...onCopyCore(process.execPath, [...WORKER_ARGUMENTS, host, pkgDir, JSON.stringify(steps)]), {
    cwd: pkgDir,
    env,
    maxBuffer: 16 << 20,
  });
  const report = JSON.parse(stdout) as { maxRssMb: number; results: Array<{ ok: boolean; ms: number; cpuS: number; error?: string }> };
  const failed = report.results.find((r) => !r.ok);
  if (failed) throw new Error(`archivePart failed: ${failed.error}`);
  const sandbox = process.cpuUsage(sandboxBefore);
  const azuriteAfter = cpuSecondsOf(azuritePid);
  return {
    ms: report.results.reduce((n, r) => n + r.ms, 0),
    cpuS: report.results.reduce((n, r) => n + r.cpuS, 0),
    maxRssMb: report.maxRssMb,
    sandboxCpuS: (sandbox.user + sandbox.system) / 1e6,
    azuriteCpuS: azuriteAfter !== undefined && azuriteBefore !== undefined ? azuriteAfter - azuriteBefore : undefined,
  };
}

/** The worker's options as the host passes them with the archive on (main.bicep's languageWorkers__node__arguments). */
let WORKER_ARGUMENTS: string[] = [];

async function main(): Promise<void> {
  const rendered = await renderAppSettings(join(__dirname, '../../infra'), {
    parameters: { zohoClientId: '1000.BENCH', archiveEnabled: true },
    references: STAND_IN_REFERENCES,
  });
  WORKER_ARGUMENTS = nodeWorkerArguments(rendered);
  const dir = mkdtempSync(join(tmpdir(), 'bench-archive-'));
  const pkg = buildDeployedPackage(join(__dirname, '../..'));
  const azurite = await startAzurite({ location: join(dir, 'azurite') });
  const [zoho, chat, sink] = await Promise.all([ZohoSandbox.start(), WebhookReceiver.start(), startDiscardSink()]);
  await Promise.all([pinToServiceCore(process.pid), pinToServiceCore(azurite.process.pid)]);
  try {
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
    const storage = { kind: 'connection-string' as const, connectionString: azurite.connectionString };
    const queue = await queueClient(storage, 'zoho-backup-archive');
    /** A new backup in the sandbox, announced by a check, which queues its parts. */
    const announce = async (partMb: number, parts: number, hoursAgo: number): Promise<Backup> => {
      const partSize = partMb * 1024 * 1024;
      zoho.completeBackup({ at: new Date(Date.now() - hoursAgo * 3_600_000), dataParts: parts, attachmentParts: 0, partSize });
      await runCheck({ ...runtime.watch, log: silentLogger });
      const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
      for (const item of receivedMessageItems) await queue.deleteMessage(item.messageId, item.popReceipt);
      const messages = receivedMessageItems.map((i) => parseArchiveMessage(Buffer.from(i.messageText, 'base64').toString('utf8')));
      return { messages, bytes: partSize * messages.length };
    };
    const token = await runtime.archive!.tokens.getAccessToken();
    const container = containerClient(storage, config.archive.container);
    await container.createIfNotExists(); // the worker creates it too; the Azurite-only upload runs first
    const [root, env] = [join(__dirname, '..'), { PATH: process.env.PATH ?? '', ...settings }];
    const worker = async (backup: Backup) => {
      // A part already in the container is skipped: every run starts from an empty backup folder.
      for (const m of backup.messages)
        await container.getBlobClient(`${m.prefix}/${m.fileName}`).deleteIfExists({ deleteSnapshots: 'include' });
      return archiveInstance(pkg.dir, backup.messages, env, azurite.process.pid);
    };

    const large = await announce(PART_MB, PARTS, 2);
    const samples = { minimal: [] as Sample[], azuriteOnly: [] as Sample[], worker: [] as Sample[] };
    for (let i = 0; i < RUNS; i += 1) {
      samples.minimal.push(await measure(MINIMAL, [JSON.stringify(large.messages.map((m) => m.url)), token, sink.url], env, undefined));
      samples.azuriteOnly.push(
        await measure(AZURITE_ONLY, [root, config.archive.container, 'azurite-only.bin', String(large.bytes)], env, azurite.process.pid),
      );
      samples.worker.push(await worker(large));
    }
    const small = await announce(SMALL_PART_MB, 8, 1);
    report(large, samples, { backup: small, sample: await worker(small) });
  } finally {
    await Promise.all([zoho.close(), chat.close(), sink.close()]);
    await azurite.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(pkg.dir, { recursive: true, force: true });
  }
}

function report(
  large: Backup,
  samples: Record<'minimal' | 'azuriteOnly' | 'worker', Sample[]>,
  small: { backup: Backup; sample: Sample },
): void {
  const gib = (b: Backup) => b.bytes / 1024 ** 3;
  const mibps = (s: Sample, b = large) => b.bytes / 1024 / 1024 / (s.ms / 1000);
  const cpuPerGib = (s: Sample, b = large) => s.cpuS / gib(b);
  const cpu = (s: number | undefined) => (s === undefined ? 'n/a' : `${s.toFixed(1)} s`);
  const line = (label: string, s: Sample, own: string) =>
    `  ${label.padEnd(30)}${(s.ms / 1000).toFixed(1).padStart(6)} s ${mibps(s).toFixed(0).padStart(5)} MiB/s  ${cpuPerGib(s).toFixed(2)} CPU s/GiB  peak RSS ${s.maxRssMb.toFixed(0)} MB  (CPU: ${own} ${cpu(s.cpuS)}, sandbox ${cpu(s.sandboxCpuS)}, Azurite ${cpu(s.azuriteCpuS)})`;
  console.log(`archive: node ${process.version}, worker options ${WORKER_ARGUMENTS.join(' ') || '(none)'}, ${new Date().toISOString()}`);
  if (PIN) console.log('(the copies ran on CPU 1; the sandbox, the sink and Azurite on CPU 0)');
  console.log(
    `${large.messages.length} parts of ${PART_MB} MiB (${gib(large).toFixed(2)} GiB), Azurite on disk, median of ${RUNS} interleaved runs:`,
  );
  const [minimal, azuriteOnly, worker] = [median(samples.minimal), median(samples.azuriteOnly), median(samples.worker)];
  console.log(line('minimal: socket, SHA-256, sink', minimal, 'pipeline'));
  console.log(line('Azurite-only upload', azuriteOnly, 'uploader'));
  console.log(line('archive worker into Azurite', worker, 'worker'));
  // Each run's worker against that run's pipeline: the two medians above can come from different runs.
  const ratios = samples.worker.map((w, i) => cpuPerGib(w) / cpuPerGib(samples.minimal[i] ?? minimal));
  console.log(
    `  worker CPU per GiB / minimal pipeline's, median of the runs' ratios: ${medianOf(ratios).toFixed(2)} (goal <= 1.3; runs: ${ratios.map((r) => r.toFixed(2)).join(', ')})`,
  );
  console.log(`  throughput, as information: worker / Azurite-only upload ${(mibps(worker) / mibps(azuriteOnly)).toFixed(2)}`);
  const worst = [...samples.worker, small.sample].reduce((a, b) => (b.maxRssMb > a.maxRssMb ? b : a));
  console.log(
    `  archive worker peak RSS: ${worker.maxRssMb.toFixed(0)} MB with ${PART_MB} MiB parts, ${small.sample.maxRssMb.toFixed(0)} MB with ${small.backup.messages.length} parts of ${SMALL_PART_MB} MiB; worst ${worst.maxRssMb.toFixed(0)} MB (goal < 120 MB)`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

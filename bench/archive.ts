import { join } from 'node:path';
import { type Backup, measure, median, PIN, REPORT, type Sample, startArchiveRig } from './archiveRig';
import { median as medianOf } from './stats';

const PART_MB = Number(process.env.BENCH_PART_MB ?? 512);
const SMALL_PART_MB = Number(process.env.BENCH_SMALL_PART_MB ?? 8);
const PARTS = Number(process.env.BENCH_PARTS ?? 2);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

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

/** The worker's options as the host passes them with the archive on (main.bicep's languageWorkers__node__arguments). */
let WORKER_ARGUMENTS: string[] = [];

async function main(): Promise<void> {
  const rig = await startArchiveRig('bench-archive-');
  WORKER_ARGUMENTS = rig.workerArguments;
  try {
    const { config, env, sink, token } = rig;
    const root = join(__dirname, '..');
    const partBackup = (partMb: number, parts: number, hoursAgo: number) => {
      const partSize = partMb * 1024 * 1024;
      return rig.announce({ at: new Date(Date.now() - hoursAgo * 3_600_000), dataParts: parts, attachmentParts: 0, partSize }, partSize);
    };
    const large = await partBackup(PART_MB, PARTS, 2);
    await rig.container.createIfNotExists(); // the worker creates it too; the Azurite-only upload runs first
    const samples = { minimal: [] as Sample[], azuriteOnly: [] as Sample[], worker: [] as Sample[] };
    for (let i = 0; i < RUNS; i += 1) {
      samples.minimal.push(await measure(MINIMAL, [JSON.stringify(large.messages.map((m) => m.url)), token, sink.url], env, undefined));
      samples.azuriteOnly.push(
        await measure(AZURITE_ONLY, [root, config.archive.container, 'azurite-only.bin', String(large.bytes)], env, rig.azuritePid),
      );
      samples.worker.push(await rig.worker(large));
    }
    const small = await partBackup(SMALL_PART_MB, 8, 1);
    report(large, samples, { backup: small, sample: await rig.worker(small) });
  } finally {
    await rig.close();
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

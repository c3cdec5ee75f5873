/**
 * Copy, verify and inspect a gigabyte Data part (part of npm run bench): figures, not
 * assertions. The sandbox serves one part of BENCH_CSV_PART_MB (default 1024) MiB whose one CSV
 * inflates past 4 GiB (zip64, a data descriptor), made on the fly (bench/csvPart.ts); the
 * archive worker, in a fresh instance of the deployed package, copies it into Azurite while it
 * inflates every byte, checks the CRC-32 and counts the records. Its CPU seconds per GiB are
 * compared, run by run, with a minimal pipeline doing the unavoidable work on the same bytes:
 * read the socket, SHA-256, send them to a sink that discards, inflate the entry and discard.
 * Goals: CPU at most 1.3x the minimal pipeline's; peak RSS under 150 MB.
 *   BENCH_CSV_PART_MB=1024 BENCH_INSPECT_RUNS=3
 */
import { archiveInstance, measure, median, PIN, REPORT, type Sample, startArchiveRig } from './archiveRig';
import { csvPart } from './csvPart';
import { median as medianOf } from './stats';

const PART_MB = Number(process.env.BENCH_CSV_PART_MB ?? 1024);
const RUNS = Number(process.env.BENCH_INSPECT_RUNS ?? 3);

/** argv: url, token, sink, where the entry's deflate data starts, its length. */
const MINIMAL_INFLATE = `${REPORT}
  const http = require('http'); const zlib = require('zlib'); const { createHash } = require('crypto'); const { pipeline } = require('stream/promises'); const { Transform } = require('stream');
  (async () => {
    const [url, token, sink, start, length] = [process.argv[1], process.argv[2], process.argv[3], Number(process.argv[4]), Number(process.argv[5])];
    const started = begin();
    const res = await new Promise((resolve, reject) => http.get(url, { headers: { Authorization: 'Zoho-oauthtoken ' + token } }, resolve).on('error', reject));
    const hash = createHash('sha256');
    const inflate = zlib.createInflateRaw({ chunkSize: 256 * 1024 }); // as the worker's (shared/inspect/zipWalker.ts)
    inflate.resume();
    const inflated = new Promise((resolve, reject) => inflate.on('end', resolve).on('error', reject));
    let offset = 0;
    const put = http.request(sink, { method: 'PUT' });
    const answered = new Promise((resolve, reject) => put.on('response', (r) => r.resume().on('end', resolve)).on('error', reject));
    const tee = new Transform({ transform(chunk, _e, done) {
      hash.update(chunk);
      const from = Math.max(start - offset, 0), to = Math.min(start + length - offset, chunk.length);
      offset += chunk.length;
      if (to > from && !inflate.write(chunk.subarray(from, to))) inflate.once('drain', () => done(null, chunk));
      else done(null, chunk);
    }, flush(done) { inflate.end(); done(); } });
    await pipeline(res, tee, put);
    await Promise.all([answered, inflated]);
    hash.digest('hex');
    report(started);
  })().catch((e) => { console.error(e); process.exit(1); });`;

async function main(): Promise<void> {
  const rig = await startArchiveRig('bench-inspect-');
  const part = csvPart(PART_MB * 1024 * 1024);
  try {
    const story = {
      at: new Date(Date.now() - 3_600_000),
      dataParts: 1,
      attachmentParts: 0,
      partBytes: () => ({ size: part.size, chunks: part.chunks() }),
    };
    const backup = await rig.announce(story, part.size);
    const [message] = backup.messages;
    if (!message) throw new Error('the check queued no part');
    const samples = { minimal: [] as Sample[], worker: [] as Sample[] };
    for (let i = 0; i < RUNS; i += 1) {
      const args = [message.url, rig.token, rig.sink.url, String(part.dataStart), String(part.dataLength)];
      samples.minimal.push(await measure(MINIMAL_INFLATE, args, rig.env, undefined));
      samples.worker.push(await archiveInstance(rig.workerArguments, rig.packageDir, backup.messages, rig.env, rig.azuritePid));
      await rig.container.getBlobClient(`${message.prefix}/${message.fileName}`).deleteIfExists();
    }
    const manifest = JSON.parse((await rig.container.getBlobClient(`${message.prefix}/manifest.json`).downloadToBuffer()).toString('utf8'));
    const counted = manifest.modules?.[0]?.records;
    const gib = part.size / 1024 ** 3;
    const perGib = (s: Sample) => s.cpuS / gib;
    const ratios = samples.worker.map((w, i) => perGib(w) / perGib(samples.minimal[i] as Sample));
    const [minimal, worker] = [median(samples.minimal), median(samples.worker)];
    console.log(
      `inspect: node ${process.version}, worker options ${rig.workerArguments.join(' ') || '(none)'}${PIN ? ', copies on CPU 1' : ''}`,
    );
    console.log(
      `one Data part of ${(part.size / 1024 ** 2).toFixed(0)} MiB whose CSV inflates to ${(part.inflatedSize / 1024 ** 3).toFixed(2)} GiB (zip64, data descriptor), median of ${RUNS} interleaved runs:`,
    );
    console.log(
      `  minimal: socket, SHA-256, sink, inflate   ${perGib(minimal).toFixed(2)} CPU s/GiB  peak RSS ${minimal.maxRssMb.toFixed(0)} MB`,
    );
    console.log(
      `  archive worker: copy + verify + inspect  ${perGib(worker).toFixed(2)} CPU s/GiB  peak RSS ${worker.maxRssMb.toFixed(0)} MB`,
    );
    console.log(
      `  records counted ${counted?.toLocaleString('en-US')} of ${part.records.toLocaleString('en-US')} (${counted === part.records ? 'right' : 'WRONG'})`,
    );
    console.log(
      `  worker CPU per GiB / minimal pipeline's, median of the runs' ratios: ${medianOf(ratios).toFixed(2)} (goal <= 1.3; runs: ${ratios.map((r) => r.toFixed(2)).join(', ')})`,
    );
    const worst = Math.max(...samples.worker.map((s) => s.maxRssMb));
    console.log(`  archive worker peak RSS, worst run: ${worst.toFixed(0)} MB (goal < 150 MB)`);
  } finally {
    await rig.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

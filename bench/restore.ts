/**
 * Getting a backup back out, and the drill (part of npm run bench): figures, not assertions.
 * A folder archive holds one Data part of BENCH_RESTORE_MB (default 512) MiB whose CSV
 * inflates to several GiB (bench/csvPart.ts), and the same backup in a Blob container
 * (Azurite). Each source is read three ways, in child processes, in one run:
 *  - a plain copy of the same bytes from the same source (a file stream to a file; a blob
 *    download to a file),
 *  - `zoho-backup-notifier archive get latest --to <dir>` (SHA-256 of every part),
 *  - `zoho-backup-notifier archive verify --all` (SHA-256, and every entry inflated and CRC-checked).
 * Goals: get and the drill at least 0.8 of the plain copy's throughput; peak RSS under 150 MB.
 *   BENCH_RESTORE_MB=512 BENCH_RESTORE_RUNS=3
 */
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite } from '../tests/support/azuriteProcess';
import { measure, REPORT, type Sample } from './archiveRig';
import { csvPart } from './csvPart';

const PART_MB = Number(process.env.BENCH_RESTORE_MB ?? 512);
const RUNS = Number(process.env.BENCH_RESTORE_RUNS ?? 3);
const CLI = join(__dirname, '../cli/main.js');

const PLAIN_FILE = `${REPORT}
  const fs = require('fs'); const { pipeline } = require('stream/promises');
  (async () => { const started = begin(); await pipeline(fs.createReadStream(process.argv[1]), fs.createWriteStream(process.argv[2])); report(started); })();`;

const PLAIN_BLOB = `${REPORT}
  const { BlobServiceClient } = require(${JSON.stringify(require.resolve('@azure/storage-blob'))}); const fs = require('fs'); const { pipeline } = require('stream/promises');
  (async () => {
    const started = begin();
    const blob = BlobServiceClient.fromConnectionString(process.env.AzureWebJobsStorage).getContainerClient(process.argv[1]).getBlockBlobClient(process.argv[2]);
    await pipeline((await blob.download()).readableStreamBody, fs.createWriteStream(process.argv[3]));
    report(started);
  })();`;

/** The command line in this process, so that its CPU and RSS are the child's own. */
const COMMAND = `${REPORT}
  (async () => { const started = begin(); const code = await require(${JSON.stringify(CLI)}).main(JSON.parse(process.argv[1]), () => {}, (e) => console.error(e)); if (code !== 0) process.exit(code); report(started); })();`;

async function writeArchive(root: string): Promise<{ prefix: string; file: string; size: number }> {
  const part = csvPart(PART_MB * 1024 * 1024);
  const prefix = '757345985/2026-12-01_4876876000001800004';
  mkdirSync(join(root, prefix), { recursive: true });
  const file = join(root, prefix, 'Data_001.zip');
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  for (const chunk of part.chunks()) {
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  const at = '2026-12-01T02:00:00.000Z';
  const manifest = {
    org: 'Zylker Inc',
    historyId: '4876876000001800003',
    jobId: '4876876000001800004',
    backupCompletedAt: at,
    completedAt: at,
    parts: [{ file: 'Data_001.zip', size: part.size, sha256: hash.digest('hex') }],
    generation: 'yearly',
    modules: [{ module: 'Leads', records: part.records }],
  };
  writeFileSync(join(root, prefix, 'manifest.json'), JSON.stringify(manifest));
  return { prefix, file, size: part.size };
}

function line(name: string, sample: Sample, bytes: number, plain?: Sample): string {
  const mbs = bytes / 1e6 / (sample.ms / 1000);
  const ratio = plain ? `  ${(plain.ms / sample.ms).toFixed(2)} of the plain copy's throughput` : '';
  return `  ${name.padEnd(34)} ${mbs.toFixed(0).padStart(5)} MB/s  ${sample.cpuS.toFixed(2).padStart(6)} CPU s  peak RSS ${sample.maxRssMb.toFixed(0)} MB${ratio}`;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-restore-'));
  const azurite = await startAzurite();
  try {
    const root = join(work, 'archive');
    const { prefix, file, size } = await writeArchive(root);
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('archive');
    await container.create();
    await container.getBlockBlobClient(`${prefix}/Data_001.zip`).uploadFile(file);
    await container.getBlockBlobClient(`${prefix}/manifest.json`).uploadFile(join(root, prefix, 'manifest.json'));
    const base = { PATH: process.env.PATH ?? '', STATE_FILE: join(work, 'state.json'), NOTIFY_TIMEZONE: 'UTC' };
    const sources = [
      { name: 'folder', env: { ...base, ARCHIVE_DIR: root }, plain: (to: string) => measure(PLAIN_FILE, [file, to], base, undefined) },
      {
        name: 'Blob (Azurite)',
        env: { ...base, AzureWebJobsStorage: azurite.connectionString, ARCHIVE_CONTAINER: 'archive' },
        plain: (to: string) =>
          measure(
            PLAIN_BLOB,
            ['archive', `${prefix}/Data_001.zip`, to],
            { ...base, AzureWebJobsStorage: azurite.connectionString },
            undefined,
          ),
      },
    ];
    console.log(`One ${(size / 2 ** 20).toFixed(0)} MiB Data part (a CSV deflated about 6:1), ${RUNS} runs each, the median:`);
    for (const source of sources) {
      const samples: Record<string, Sample[]> = { plain: [], get: [], verify: [] };
      for (let i = 0; i < RUNS; i += 1) {
        const to = join(work, `out-${i}`);
        samples.plain?.push(await source.plain(join(work, `plain-${i}`)));
        samples.get?.push(await measure(COMMAND, [JSON.stringify(['archive', 'get', 'latest', '--to', to])], source.env, undefined));
        samples.verify?.push(await measure(COMMAND, [JSON.stringify(['archive', 'verify', '--all'])], source.env, undefined));
        rmSync(to, { recursive: true, force: true });
        rmSync(join(work, `plain-${i}`), { force: true });
      }
      const pick = (list: Sample[]) => list.slice().sort((a, b) => a.ms - b.ms)[Math.floor(list.length / 2)] as Sample;
      const [plain, get, verify] = [pick(samples.plain ?? []), pick(samples.get ?? []), pick(samples.verify ?? [])];
      console.log(`${source.name}:`);
      console.log(line('plain copy', plain, size));
      console.log(line('archive get (SHA-256)', get, size, plain));
      console.log(line('archive verify (SHA-256, inflate, CRC)', verify, size, plain));
    }
  } finally {
    await azurite.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

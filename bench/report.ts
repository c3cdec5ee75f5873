/**
 * The report page with a year of history for a thousand orgs (part of npm run bench):
 * figures, not assertions. BENCH_REPORT_ORGS orgs (default 1000), each with a watch record in
 * a Table (Azurite), and a year of weekly archived backups each in a folder archive (52
 * manifests per org, records for 4 modules), are read as the page reads them: one status
 * read per org at bounded concurrency, one listing of the archive. Prints the time to gather
 * and render, the reads per org, and the page's size. Goal: the HTML under 1 MB.
 *   BENCH_REPORT_ORGS=1000
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { archiveReaderOf } from '../shared/archive/catalog';
import { orgIdentityKey } from '../shared/orgName';
import { gatherReport } from '../shared/report/gather';
import { renderReport } from '../shared/report/page';
import type { StateStore } from '../shared/state/store';
import { TableStateStore } from '../shared/state/tableStore';
import type { WatchState } from '../shared/state/watchState';
import { startAzurite } from '../tests/support/azuriteProcess';

const ORGS = Number(process.env.BENCH_REPORT_ORGS ?? 1000);
const WEEKS = 52;

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-report-'));
  const azurite = await startAzurite();
  try {
    const table = TableStateStore.fromConnectionString(azurite.connectionString, 'benchreport');
    await table.write('warm', 'watch', {}, undefined).catch(() => undefined);
    const orgs = Array.from({ length: ORGS }, (_, i) => ({ key: orgIdentityKey(`Client ${i}`), name: `Client ${i}` }));
    const at = (week: number) => new Date(Date.UTC(2025, 11, 7 + week * 7, 2)).toISOString();
    for (const [i, org] of orgs.entries()) {
      const state: WatchState = {
        lastCheck: { at: new Date().toISOString(), outcome: 'quiet' },
        backup: {
          historyId: `${i}`,
          logTime: at(WEEKS - 1),
          expiresAt: at(WEEKS),
          links: { data: [`https://download.zoho.eu/v2/crm/${i}/backup/9/Data_001.zip`], attachments: [] },
          announce: true,
          deliveries: {},
        },
      };
      await table.write(org.key, 'watch', state, undefined);
      for (let week = 0; week < WEEKS; week += 1) {
        const prefix = join(work, 'archive', String(700_000_000 + i), `${at(week).slice(0, 10)}_${week}`);
        mkdirSync(prefix, { recursive: true });
        const modules = [
          { module: 'Leads', records: 1200 + week },
          { module: 'Contacts', records: week === 30 ? 310 : 810 },
          { module: 'Deals', records: 40 },
          { module: 'Notes', records: 300 },
        ];
        const manifest = {
          org: org.name,
          historyId: `${i}-${week}`,
          jobId: `${week}`,
          backupCompletedAt: at(week),
          completedAt: at(week),
          parts: [{ file: 'Data_001.zip', size: 1_000_000, sha256: 'a'.repeat(64) }],
          generation: week === 0 ? 'yearly' : 'daily',
          modules,
        };
        writeFileSync(join(prefix, 'manifest.json'), JSON.stringify(manifest));
      }
    }
    let reads = 0;
    const counting: StateStore = {
      orgs: (k) => table.orgs(k),
      write: (o, k, v, e) => table.write(o, k, v, e),
      read: (o, k) => {
        reads += 1;
        return table.read(o, k);
      },
    };
    const archive = archiveReaderOf({ folder: join(work, 'archive') });
    const started = process.hrtime.bigint();
    const model = await gatherReport({ store: counting, orgs, archive, timeZone: 'UTC' });
    const gathered = process.hrtime.bigint();
    const overview = renderReport(model);
    const rendered = process.hrtime.bigint();
    const overviewReads = reads;
    // One org's page reads that org's every manifest (the archive is listed whole, read for its org).
    const oneStarted = process.hrtime.bigint();
    const one = renderReport(await gatherReport({ store: counting, orgs: orgs.slice(0, 1), archive, timeZone: 'UTC' }));
    const oneDone = process.hrtime.bigint();
    const ms = (a: bigint, b: bigint) => (Number(b - a) / 1e6).toFixed(0);
    console.log(`${ORGS} orgs, ${WEEKS} archived backups each (${ORGS * WEEKS} manifests):`);
    console.log(
      `  overview: gather ${ms(started, gathered)} ms (store reads per org: ${(overviewReads / ORGS).toFixed(2)}), render ${ms(gathered, rendered)} ms`,
    );
    console.log(
      `  overview page ${(Buffer.byteLength(overview) / 1024).toFixed(0)} KB (goal: under 1,024 KB); one org's page ${(Buffer.byteLength(one) / 1024).toFixed(0)} KB in ${ms(oneStarted, oneDone)} ms`,
    );
    console.log(
      `  peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (this process also wrote the manifests and the records)`,
    );
  } finally {
    await azurite.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

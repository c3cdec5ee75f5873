/**
 * `archive list | get <backup> --to <dir> | verify [--all]`: the archive from a terminal, from
 * ARCHIVE_DIR or the app's Blob container (identity or connection string). It needs no Zoho
 * secret and no webhook: only where the archive is.
 */

import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { type ArchivedBackup, type ArchiveReader, archiveReaderOf, type Catalog } from '../shared/archive/catalog';
import { runDrill } from '../shared/archive/drill';
import { type DrillResult, drillKeyOf, readDrillRecords } from '../shared/archive/drillRecord';
import { planPrune } from '../shared/archive/prune';
import { backupDay, type PartResult, restoreBackup, selectBackup } from '../shared/archive/restore';
import { type ArchiveReadSettings, loadArchiveReadSettings, loadStatusSettings } from '../shared/config/partial';
import { sameOrgName } from '../shared/orgName';
import type { Io } from './commands';
import { EXIT, UsageError } from './usage';

export interface ArchiveOptions {
  org?: string;
  to?: string;
  force: boolean;
  all: boolean;
  /** Bytes a verify run may read without --all. */
  budgetBytes: number;
  /** prune: remove what it lists (without: only list). */
  yes: boolean;
}

export async function archiveCommand(io: Io, [action, which]: string[], options: ArchiveOptions): Promise<number> {
  const settings = loadArchiveReadSettings(io.settings);
  const reader = archiveReaderOf(settings.storage);
  const catalog = await reader.catalog();
  if (action === 'list' && which === undefined)
    return listBackups(io, catalog, options.org, settings.timezone, await drillResults(io, catalog));
  if (action === 'get' && which) {
    if (!options.to) throw new UsageError('archive get needs --to <folder>: where the backup goes');
    const backup = selectBackup(catalog, which, { org: options.org, timeZone: settings.timezone });
    const progress = (r: PartResult) =>
      io.err(
        `${r.file}: ${r.bytes.toLocaleString('en-US')} bytes, ${r.outcome === 'copied' ? 'copied and verified' : 'already there, verified'}`,
      );
    const parts = await restoreBackup(reader, backup, options.to, { force: options.force, onPart: progress });
    const report = { ok: true, org: backup.manifest.org, jobId: backup.manifest.jobId, to: options.to, parts };
    io.out(
      io.json
        ? JSON.stringify(report, null, 2)
        : `Restored ${backup.manifest.org}'s backup of ${backupDay(backup.manifest, settings.timezone)} into ${options.to}: ${parts.length} parts, each SHA-256 verified.`,
    );
    return EXIT.ok;
  }
  if (action === 'verify' && which === undefined) return verifyBackups(io, reader, catalog, options);
  if (action === 'prune' && which === undefined) return pruneBackups(io, settings, catalog, options.yes);
  throw new UsageError(
    'unknown use of archive: try "archive list", "archive get <backup> --to <folder>", "archive verify [--all]" or "archive prune [--yes]"',
  );
}

/** When the drill last read each backup, from the state store (none yet: an empty map). */
async function drillResults(io: Io, catalog: Catalog): Promise<(prefix: string) => DrillResult | undefined> {
  const { createStateStore } = require('../shared/state/createStore') as typeof import('../shared/state/createStore');
  const records = await readDrillRecords(createStateStore(loadStatusSettings(io.settings).state), catalog);
  return (prefix) => records.get(drillKeyOf(prefix))?.backups[prefix];
}

function listBackups(
  io: Io,
  catalog: Catalog,
  org: string | undefined,
  timeZone: string,
  lastDrill: (prefix: string) => DrillResult | undefined,
): number {
  const backups = catalog.backups.filter((b) => org === undefined || sameOrgName(b.manifest.org, org));
  const rows = backups.map((b) => ({ ...listing(b, timeZone), lastVerified: lastDrill(b.prefix) ?? null }));
  if (io.json) io.out(JSON.stringify(rows, null, 2));
  else if (rows.length === 0) io.out('The archive holds no backup yet.');
  else
    io.out(
      rows
        .map(
          (r) =>
            `${r.org.padEnd(24)} ${r.date}  job ${(r.jobId ?? '').padEnd(20)} ${String(r.parts.length).padStart(3)} parts ${formatBytes(r.parts.reduce((n, p) => n + p.bytes, 0)).padStart(10)}  ${r.records === null ? '' : `${r.records.toLocaleString('en-US')} records  `}${r.generation ?? 'daily'} until ${r.expires?.slice(0, 10) ?? '?'}${r.lastVerified ? `, drill ${r.lastVerified.at.slice(0, 10)} ${r.lastVerified.ok ? 'ok' : 'FAILED'}` : ''}`,
        )
        .join('\n'),
    );
  for (const u of catalog.unreadable) io.err(`warning: ${u.prefix}: ${u.problem}`);
  return EXIT.ok;
}

function listing(b: ArchivedBackup, timeZone: string) {
  const m = b.manifest;
  return {
    org: m.org,
    jobId: m.jobId ?? m.historyId,
    date: backupDay(m, timeZone),
    parts: m.parts.map((p) => ({ file: p.file, bytes: p.size, sha256: p.sha256 })),
    records: m.modules ? m.modules.reduce((n, x) => n + x.records, 0) : null,
    // Every part was hashed and inspected as it was written: the manifest exists only then.
    verified: m.parts.length > 0,
    generation: m.generation ?? null,
    expires: m.keptUntil ?? null,
  };
}

/**
 * The drill (shared/archive/drill.ts): backups verified longest ago first, within the byte
 * budget (or every one with --all), each result kept in the state store for the next run and
 * for status; exit 1 when any copy no longer reads.
 */
async function verifyBackups(io: Io, reader: ArchiveReader, catalog: Catalog, options: ArchiveOptions): Promise<number> {
  // Only the drill keeps results: get and list load no state store (nor its Table SDK).
  const { createStateStore } = require('../shared/state/createStore') as typeof import('../shared/state/createStore');
  const store = createStateStore(loadStatusSettings(io.settings).state);
  const inOrg = {
    ...catalog,
    backups: catalog.backups.filter((b) => options.org === undefined || sameOrgName(b.manifest.org, options.org)),
  };
  const report = await runDrill({ reader, store, budgetBytes: options.all ? Number.POSITIVE_INFINITY : options.budgetBytes }, inOrg);
  const bad = report.read.filter((r) => !r.ok);
  if (io.json)
    io.out(
      JSON.stringify(
        {
          ok: bad.length === 0,
          verified: report.read.map((r) => ({
            org: r.backup.manifest.org,
            jobId: r.backup.manifest.jobId ?? r.backup.manifest.historyId,
            ok: r.ok,
            parts: r.parts,
          })),
          unreadable: catalog.unreadable,
        },
        null,
        2,
      ),
    );
  else {
    for (const r of report.read)
      for (const p of r.parts) io.out(`${r.backup.prefix}/${p.file}: ${p.outcome}${p.problem ? ` (${p.problem})` : ''}`);
    const n = report.read.length;
    io.out(
      `${n} backup${n === 1 ? '' : 's'} read again (${formatBytes(report.bytes)}): ${bad.length === 0 ? 'every part matches its manifest' : `${bad.length} no longer match`}.`,
    );
  }
  if (bad.length > 0 && !io.json)
    io.err(`ARCHIVE_COPY_MISMATCH: ${bad.map((r) => r.backup.prefix).join(', ')}: restore from another generation (README "Restore").`);
  return bad.length === 0 ? EXIT.ok : EXIT.failed;
}

/** ARCHIVE_DIR's retention: what would go, and with --yes, gone. Blob storage has Azure's lifecycle rules instead. */
async function pruneBackups(io: Io, settings: ArchiveReadSettings, catalog: Catalog, yes: boolean): Promise<number> {
  if (!('folder' in settings.storage))
    throw new UsageError(
      'archive prune is for ARCHIVE_DIR: in Blob storage, the lifecycle rules delete by generation (README "Protection and retention")',
    );
  const root = settings.storage.folder;
  const plan = planPrune(catalog, settings.retention, new Date());
  if (yes) for (const r of plan.remove) await fs.rm(join(root, r.prefix), { recursive: true });
  if (io.json) io.out(JSON.stringify({ removed: yes ? plan.remove : [], wouldRemove: yes ? [] : plan.remove, kept: plan.keep }, null, 2));
  else {
    for (const r of plan.remove)
      io.out(
        `${yes ? 'removed' : 'would remove'} ${join(root, r.prefix)} (${r.org}, ${r.generation}, its time was up ${r.expiredAt.slice(0, 10)})`,
      );
    for (const k of plan.keep) io.out(`keep ${join(root, k.prefix)}: ${k.reason}`);
    if (!yes && plan.remove.length > 0)
      io.out(
        `Run "zoho-backup-notifier archive prune --yes" to remove ${plan.remove.length} backup${plan.remove.length === 1 ? '' : 's'}.`,
      );
  }
  return EXIT.ok;
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

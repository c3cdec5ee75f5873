/**
 * The drill: proof that old copies still read. Each run re-reads archived backups, those
 * verified longest ago first (never verified: the oldest backups first), until a byte budget is
 * spent, re-checking every part's SHA-256 and every zip entry's CRC-32 against the manifest.
 * When each backup was last read, and how it went, is kept per org folder in the state store
 * (kind 'drill'), so runs take turns through the archive and `status` can say it; a copy that
 * no longer reads is reported to `onBroken` once, when it first fails.
 */
import { StateConflictError, type StateStore } from '../state/store';
import type { ArchivedBackup, ArchiveReader, Catalog } from './catalog';
import { type DrillRecord, type DrillResult, drillKeyOf, readDrillRecords } from './drillRecord';
import { type PartResult, verifyBackup } from './restore';

export interface DrillDeps {
  reader: ArchiveReader;
  store: StateStore;
  budgetBytes: number;
  now?: () => Date;
  /** A copy that read before (or never was read) and does not now: alert once. */
  onBroken?: (backup: ArchivedBackup, problems: string[]) => Promise<void>;
}

export interface DrillReport {
  read: Array<{ backup: ArchivedBackup; parts: PartResult[]; ok: boolean }>;
  bytes: number;
}

const sizeOf = (b: ArchivedBackup) => b.manifest.parts.reduce((n, p) => n + p.size, 0);

/** Least recently verified first, then oldest; as many as the budget holds (always one). */
export function planDrill(
  backups: ArchivedBackup[],
  last: (prefix: string) => DrillResult | undefined,
  budgetBytes: number,
): ArchivedBackup[] {
  const order = [...backups].sort((a, b) => {
    const [x, y] = [last(a.prefix)?.at ?? '', last(b.prefix)?.at ?? ''];
    return x === y ? Date.parse(a.manifest.backupCompletedAt) - Date.parse(b.manifest.backupCompletedAt) : x < y ? -1 : 1;
  });
  const chosen: ArchivedBackup[] = [];
  let left = budgetBytes;
  for (const backup of order) {
    if (chosen.length > 0 && sizeOf(backup) > left) break;
    chosen.push(backup);
    left -= sizeOf(backup);
  }
  return chosen;
}

export async function runDrill(deps: DrillDeps, catalog: Catalog): Promise<DrillReport> {
  const now = deps.now ?? (() => new Date());
  const records = await readDrillRecords(deps.store, catalog);
  const last = (prefix: string) => records.get(drillKeyOf(prefix))?.backups[prefix];
  const report: DrillReport = { read: [], bytes: 0 };
  for (const backup of planDrill(catalog.backups, last, deps.budgetBytes)) {
    const parts = await verifyBackup(deps.reader, backup);
    const problems = parts.filter((p) => p.outcome !== 'verified').map((p) => `${p.file}: ${p.problem ?? p.outcome}`);
    const before = last(backup.prefix);
    const result: DrillResult = { at: now().toISOString(), ok: problems.length === 0, ...(problems.length ? { problems } : {}) };
    await saveResult(deps.store, backup.prefix, result);
    if (!result.ok && before?.ok !== false) await deps.onBroken?.(backup, problems);
    report.read.push({ backup, parts, ok: result.ok });
    report.bytes += sizeOf(backup);
  }
  return report;
}

/** One backup's result into its org folder's record: a conditional write, re-read on a conflict. */
async function saveResult(store: StateStore, prefix: string, result: DrillResult): Promise<void> {
  const key = drillKeyOf(prefix);
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const current = await store.read<DrillRecord>(key, 'drill');
    const backups = { ...(current?.value.backups ?? {}), [prefix]: result };
    try {
      await store.write<DrillRecord>(key, 'drill', { backups }, current?.etag);
      return;
    } catch (error) {
      if (!(error instanceof StateConflictError)) throw error;
    }
  }
}

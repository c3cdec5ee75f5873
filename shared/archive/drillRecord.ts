/** What the drill (drill.ts) keeps per org folder, apart from the drill itself so that status loads nothing of the archive. */
import { mapWithConcurrency } from '../concurrency';
import { orgKey, type StateStore } from '../state/store';
import type { Catalog } from './catalog';

export interface DrillResult {
  at: string;
  ok: boolean;
  /** The parts that did not read, and why. */
  problems?: string[];
}

/** Per org folder: each backup's (by prefix) last drill. */
export interface DrillRecord {
  backups: Record<string, DrillResult>;
}

/** The state-store key of an org folder's drill record: `archive-<zgid>`. */
export const drillKeyOf = (prefix: string): string => orgKey(`archive-${prefix.split('/')[0] ?? ''}`);

/** Each org folder's drill record, read once (none yet: empty). */
export async function readDrillRecords(store: StateStore, catalog: Catalog): Promise<Map<string, DrillRecord>> {
  const keys = [...new Set(catalog.backups.map((b) => drillKeyOf(b.prefix)))];
  const records = await mapWithConcurrency(keys, 16, async (key) => [key, (await store.read<DrillRecord>(key, 'drill'))?.value] as const);
  return new Map(records.map(([key, value]) => [key, value && typeof value === 'object' && value.backups ? value : { backups: {} }]));
}

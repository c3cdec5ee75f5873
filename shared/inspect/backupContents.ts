/**
 * A backup's contents, summed over its parts, and what changed since the previous inspected
 * backup of the same org (pure). A module may continue in the next part, so parts are summed.
 */
import type { AlertSettings } from '../defaults';
import type { PartInspection } from './partInspector';

export interface ModuleRecords {
  module: string;
  records: number;
}

export interface BackupContents {
  modules: ModuleRecords[];
  attachments: { files: number; bytes: number };
}

/** The contents as the state keeps them for the next backup to compare with. */
export interface InspectedBackup extends BackupContents {
  historyId: string;
  completedAt: string;
  /** Where its archive is (container/prefix or folder). */
  location: string;
}

export interface RecordDrop {
  module: string;
  before: number;
  after: number;
}

export function contentsOf(parts: readonly PartInspection[]): BackupContents {
  const records = new Map<string, number>();
  const attachments = { files: 0, bytes: 0 };
  for (const part of parts) {
    for (const [module, count] of Object.entries(part.modules)) records.set(module, (records.get(module) ?? 0) + count);
    attachments.files += part.attachments.files;
    attachments.bytes += part.attachments.bytes;
  }
  const modules = [...records].map(([module, count]) => ({ module, records: count })).sort((a, b) => a.module.localeCompare(b.module));
  return { modules, attachments };
}

export const totalRecords = (contents: BackupContents) => contents.modules.reduce((sum, m) => sum + m.records, 0);

/**
 * The modules that lost at least `recordDropPercent` percent AND `recordDropMin` records, or
 * vanished with at least `recordDropMin`. Growth and small changes say nothing; a threshold of
 * 0 turns the alarm off.
 */
export function recordDrops(
  previous: BackupContents,
  current: BackupContents,
  { recordDropPercent: percent, recordDropMin: min }: Pick<AlertSettings, 'recordDropPercent' | 'recordDropMin'>,
): RecordDrop[] {
  if (percent <= 0 || min <= 0) return [];
  const now = new Map(current.modules.map((m) => [m.module, m.records]));
  return previous.modules
    .map(({ module, records: before }) => ({ module, before, after: now.get(module) ?? 0 }))
    .filter(({ before, after }) => before - after >= min && (before - after) * 100 >= before * percent);
}

/** Each module's change since the previous backup, for the archived message ("Leads 12,034 (+120)"). */
export function changesSince(previous: BackupContents | undefined, current: BackupContents): Array<ModuleRecords & { change?: number }> {
  const before = new Map(previous?.modules.map((m) => [m.module, m.records]));
  return current.modules.map((m) => (previous ? { ...m, change: m.records - (before.get(m.module) ?? 0) } : m));
}

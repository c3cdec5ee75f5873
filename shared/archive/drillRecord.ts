/** What the drill (drill.ts) keeps per org folder, apart from the drill itself so that status loads nothing of the archive. */
import { orgKey } from '../state/store';

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

/** What the watch remembers per org between runs (the 'watch' record of the state store). */

import type { Generation } from '../archive/retention';
import type { InspectedBackup } from '../inspect/backupContents';
import type { PartInspection } from '../inspect/partInspector';
import type { Channel, Notice } from '../notify/notice';
import type { HistoryEvent } from './history';

export interface ChannelDelivery {
  status: 'delivered' | 'failed';
  at: string;
  /** Failures only: the error code and message (never a URL). */
  code?: string;
  message?: string;
  attempts: number;
}

/** The newest completed backup the watch has taken on, and how far its announcement got. */
export interface TrackedBackup {
  historyId: string;
  /** When it completed; for a row without log_time, when the watch first saw it. */
  logTime: string;
  /** False when Zoho gave no log_time (immediate backups), so logTime is the first-seen time. */
  logTimeKnown?: false;
  /** Backup job id and org id (zgid), read from the download links. */
  jobId?: string;
  zgid?: string;
  doneBy?: string;
  expiresAt: string;
  links: { data: string[]; attachments: string[] };
  /** False when its links had already expired when first seen: recorded, never announced. */
  announce: boolean;
  deliveries: Partial<Record<Channel, ChannelDelivery>>;
  /** When the announcement first reached a channel (the expiry reminder compares against it). */
  announcedAt?: string;
  /** The backup this one superseded, for the channels that never got it: their message says so. */
  missedEarlier?: MissedBackup;
  /** Set by the archive once every part is stored: no expiry reminder is needed then. */
  archived?: boolean;
  archive?: ArchiveProgress;
}

export interface MissedBackup {
  historyId: string;
  logTime: string;
  expiresAt: string;
  links: { data: string[]; attachments: string[] };
  channels: Channel[];
}

export interface ArchivePart {
  status: 'queued' | 'archived' | 'failed' | 'refused';
  at: string;
  size?: number;
  sha256?: string;
  error?: string;
  /** What the part holds, read as it was copied. */
  inspection?: PartInspection;
}

/** The archive's progress for one backup (ARCHIVE_ENABLED=true). */
export interface ArchiveProgress {
  container: string;
  prefix: string;
  queuedAt: string;
  parts: Record<string, ArchivePart>;
  completedAt?: string;
  /** The manifest is written and the messages sent: nothing is left to do. */
  finishedAt?: string;
  /** Which copies retention keeps longest: shared/archive/retention.ts. */
  generation?: Generation;
}

export type AlertKind =
  | 'backup-failed'
  | 'schedule-stopped'
  | 'backup-overdue'
  | 'links-expiring'
  | 'monitor-unhealthy'
  | 'monitor-recovered'
  | 'backup-archived'
  | 'records-dropped'
  | 'archive-failed'
  | 'archive-unreadable'
  | 'channel-failing'
  | 'channel-recovered';

/** The latest occurrence of one kind of alert and how far its announcement got. */
export interface AlertRecord {
  kind: AlertKind;
  occurrence: string;
  raisedAt: string;
  /** Kept so a channel that missed it gets the very same message on the next run. */
  notice: Notice;
  /** Only these channels get it (a channel's own failure is told through the others). */
  audience?: Channel[];
  deliveries: Partial<Record<Channel, ChannelDelivery>>;
}

/** The backup schedule as /backup last reported it (cached: each call costs an API credit). */
export interface CachedSchedule {
  id: string;
  status: string;
  scheduledDate: string | null;
  /** The scheduled date seen before this one, so a missed run is noticed even after Zoho moves on. */
  previousScheduledDate?: string | null;
  requester?: string;
  checkedAt: string;
}

export interface HealthState {
  consecutiveFailures: number;
  /** Open while checks fail; `alerted` once it is worth telling people; `resolvedAt` once a check succeeds again. */
  incident?: { since: string; code: string; message: string; hint?: string; alerted: boolean; resolvedAt?: string };
}

export interface WatchState {
  /** When this monitor first checked successfully: older history is not alerted, bar the current state. */
  watchingSince?: string;
  backup?: TrackedBackup;
  /** Keyed by kind, or by kind and subject where one kind can have several at once (archive-failed:<file>). */
  alerts?: Record<string, AlertRecord>;
  schedule?: CachedSchedule;
  health?: HealthState;
  /** Per chat channel: refused messages across checks, the same record as the monitor's health. */
  channels?: Partial<Record<Channel, ChannelHealth>>;
  /** Who is sending right now; another run leaves the backup alone until `until`. */
  claim?: { owner: string; until: string };
  lastCheck?: { at: string; outcome: string };
  lastSuccessAt?: string;
  lastError?: { at: string; code: string; message: string; hint?: string };
  /** The contents of the latest inspected backup, and of the one before it: the data-loss alarm compares them. */
  inspected?: InspectedBackup;
  inspectedBefore?: InspectedBackup;
  /** This record was adopted under the org's own key (shared/state/adopt.ts): read that one. */
  movedTo?: string;
  /** The past year's backups and alerts, one line each (shared/state/history.ts). */
  history?: HistoryEvent[];
}

/** The channels that have not had an announcement yet (a failed delivery is still pending). */
export function undeliveredChannels<C extends Channel>(
  channels: readonly C[],
  deliveries: Partial<Record<Channel, ChannelDelivery>> | undefined,
): C[] {
  return channels.filter((channel) => deliveries?.[channel]?.status !== 'delivered');
}

/** A chat channel's refused messages across checks: an incident record like the monitor's own. */
export type ChannelHealth = HealthState;

/** A tracked backup as a history record, for ordering: its time only if Zoho gave one. */
export const trackedRecord = (backup: TrackedBackup) => ({
  id: backup.historyId,
  time: backup.logTimeKnown === false ? null : backup.logTime,
});

/**
 * What to do about the newest backup, decided from the history, the stored state and the
 * clock alone (pure). Two steps, because the links come from a second Zoho call that a quiet
 * check never makes: planBackup() says whether the links are needed, planLinks() reads them.
 */
import { archivePrefix } from '../archive/plan';
import { backupReadyNotice, idsFromLink } from '../notify/backupReady';
import type { Channel, MessageContext, Notice } from '../notify/notice';
import { type TrackedBackup, undeliveredChannels, type WatchState } from '../state/watchState';
import { type DatedHistoryRow, type DownloadUrls, type HistoryRow, isDated } from '../zoho/schemas';
import type { BackupDecision, BackupSummary } from './types';

export type BackupAction =
  /** Nothing to announce: no completed backup yet, or Zoho is still preparing the links. */
  | { do: 'report'; outcome: 'no-backup' | 'links-pending'; backup?: BackupSummary }
  /** The tracked backup is announced everywhere (or cannot be any more). */
  | { do: 'settle'; backup: TrackedBackup }
  /** First seen after its links expired: remember it, announce nothing. */
  | { do: 'record-expired'; backup: TrackedBackup }
  | { do: 'announce'; backup: TrackedBackup }
  /** A newer backup completed: its links are needed to go on. */
  | { do: 'fetch-links'; newest: DatedHistoryRow; previous?: TrackedBackup };

/** What is left to do once the links, if needed, are in. */
export type DecidedBackup = Exclude<BackupAction, { do: 'fetch-links' }>;

/** The newest history row that says a backup completed (rows come in no documented order). */
export function newestCompletedBackup(rows: readonly HistoryRow[]): DatedHistoryRow | undefined {
  let newest: DatedHistoryRow | undefined;
  for (const row of rows) {
    if (row.state !== 'completed' || !isDated(row)) continue;
    if (!newest || Date.parse(row.log_time) > Date.parse(newest.log_time)) newest = row;
  }
  return newest;
}

export function planBackup(rows: readonly HistoryRow[], state: WatchState, now: Date, channels: readonly Channel[]): BackupAction {
  const tracked = state.backup;
  const newest = newestCompletedBackup(rows);
  if (!newest) return { do: 'report', outcome: 'no-backup' };
  if (!tracked || isNewer(newest, tracked)) return { do: 'fetch-links', newest, previous: tracked };
  const pending = undeliveredChannels(channels, tracked.deliveries);
  const expired = Date.parse(tracked.expiresAt) <= now.getTime();
  return tracked.announce && pending.length > 0 && !expired ? { do: 'announce', backup: tracked } : { do: 'settle', backup: tracked };
}

/** The newer backup, once /backup/urls answered (null: 204, not ready). */
export function planLinks(
  newest: DatedHistoryRow,
  urls: DownloadUrls | null,
  previous: TrackedBackup | undefined,
  now: Date,
): DecidedBackup {
  const backup = urls && trackBackup(newest, urls, now);
  // 204, or links that still belong to the previous backup: Zoho is not done preparing them.
  if (!backup || !linksBelongTo(backup, newest, previous)) {
    return { do: 'report', outcome: 'links-pending', backup: { historyId: newest.id, completedAt: newest.log_time } };
  }
  return backup.announce ? { do: 'announce', backup } : { do: 'record-expired', backup };
}

/** The "backup ready" message for a tracked backup. */
export function backupNotice(
  backup: TrackedBackup,
  org: { key: string; name: string },
  archiveContainer: string | undefined,
  ctx: MessageContext,
): Notice {
  return backupReadyNotice(
    {
      orgName: org.name,
      completedAt: new Date(backup.logTime),
      expiresAt: new Date(backup.expiresAt),
      links: backup.links,
      zgid: backup.zgid,
      jobId: backup.jobId,
      doneBy: backup.doneBy,
      archiveLocation: archiveContainer && `${archiveContainer}/${archivePrefix(backup, org.key)}`,
    },
    ctx,
  );
}

/** Nothing new: the tracked backup, and the channels that have it. */
export function settledDecision(backup: TrackedBackup, channels: readonly Channel[]): BackupDecision {
  const sent = channels.filter((channel) => backup.deliveries[channel]?.status === 'delivered');
  return { outcome: 'nothing-new', backup: summarise(backup), deliveries: sent.map((channel) => ({ channel, result: 'already-sent' })) };
}

export function summarise(backup: TrackedBackup): BackupSummary {
  return {
    historyId: backup.historyId,
    completedAt: backup.logTime,
    jobId: backup.jobId,
    zgid: backup.zgid,
    expiresAt: backup.expiresAt,
    parts: backup.links.data.length + backup.links.attachments.length,
  };
}

function isNewer(row: DatedHistoryRow, tracked: TrackedBackup): boolean {
  return row.id !== tracked.historyId && Date.parse(row.log_time) > Date.parse(tracked.logTime);
}

function trackBackup(row: DatedHistoryRow, urls: DownloadUrls, now: Date): TrackedBackup {
  const { zgid, jobId } = idsFromLink(urls.data_links[0] ?? urls.attachment_links[0]);
  return {
    historyId: row.id,
    logTime: row.log_time,
    jobId,
    zgid,
    doneBy: row.done_by?.name,
    expiresAt: new Date(urls.expiry_date).toISOString(),
    links: { data: urls.data_links, attachments: urls.attachment_links },
    announce: Date.parse(urls.expiry_date) > now.getTime(),
    deliveries: {},
  };
}

/** /backup/urls serves only the latest links; if they predate this backup, they are the old ones. */
function linksBelongTo(backup: TrackedBackup, row: DatedHistoryRow, previous?: TrackedBackup): boolean {
  if (Date.parse(backup.expiresAt) <= Date.parse(row.log_time)) return false;
  return !(previous?.jobId && backup.jobId === previous.jobId);
}

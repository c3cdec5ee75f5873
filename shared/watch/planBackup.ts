/**
 * What to do about the newest backup, decided from the history, the stored state and the
 * clock alone (pure). Two steps, because the links come from a second Zoho call that a quiet
 * check never makes: planBackup() says whether the links are needed, planLinks() reads them.
 * A decided action carries everything acting on it needs: the report's summary of the backup
 * and, to announce, each channel's notice.
 */
import { archivePrefix } from '../archive/plan';
import { backupReadyNotice, idsFromLink, withMissedBackup } from '../notify/backupReady';
import type { Channel, MessageContext, Notice } from '../notify/notice';
import { type MissedBackup, type TrackedBackup, trackedRecord, undeliveredChannels, type WatchState } from '../state/watchState';
import { compareRecords, type DownloadUrls, type HistoryRow, isOlderRecord } from '../zoho/schemas';
import type { BackupSummary } from './types';

export type BackupAction =
  /** Nothing to announce: no completed backup yet, or Zoho is still preparing the links. */
  | { do: 'report'; outcome: 'no-backup' | 'links-pending'; summary?: BackupSummary }
  /** The tracked backup is announced everywhere it can be; `sentTo` has it. */
  | { do: 'settle'; backup: TrackedBackup; summary: BackupSummary; sentTo: Channel[] }
  /** First seen after its links expired: remember it, announce nothing. */
  | { do: 'record-expired'; backup: TrackedBackup; summary: BackupSummary }
  /** Tell each channel that lacks it the message `noticeFor` gives it. */
  | { do: 'announce'; backup: TrackedBackup; summary: BackupSummary; noticeFor: (channel: Channel) => Notice }
  /** A newer backup completed: its links are needed to go on. */
  | { do: 'fetch-links'; newest: HistoryRow; previous?: TrackedBackup };

/** Who the messages are for and how they are written. */
export interface BackupPlanContext {
  org: { key: string; name: string };
  channels: readonly Channel[];
  /** With the archive on: the container the notice says the parts go to. */
  archiveContainer?: string;
  /** Its `now` is the plan's clock. */
  ctx: MessageContext;
}

/** What is left to do once the links, if needed, are in. */
export type DecidedBackup = Exclude<BackupAction, { do: 'fetch-links' }>;

/**
 * The newest history row that says a backup completed. Rows come in no documented order, and
 * an immediate backup's row has no log_time (seed 003): it still counts, ordered by its id.
 */
export function newestCompletedBackup(rows: readonly HistoryRow[]): HistoryRow | undefined {
  let newest: HistoryRow | undefined;
  for (const row of rows) {
    if (row.state !== 'completed') continue;
    if (!newest || compareRecords(recordOf(row), recordOf(newest)) > 0) newest = row;
  }
  return newest;
}

const recordOf = (row: HistoryRow) => ({ id: row.id, time: row.log_time });

export function planBackup(rows: readonly HistoryRow[], state: WatchState, plan: BackupPlanContext): BackupAction {
  const tracked = state.backup;
  const newest = newestCompletedBackup(rows);
  if (!newest) return { do: 'report', outcome: 'no-backup' };
  if (!tracked || isNewer(newest, tracked)) return { do: 'fetch-links', newest, previous: tracked };
  const pending = undeliveredChannels(plan.channels, tracked.deliveries);
  const expired = Date.parse(tracked.expiresAt) <= plan.ctx.now.getTime();
  if (tracked.announce && pending.length > 0 && !expired) return announcing(tracked, plan);
  const sentTo = plan.channels.filter((channel) => tracked.deliveries[channel]?.status === 'delivered');
  return { do: 'settle', backup: tracked, summary: summarise(tracked), sentTo };
}

/** The newer backup, once /backup/urls answered (null: 204, not ready). */
export function planLinks(
  newest: HistoryRow,
  urls: DownloadUrls | null,
  previous: TrackedBackup | undefined,
  plan: BackupPlanContext,
): DecidedBackup {
  const now = plan.ctx.now;
  const hasLinks = !!urls && urls.data_links.length + urls.attachment_links.length > 0;
  const backup = hasLinks ? trackBackup(newest, urls, now) : undefined;
  // 204, no links at all, or links that still belong to an earlier backup: not ready yet.
  if (!backup || !linksBelongTo(backup, newest, previous)) {
    const summary = { historyId: newest.id, completedAt: newest.log_time ?? now.toISOString() };
    return { do: 'report', outcome: 'links-pending', summary };
  }
  if (!backup.announce) return { do: 'record-expired', backup, summary: summarise(backup) };
  const missedEarlier = previous && missedBy(previous, plan.channels);
  return announcing(missedEarlier ? { ...backup, missedEarlier } : backup, plan);
}

/** The "backup ready" message per channel; a channel that missed the previous backup also gets its links. */
function announcing(backup: TrackedBackup, plan: BackupPlanContext): DecidedBackup {
  const notice = backupNotice(backup, plan);
  const missed = backup.missedEarlier;
  const noticeFor = (channel: Channel) => (missed?.channels.includes(channel) ? withMissedBackup(notice, missed, plan.ctx) : notice);
  return { do: 'announce', backup, summary: summarise(backup), noticeFor };
}

function backupNotice(backup: TrackedBackup, { org, archiveContainer, ctx }: BackupPlanContext): Notice {
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

function summarise(backup: TrackedBackup): BackupSummary {
  return {
    historyId: backup.historyId,
    completedAt: backup.logTime,
    jobId: backup.jobId,
    zgid: backup.zgid,
    expiresAt: backup.expiresAt,
    parts: backup.links.data.length + backup.links.attachments.length,
  };
}

/** The channels a superseded backup never reached, if it was meant to be announced. */
function missedBy(previous: TrackedBackup, channels: readonly Channel[]): MissedBackup | undefined {
  const missing = previous.announce ? undeliveredChannels(channels, previous.deliveries) : [];
  if (missing.length === 0) return undefined;
  const { historyId, logTime, expiresAt, links } = previous;
  return { historyId, logTime, expiresAt, links, channels: missing };
}

function isNewer(row: HistoryRow, tracked: TrackedBackup): boolean {
  return row.id !== tracked.historyId && compareRecords(recordOf(row), trackedRecord(tracked)) > 0;
}

function trackBackup(row: HistoryRow, urls: DownloadUrls, now: Date): TrackedBackup {
  const { zgid, jobId } = idsFromLink(urls.data_links[0] ?? urls.attachment_links[0]);
  return {
    historyId: row.id,
    // No log_time (an immediate backup): the time it was first seen stands in for it.
    logTime: row.log_time ?? now.toISOString(),
    ...(row.log_time ? {} : { logTimeKnown: false as const }),
    jobId,
    zgid,
    doneBy: row.done_by?.name,
    expiresAt: new Date(urls.expiry_date).toISOString(),
    links: { data: urls.data_links, attachments: urls.attachment_links },
    announce: Date.parse(urls.expiry_date) > now.getTime(),
    deliveries: {},
  };
}

/**
 * /backup/urls serves only the latest links. They are an earlier backup's when they expire
 * before this backup completed, carry the job id already tracked, or carry a job made before
 * this backup's completed row: Zoho makes the download job just after it (seeds 002/003),
 * and record ids grow with time. On a first run the last two catch the previous backup's links.
 */
function linksBelongTo(backup: TrackedBackup, row: HistoryRow, previous?: TrackedBackup): boolean {
  if (row.log_time && Date.parse(backup.expiresAt) <= Date.parse(row.log_time)) return false;
  if (isOlderRecord(backup.jobId, row.id)) return false;
  return !(previous?.jobId && backup.jobId === previous.jobId);
}

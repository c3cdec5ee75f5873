/**
 * Detectors for what goes wrong around backups. Pure: each takes history rows, cached state
 * and the time, and names an occurrence (a stable key) when there is something to say. The
 * watch announces each occurrence once through the same claim/record mechanism as backups.
 */
import type { AlertKind, CachedSchedule, TrackedBackup, WatchState } from '../state/watchState';
import { compareRecords, type DatedHistoryRow as DatedRow, type HistoryRow, isDated } from '../zoho/schemas';

interface Occurrence<K extends AlertKind = AlertKind, D = unknown> {
  kind: K;
  occurrence: string;
  detail: D;
}

/** On a first run, a failure older than this is history, not news. */
const FIRST_RUN_LOOKBACK_MS = 7 * 86_400_000;
/** Zoho may write a history row a little after the event: look back this far past watchingSince. */
const HISTORY_LAG_MS = 3_600_000;

function dated(rows: readonly HistoryRow[]): DatedRow[] {
  return rows.filter(isDated).sort((a, b) => Date.parse(a.log_time) - Date.parse(b.log_time));
}

function latest(rows: DatedRow[], test: (row: DatedRow) => boolean): DatedRow | undefined {
  return rows.filter(test).at(-1);
}

/**
 * Is this row news? Once the monitor is watching: anything since it started. On its first
 * run: only the current state of things, and only if recent enough to matter.
 */
function isNews(row: DatedRow, state: WatchState, now: Date, isCurrent: boolean, lookbackMs = FIRST_RUN_LOOKBACK_MS): boolean {
  const time = Date.parse(row.log_time);
  if (state.watchingSince) return time >= Date.parse(state.watchingSince) - HISTORY_LAG_MS;
  return isCurrent && time > now.getTime() - lookbackMs;
}

/**
 * The newest failed backup, if it is news. Rows without a log_time count too: Zoho gives an
 * immediate backup none (seed 003), and record ids, which grow with time, order them. Such a
 * row is news while it is the newest outcome: the alert records its id, so it is said once.
 */
export function detectFailedBackup(
  rows: readonly HistoryRow[],
  state: WatchState,
  now: Date,
): Occurrence<'backup-failed', HistoryRow> | undefined {
  const order = (a: HistoryRow, b: HistoryRow) => compareRecords({ id: a.id, time: a.log_time }, { id: b.id, time: b.log_time });
  const outcomes = rows.filter((r) => r.state === 'failure' || r.state === 'completed').sort(order);
  const failure = outcomes.filter((r) => r.state === 'failure').at(-1);
  if (!failure) return undefined;
  const lastCompleted = outcomes.filter((r) => r.state === 'completed').at(-1);
  const isCurrent = !lastCompleted || order(failure, lastCompleted) > 0;
  const news = isDated(failure) ? isNews(failure, state, now, isCurrent) : isCurrent;
  return news ? { kind: 'backup-failed', occurrence: failure.id, detail: failure } : undefined;
}

export function detectStoppedSchedule(
  rows: readonly HistoryRow[],
  state: WatchState,
  now: Date,
): Occurrence<'schedule-stopped', { at?: string; by?: string }> | undefined {
  const all = dated(rows);
  const stop = latest(all, (r) => r.action === 'stopped');
  const resumed = stop && latest(all, (r) => r.action === 'scheduled' && Date.parse(r.log_time) > Date.parse(stop.log_time));
  // A stopped schedule is news on a first run however old: no backup will come until it is fixed.
  if (stop && !resumed && isNews(stop, state, now, true, Number.POSITIVE_INFINITY)) {
    return { kind: 'schedule-stopped', occurrence: stop.id, detail: { at: stop.log_time, by: stop.done_by?.name } };
  }
  // Stopped longer ago than history reaches: only /backup knows.
  if (!stop && state.schedule?.status === 'STOPPED') {
    return { kind: 'schedule-stopped', occurrence: `schedule:${state.schedule.id}`, detail: { by: state.schedule.requester } };
  }
  return undefined;
}

/** A scheduled time passed by more than the grace period with no completed or failed row since. */
export function detectOverdueBackup(
  rows: readonly HistoryRow[],
  schedule: CachedSchedule | undefined,
  now: Date,
  graceMs: number,
): Occurrence<'backup-overdue', { scheduledFor: string; by?: string }> | undefined {
  if (!schedule || schedule.status === 'STOPPED' || schedule.status === 'NONE') return undefined;
  const finished = dated(rows).filter((r) => r.state === 'completed' || r.state === 'failure');
  const candidates = [schedule.scheduledDate, schedule.previousScheduledDate].filter((d): d is string => !!d);
  for (const scheduledFor of candidates) {
    const due = Date.parse(scheduledFor);
    const ranSince = finished.some((r) => Date.parse(r.log_time) >= due);
    if (due + graceMs <= now.getTime() && !ranSince)
      return { kind: 'backup-overdue', occurrence: scheduledFor, detail: { scheduledFor, by: schedule.requester } };
  }
  return undefined;
}

/** One reminder before the links expire, if the announcement came before the reminder window. */
export function detectExpiringLinks(
  backup: TrackedBackup | undefined,
  now: Date,
  remindBeforeMs: number,
): Occurrence<'links-expiring', TrackedBackup> | undefined {
  if (!backup || remindBeforeMs <= 0 || !backup.announce || backup.archived || !backup.announcedAt) return undefined;
  const expires = Date.parse(backup.expiresAt);
  const windowOpens = expires - remindBeforeMs;
  if (now.getTime() < windowOpens || now.getTime() >= expires) return undefined;
  if (Date.parse(backup.announcedAt) >= windowOpens) return undefined; // announced this late: the announcement says it
  return { kind: 'links-expiring', occurrence: backup.historyId, detail: backup };
}

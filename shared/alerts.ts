/**
 * Detectors for what goes wrong around backups. Pure: each takes history rows, cached state
 * and the time, and names an occurrence (a stable key) when there is something to say. The
 * watch announces each occurrence once through the same claim/record mechanism as backups.
 */
import type { AlertKind, CachedSchedule, HealthState, TrackedBackup, WatchState } from './state/watchState';
import type { BackupDetails, HistoryRow } from './zoho/schemas';

export interface AlertSettings {
  overdueGraceMs: number;
  alertAfterFailures: number;
  remindBeforeExpiryMs: number;
}

export interface Occurrence<K extends AlertKind = AlertKind, D = unknown> {
  kind: K;
  occurrence: string;
  detail: D;
}

/** On a first run, a failure older than this is history, not news. */
const FIRST_RUN_LOOKBACK_MS = 7 * 86_400_000;
/** Zoho may write a history row a little after the event: look back this far past watchingSince. */
const HISTORY_LAG_MS = 3_600_000;

type DatedRow = HistoryRow & { log_time: string };

function dated(rows: readonly HistoryRow[]): DatedRow[] {
  return rows.filter((r): r is DatedRow => !!r.log_time).sort((a, b) => Date.parse(a.log_time) - Date.parse(b.log_time));
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

export function detectFailedBackup(rows: readonly HistoryRow[], state: WatchState, now: Date): Occurrence<'backup-failed', DatedRow> | undefined {
  const all = dated(rows);
  const failure = latest(all, (r) => r.state === 'failure');
  if (!failure) return undefined;
  const lastCompleted = latest(all, (r) => r.state === 'completed');
  const isCurrent = !lastCompleted || Date.parse(failure.log_time) > Date.parse(lastCompleted.log_time);
  if (!isNews(failure, state, now, isCurrent)) return undefined;
  return { kind: 'backup-failed', occurrence: failure.id, detail: failure };
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

/**
 * Whether a /backup call can change the answer: never called, not in the past day, or a
 * scheduled time (or its grace period) has passed since the last call.
 */
export function needsBackupDetails(schedule: CachedSchedule | undefined, now: Date, graceMs: number): boolean {
  if (!schedule) return true;
  const checkedAt = Date.parse(schedule.checkedAt);
  if (now.getTime() - checkedAt >= 86_400_000) return true;
  if (schedule.status === 'STOPPED' || schedule.status === 'NONE' || !schedule.scheduledDate) return false;
  const due = Date.parse(schedule.scheduledDate);
  const passedSinceCheck = (moment: number) => now.getTime() >= moment && checkedAt < moment;
  return passedSinceCheck(due) || passedSinceCheck(due + graceMs);
}

/** The schedule as /backup reported it; "no schedule" (204) is cached too, as status NONE. */
export function cacheSchedule(details: BackupDetails | null, previous: CachedSchedule | undefined, now: Date): CachedSchedule {
  if (!details) return { id: '', status: 'NONE', scheduledDate: null, previousScheduledDate: previous?.scheduledDate ?? null, checkedAt: now.toISOString() };
  const moved = previous?.scheduledDate && previous.scheduledDate !== details.scheduled_date;
  return {
    id: details.id,
    status: details.status,
    scheduledDate: details.scheduled_date ?? null,
    previousScheduledDate: moved ? previous.scheduledDate : (previous?.previousScheduledDate ?? null),
    requester: details.requester?.name,
    checkedAt: now.toISOString(),
  };
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
    if (due + graceMs <= now.getTime() && !ranSince) return { kind: 'backup-overdue', occurrence: scheduledFor, detail: { scheduledFor, by: schedule.requester } };
  }
  return undefined;
}

/** One reminder before the links expire, if the announcement came before the reminder window. */
export function detectExpiringLinks(backup: TrackedBackup | undefined, now: Date, remindBeforeMs: number): Occurrence<'links-expiring', TrackedBackup> | undefined {
  if (!backup || remindBeforeMs <= 0 || !backup.announce || backup.archived || !backup.announcedAt) return undefined;
  const expires = Date.parse(backup.expiresAt);
  const windowOpens = expires - remindBeforeMs;
  if (now.getTime() < windowOpens || now.getTime() >= expires) return undefined;
  if (Date.parse(backup.announcedAt) >= windowOpens) return undefined; // announced this late: the announcement says it
  return { kind: 'links-expiring', occurrence: backup.historyId, detail: backup };
}

/** Failures a person must fix: alert at once. Everything else may pass by itself. */
const NEEDS_A_PERSON = new Set([
  'ZOHO_INVALID_REFRESH_TOKEN',
  'ZOHO_INVALID_CLIENT',
  'OAUTH_SCOPE_MISMATCH',
  'NO_PERMISSION',
  'INVALID_URL_PATTERN',
  'INVALID_TOKEN',
  'UNTRUSTED_HOST',
]);

export function needsAPerson(code: string): boolean {
  return NEEDS_A_PERSON.has(code);
}

/**
 * The monitor's health after a check. A failure opens (or continues) an incident, which is
 * marked `alerted` at once for errors a person must fix, or after `alertAfterFailures`
 * consecutive failures. Success resolves an alerted incident (kept, with resolvedAt, so the
 * "recovered" message can be announced) and forgets one nobody was told about.
 */
export function nextHealth(
  health: HealthState | undefined,
  failure: { code: string; message: string; hint?: string } | undefined,
  now: Date,
  alertAfterFailures: number,
): HealthState {
  const open = health?.incident && !health.incident.resolvedAt ? health.incident : undefined;
  if (!failure) {
    if (open?.alerted) return { consecutiveFailures: 0, incident: { ...open, resolvedAt: now.toISOString() } };
    return { consecutiveFailures: 0, incident: open ? undefined : health?.incident };
  }
  const consecutiveFailures = (health?.consecutiveFailures ?? 0) + 1;
  const incident = open ?? { since: now.toISOString(), ...failure, alerted: false };
  const alerted = incident.alerted || needsAPerson(failure.code) || consecutiveFailures >= alertAfterFailures;
  return { consecutiveFailures, incident: { ...incident, ...failure, alerted } };
}

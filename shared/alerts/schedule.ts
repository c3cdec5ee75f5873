/**
 * The backup schedule as /backup reports it, cached in the watch state: each call costs the
 * customer an API credit, so the watch calls it only when the answer can change.
 */
import type { CachedSchedule } from '../state/watchState';
import type { BackupDetails } from '../zoho/schemas';

const DAY = 86_400_000;

/**
 * Whether a /backup call can change the answer: never called, not in the past day, or a
 * scheduled time (or its grace period) has passed since the last call.
 */
export function needsBackupDetails(schedule: CachedSchedule | undefined, now: Date, graceMs: number): boolean {
  if (!schedule) return true;
  const checkedAt = Date.parse(schedule.checkedAt);
  if (now.getTime() - checkedAt >= DAY) return true;
  if (schedule.status === 'STOPPED' || schedule.status === 'NONE' || !schedule.scheduledDate) return false;
  const due = Date.parse(schedule.scheduledDate);
  const passedSinceCheck = (moment: number) => now.getTime() >= moment && checkedAt < moment;
  return passedSinceCheck(due) || passedSinceCheck(due + graceMs);
}

/** The schedule as /backup reported it; "no schedule" (204) is cached too, as status NONE. */
export function cacheSchedule(details: BackupDetails | null, previous: CachedSchedule | undefined, now: Date): CachedSchedule {
  if (!details)
    return {
      id: '',
      status: 'NONE',
      scheduledDate: null,
      previousScheduledDate: previous?.scheduledDate ?? null,
      checkedAt: now.toISOString(),
    };
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

/** The pure alert rules, table by table: rows, state and a clock in; an occurrence (or none) out. */
import { detectExpiringLinks, detectFailedBackup, detectOverdueBackup, detectStoppedSchedule } from '../shared/alerts/detectors';
import { needsAPerson, nextHealth } from '../shared/alerts/health';
import { cacheSchedule, needsBackupDetails } from '../shared/alerts/schedule';
import type { CachedSchedule, TrackedBackup, WatchState } from '../shared/state/watchState';
import type { HistoryRow } from '../shared/zoho/schemas';

const NOW = new Date('2026-11-25T12:00:00Z');
const HOUR = 3_600_000;
const ago = (hours: number) => new Date(NOW.getTime() - hours * HOUR).toISOString();
const ahead = (hours: number) => new Date(NOW.getTime() + hours * HOUR).toISOString();

let nextId = 100;
function row(hoursAgo: number, fields: Partial<HistoryRow>): HistoryRow {
  nextId += 1;
  return { id: String(nextId), log_time: ago(hoursAgo), state: null, action: null, ...fields };
}
const failed = (hoursAgo: number) => row(hoursAgo, { state: 'failure' });
const completed = (hoursAgo: number) => row(hoursAgo, { state: 'completed' });
const stopped = (hoursAgo: number) => row(hoursAgo, { action: 'stopped' });
const scheduled = (hoursAgo: number) => row(hoursAgo, { action: 'scheduled' });

describe('detectFailedBackup', () => {
  const firstRun: WatchState = {};
  const watching: WatchState = { watchingSince: ago(48) };
  it.each<[string, HistoryRow[], WatchState, boolean]>([
    ['no failure in the history', [completed(5)], firstRun, false],
    ['first run: the latest outcome is a failure an hour old', [completed(30), failed(1)], firstRun, true],
    ['first run: the failure is ten days old', [failed(240)], firstRun, false],
    ['first run: a later backup completed after the failure', [failed(5), completed(1)], firstRun, false],
    ['watching: a failure since the monitor started', [completed(5), failed(1)], watching, true],
    ['watching: a failure long before the monitor started', [failed(72)], watching, false],
  ])('%s -> alert: %s', (_case, rows, state, alerts) => {
    const found = detectFailedBackup(rows, state, NOW);
    expect(found !== undefined).toBe(alerts);
    if (found) expect(found).toMatchObject({ kind: 'backup-failed', occurrence: rows.find((r) => r.state === 'failure')?.id });
  });
});

describe('detectStoppedSchedule', () => {
  it.each<[string, HistoryRow[], WatchState, string | undefined]>([
    ['a stop, never rescheduled (however old, on a first run)', [stopped(2000)], {}, 'row'],
    ['a stop, then a new schedule', [stopped(10), scheduled(5)], {}, undefined],
    [
      'no stop in the history, but /backup says STOPPED',
      [],
      { schedule: { id: '77', status: 'STOPPED', scheduledDate: null, checkedAt: ago(1) } },
      'schedule:77',
    ],
    ['no stop anywhere', [completed(3)], {}, undefined],
  ])('%s -> %s', (_case, rows, state, expected) => {
    const found = detectStoppedSchedule(rows, state, NOW);
    if (expected === undefined) expect(found).toBeUndefined();
    else expect(found?.occurrence).toBe(expected === 'row' ? rows[0]?.id : expected);
  });
});

describe('detectOverdueBackup', () => {
  const schedule = (scheduledFor: string, status = 'SCHEDULED'): CachedSchedule => ({
    id: '1',
    status,
    scheduledDate: scheduledFor,
    checkedAt: ago(1),
  });
  const grace = 6 * HOUR;
  it.each<[string, HistoryRow[], CachedSchedule | undefined, boolean]>([
    ['due 8h ago, grace 6h, nothing ran', [], schedule(ago(8)), true],
    ['due 8h ago, a backup completed since', [completed(7)], schedule(ago(8)), false],
    ['due 8h ago, a backup failed since (the failure alert says it)', [failed(7)], schedule(ago(8)), false],
    ['due 2h ago: still within the grace period', [], schedule(ago(2)), false],
    ['due in the future', [], schedule(ahead(5)), false],
    ['the schedule is stopped', [], schedule(ago(8), 'STOPPED'), false],
    ['no schedule known', [], undefined, false],
  ])('%s -> overdue: %s', (_case, rows, cached, overdue) => {
    expect(detectOverdueBackup(rows, cached, NOW, grace) !== undefined).toBe(overdue);
  });
});

describe('detectExpiringLinks', () => {
  const backup = (fields: Partial<TrackedBackup>): TrackedBackup => ({
    historyId: 'h1',
    logTime: ago(150),
    expiresAt: ahead(10),
    links: { data: [], attachments: [] },
    announce: true,
    announcedAt: ago(149),
    deliveries: {},
    ...fields,
  });
  const day = 24 * HOUR;
  it.each<[string, TrackedBackup | undefined, number, boolean]>([
    ['expires in 10h, announced days ago, remind 24h before', backup({}), day, true],
    ['expires in 30h: the window has not opened', backup({ expiresAt: ahead(30) }), day, false],
    ['already expired', backup({ expiresAt: ago(1) }), day, false],
    ['announced inside the window: the announcement said it', backup({ announcedAt: ago(2) }), day, false],
    ['never announced (links had expired)', backup({ announce: false, announcedAt: undefined }), day, false],
    ['archived: the copy does not expire', backup({ archived: true }), day, false],
    ['reminders off (0)', backup({}), 0, false],
    ['no backup tracked', undefined, day, false],
  ])('%s -> remind: %s', (_case, tracked, remindBefore, remind) => {
    expect(detectExpiringLinks(tracked, NOW, remindBefore) !== undefined).toBe(remind);
  });
});

describe('needsBackupDetails (each /backup call costs an API credit)', () => {
  const cached = (fields: Partial<CachedSchedule>): CachedSchedule => ({
    id: '1',
    status: 'SCHEDULED',
    scheduledDate: ahead(48),
    checkedAt: ago(1),
    ...fields,
  });
  const grace = 6 * HOUR;
  it.each<[string, CachedSchedule | undefined, boolean]>([
    ['never called', undefined, true],
    ['called an hour ago, next run in two days', cached({}), false],
    ['called over a day ago', cached({ checkedAt: ago(25) }), true],
    ['the scheduled time passed since the last call', cached({ scheduledDate: ago(1), checkedAt: ago(2) }), true],
    ['the grace period ended since the last call', cached({ scheduledDate: ago(7), checkedAt: ago(3) }), true],
    ['due passed before the last call, grace not over yet', cached({ scheduledDate: ago(3), checkedAt: ago(2) }), false],
    ['stopped schedule, called recently', cached({ status: 'STOPPED', scheduledDate: null }), false],
  ])('%s -> call: %s', (_case, schedule, call) => {
    expect(needsBackupDetails(schedule, NOW, grace)).toBe(call);
  });

  it('remembers the previous scheduled date when Zoho moves on, and caches "no schedule" as NONE', () => {
    const first = cacheSchedule({ id: '1', status: 'SCHEDULED', scheduled_date: ago(1) }, undefined, NOW);
    const moved = cacheSchedule({ id: '1', status: 'SCHEDULED', scheduled_date: ahead(167) }, first, NOW);
    expect(moved).toMatchObject({ scheduledDate: ahead(167), previousScheduledDate: ago(1) });
    expect(cacheSchedule(null, moved, NOW)).toMatchObject({ status: 'NONE', scheduledDate: null, previousScheduledDate: ahead(167) });
  });
});

describe('nextHealth', () => {
  const transient = { code: 'ZOHO_UNREACHABLE' as const, message: 'no answer' };
  const person = { code: 'ZOHO_INVALID_REFRESH_TOKEN' as const, message: 'revoked' };
  it.each<
    [
      string,
      Parameters<typeof nextHealth>[0],
      Parameters<typeof nextHealth>[1],
      { failures: number; alerted?: boolean; resolved?: boolean },
    ]
  >([
    ['a first transient failure opens an incident, not yet alerted', undefined, transient, { failures: 1, alerted: false }],
    [
      'the third transient failure in a row alerts',
      { consecutiveFailures: 2, incident: { since: ago(1), ...transient, alerted: false } },
      transient,
      { failures: 3, alerted: true },
    ],
    ['a failure a person must fix alerts at once', undefined, person, { failures: 1, alerted: true }],
    [
      'success after an alerted incident resolves it (for the "recovered" message)',
      { consecutiveFailures: 4, incident: { since: ago(1), ...person, alerted: true } },
      undefined,
      { failures: 0, alerted: true, resolved: true },
    ],
    [
      'success after an unalerted incident forgets it',
      { consecutiveFailures: 1, incident: { since: ago(1), ...transient, alerted: false } },
      undefined,
      { failures: 0 },
    ],
  ])('%s', (_case, before, failure, expected) => {
    const health = nextHealth(before, failure, NOW, 3);
    expect(health.consecutiveFailures).toBe(expected.failures);
    expect(health.incident?.alerted).toBe(expected.alerted);
    expect(health.incident?.resolvedAt !== undefined).toBe(expected.resolved ?? false);
  });

  it('counts only the errors a person must fix as urgent', () => {
    expect(['ZOHO_INVALID_CLIENT', 'OAUTH_SCOPE_MISMATCH', 'NO_PERMISSION', 'UNTRUSTED_HOST'].every((c) => needsAPerson(c as never))).toBe(
      true,
    );
    expect(['ZOHO_UNREACHABLE', 'TOO_MANY_REQUESTS', 'INTERNAL_ERROR'].some((c) => needsAPerson(c as never))).toBe(false);
  });
});

/** Retention by generations (shared/archive/retention.ts): which copies a year of weekly backups keeps. */
import { expiryOf, type Generation, generationOf } from '../shared/archive/retention';

const RETENTION = { keepDailyDays: 35, keepMonthlyMonths: 12, keepYearlyYears: 7 };

/** Weekly backups on Sundays at 02:00 UTC through 2026, each archived as the one before it was. */
function aYearOfWeeklyBackups(timeZone: string): Array<{ at: Date; generation: Generation; keptUntil: Date }> {
  const backups: Array<{ at: Date; generation: Generation; keptUntil: Date }> = [];
  for (let at = new Date(Date.UTC(2026, 0, 4, 2)); at.getUTCFullYear() === 2026; at = new Date(at.getTime() + 7 * 86_400_000)) {
    const generation = generationOf(at, backups.at(-1)?.at, timeZone);
    backups.push({ at, generation, keptUntil: expiryOf(at, generation, RETENTION) });
  }
  return backups;
}

describe('retention by generations', () => {
  it('marks the first backup of each month monthly and of each year yearly, in the team time zone', () => {
    expect(generationOf(new Date('2026-03-01T02:00:00Z'), undefined, 'UTC')).toBe('yearly');
    expect(generationOf(new Date('2026-03-08T02:00:00Z'), new Date('2026-03-01T02:00:00Z'), 'UTC')).toBe('daily');
    expect(generationOf(new Date('2026-04-05T02:00:00Z'), new Date('2026-03-29T02:00:00Z'), 'UTC')).toBe('monthly');
    expect(generationOf(new Date('2027-01-03T02:00:00Z'), new Date('2026-12-27T02:00:00Z'), 'UTC')).toBe('yearly');
    // 31 March 23:30 UTC is already April in Berlin.
    expect(generationOf(new Date('2026-03-31T23:30:00Z'), new Date('2026-03-24T23:30:00Z'), 'Europe/Berlin')).toBe('monthly');
    expect(generationOf(new Date('2026-03-31T23:30:00Z'), new Date('2026-03-24T23:30:00Z'), 'UTC')).toBe('daily');
  });

  it("keeps, of 2026's 52 weekly backups on 31 December: the last five weeks', each month's first, and the year's first", () => {
    const backups = aYearOfWeeklyBackups('UTC');
    expect(backups).toHaveLength(52);
    const counts: Record<string, number> = {};
    for (const b of backups) counts[b.generation] = (counts[b.generation] ?? 0) + 1;
    expect(counts).toEqual({ yearly: 1, monthly: 11, daily: 40 });
    const endOfYear = new Date('2026-12-31T12:00:00Z');
    const kept = backups.filter((b) => b.keptUntil > endOfYear);
    const day = (b: { at: Date }) => b.at.toISOString().slice(0, 10);
    expect(kept.filter((b) => b.generation === 'daily').map(day)).toEqual(['2026-11-29', '2026-12-13', '2026-12-20', '2026-12-27']);
    expect(kept.filter((b) => b.generation !== 'daily').map(day)).toEqual([
      '2026-01-04',
      '2026-02-01',
      '2026-03-01',
      '2026-04-05',
      '2026-05-03',
      '2026-06-07',
      '2026-07-05',
      '2026-08-02',
      '2026-09-06',
      '2026-10-04',
      '2026-11-01',
      '2026-12-06',
    ]);
    expect(kept).toHaveLength(16);
    // The year's first stays seven years (7 x 366 days); a month's first 12 x 31 days.
    expect(backups[0]?.keptUntil.toISOString().slice(0, 10)).toBe('2033-01-09');
    expect(
      backups
        .find((b) => day(b) === '2026-02-01')
        ?.keptUntil.toISOString()
        .slice(0, 10),
    ).toBe('2027-02-08');
  });
});

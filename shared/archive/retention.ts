/**
 * Retention by generations, as backup systems keep copies: every backup for a few weeks, the
 * first of each month for a year, the first of each year for years. The generation is decided
 * once, when a backup is archived, from the backup archived before it (backups are archived in
 * order: only the newest is). It goes onto the blobs as an index tag, and Azure's lifecycle
 * rules (infra/modules/storage.bicep) tier and delete by it: no timer of ours deletes anything.
 * The command line's folder applies the same rule in `archive prune`.
 */
export type Generation = 'daily' | 'monthly' | 'yearly';

export interface Retention {
  keepDailyDays: number;
  keepMonthlyMonths: number;
  keepYearlyYears: number;
}

const DAY_MS = 86_400_000;

/** Year and month of an instant in `timeZone`: "the first backup of the month" is in the team's month. */
function yearMonth(at: Date, timeZone: string): [number, number] {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric' }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return [get('year'), get('month')];
}

/** A backup is monthly when the one archived before it is from another month, yearly when from another year. */
export function generationOf(completedAt: Date, previousArchivedAt: Date | undefined, timeZone: string): Generation {
  if (!previousArchivedAt) return 'yearly';
  const [year, month] = yearMonth(completedAt, timeZone);
  const [beforeYear, beforeMonth] = yearMonth(previousArchivedAt, timeZone);
  if (year !== beforeYear) return 'yearly';
  return month !== beforeMonth ? 'monthly' : 'daily';
}

/** How long a generation is kept, in days from the backup's archiving: the lifecycle rules' numbers. */
export function keptDays(generation: Generation, retention: Retention): number {
  if (generation === 'daily') return retention.keepDailyDays;
  // Calendar months and years vary: the longest, so a copy never goes a day early.
  if (generation === 'monthly') return Math.max(retention.keepDailyDays, retention.keepMonthlyMonths * 31);
  return Math.max(retention.keepDailyDays, retention.keepMonthlyMonths * 31, retention.keepYearlyYears * 366);
}

export function expiryOf(archivedAt: Date, generation: Generation, retention: Retention): Date {
  return new Date(archivedAt.getTime() + keptDays(generation, retention) * DAY_MS);
}

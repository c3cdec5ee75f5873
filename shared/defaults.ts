/**
 * Every default in one place: the settings' defaults (config reads them), and the timings the
 * core uses when a caller does not choose.
 */
export const DEFAULTS = {
  schedule: '0 */10 * * * *',
  zohoDc: 'us',
  zohoApiVersion: 'v8',
  orgName: 'Zoho CRM',
  overdueGrace: '6h',
  alertAfterFailures: '3',
  remindBeforeExpiry: '24h',
  archiveContainer: 'archive',
  timezone: 'UTC',
  /** How long a claim holds off other runs; a crashed run's claim lapses after it. */
  claimTtlMs: 10 * 60_000,
} as const;

const HOUR = 3_600_000;

export interface AlertSettings {
  /** How long past its scheduled time a backup may take before it is reported overdue. */
  overdueGraceMs: number;
  /** Consecutive failed checks (for transient errors) before the monitor reports itself unhealthy. */
  alertAfterFailures: number;
  /** How long before the links expire to remind; 0 disables. */
  remindBeforeExpiryMs: number;
}

/** The alert timings as numbers, for callers that build the core without settings (tests, bench). */
export const DEFAULT_ALERT_SETTINGS: AlertSettings = { overdueGraceMs: 6 * HOUR, alertAfterFailures: 3, remindBeforeExpiryMs: 24 * HOUR };

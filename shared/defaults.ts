/**
 * Every default in one place: the settings' defaults (the config schema applies them), and
 * the timings the core uses when a caller does not choose.
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export interface AlertSettings {
  /** How long past its scheduled time a backup may take before it is reported overdue. */
  overdueGraceMs: number;
  /** Consecutive failed checks (for transient errors) before the monitor reports itself unhealthy. */
  alertAfterFailures: number;
  /** How long before the links expire to remind; 0 disables. */
  remindBeforeExpiryMs: number;
}

export const DEFAULT_ALERT_SETTINGS: AlertSettings = { overdueGraceMs: 6 * HOUR, alertAfterFailures: 3, remindBeforeExpiryMs: 24 * HOUR };

export const DEFAULTS = {
  schedule: '0 */10 * * * *',
  zohoDc: 'us',
  zohoApiVersion: 'v8',
  orgName: 'Zoho CRM',
  archiveContainer: 'archive',
  timezone: 'UTC',
  ...DEFAULT_ALERT_SETTINGS,
  /** How long a claim holds off other runs; a crashed run's claim lapses after it. */
  claimTtlMs: 10 * MINUTE,
  /** A whole check, whatever the servers do: well under host.json's functionTimeout (30 min). */
  checkDeadlineMs: 3 * MINUTE,
  /** After a check's first telemetry item, when the SDK loads: by then the worker has answered. */
  telemetryLoadDelayMs: 1000,
  /** How long a worker reuses a registered org's runtime before it reads the registry and vault again. */
  orgRuntimeReuseMs: 5 * MINUTE,
  /** Orgs whose state a status view reads at once: a thousand must not open a thousand requests. */
  statusReadConcurrency: 16,
} as const;

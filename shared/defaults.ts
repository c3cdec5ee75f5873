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
  /** A module that lost at least this percent of its records since the previous inspected backup... */
  recordDropPercent: number;
  /** ...and at least this many records raises the data-loss alarm; either at 0 turns it off. */
  recordDropMin: number;
}

export const DEFAULT_ALERT_SETTINGS: AlertSettings = {
  overdueGraceMs: 6 * HOUR,
  alertAfterFailures: 3,
  remindBeforeExpiryMs: 24 * HOUR,
  recordDropPercent: 10,
  recordDropMin: 50,
};

export const DEFAULTS = {
  schedule: '0 */10 * * * *',
  zohoDc: 'us',
  zohoApiVersion: 'v8',
  orgName: 'Zoho CRM',
  archiveContainer: 'archive',
  /** Retention by generations (shared/archive/retention.ts): every backup, the first of each month, of each year. */
  archiveRetention: { keepDailyDays: 35, keepMonthlyMonths: 12, keepYearlyYears: 7 },
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
  /**
   * Zoho keeps 20 refresh tokens per user per client and silently revokes the oldest at the
   * 21st: from this many orgs on one client, adding or authorizing another warns.
   */
  refreshTokensWarnAt: 15,
  /** Bytes the weekly drill (archiveDrill) reads again per run: about 5 minutes at 70 MB/s, well inside functionTimeout. */
  drillBudgetBytes: 20e9,
  /** Orgs whose state a status view reads at once: a thousand must not open a thousand requests. */
  statusReadConcurrency: 16,
  /** A cached Zoho access token is refreshed this long before it expires (it lives an hour). */
  tokenRefreshMarginMs: 5 * MINUTE,
  /**
   * Zoho calls: an attempt may wait 15 s for an answer to start, a call (retries and a trickling
   * body included) 60 s; 429, 5xx and network errors are tried three more times with backoff,
   * honouring a Retry-After of up to 30 s. A year of history is a few hundred KB: 5 MB caps an answer.
   */
  zohoHttp: {
    timeoutMs: 15_000,
    totalTimeoutMs: MINUTE,
    retries: 3,
    retryBaseDelayMs: 500,
    maxRetryAfterMs: 30_000,
    maxAnswerBytes: 5 * 1024 * 1024,
  },
  /**
   * Archive downloads (up to 1 GB a part): a minute of silence is a dead connection, and there is
   * no total deadline or size cap (the stall watchdog and Content-Length bound them instead).
   */
  downloadHttp: { timeoutMs: MINUTE, retries: 2, totalTimeoutMs: -1, maxAnswerBytes: -1 },
  /**
   * Chat. Slack is not retried within a check: its webhooks answer at once, @slack/webhook
   * retries nothing by default, and its refusals are codes a person must act on; a message
   * that did not land is sent again by the next check, ten minutes later. Teams is retried
   * twice: Workflows throttles (429 with Retry-After) and answers 502/504 while a flow scales,
   * and a retry a second later usually lands, inside the call's own deadline.
   */
  slack: { timeoutMs: 10_000, totalTimeoutMs: 30_000 },
  teams: { timeoutMs: 15_000, retries: 2 },
} as const;

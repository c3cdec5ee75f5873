/** What a check needs (its collaborators, passed in) and what it reports. */

import type { ArchiveQueue } from '../archive/queue';
import type { AlertSettings } from '../defaults';
import type { SafeError } from '../errors';
import type { Logger } from '../log';
import type { DeliveryResult } from '../notify/announcer';
import type { Notifier } from '../notify/delivery';
import type { Channel } from '../notify/notice';
import type { WatchedOrg } from '../orgName';
import type { StateStore } from '../state/store';
import type { AlertKind } from '../state/watchState';
import type { Telemetry } from '../telemetry';
import type { ZohoCallCounts } from '../zoho/client';
import type { BackupDetails, DownloadUrls, HistoryRow } from '../zoho/schemas';

export type { SafeError } from '../errors';
export type { DeliveryResult } from '../notify/announcer';

export interface WatchDeps {
  zoho: {
    listHistory(): Promise<HistoryRow[]>;
    getDownloadUrls(): Promise<DownloadUrls | null>;
    getBackupDetails(): Promise<BackupDetails | null>;
    readonly calls: ZohoCallCounts;
  };
  tokens?: { readonly mintedCount: number };
  store: StateStore;
  notifiers: readonly Notifier[];
  org: WatchedOrg;
  timezone: string;
  alerts?: AlertSettings;
  /** With ARCHIVE_ENABLED: where announced backups' parts are queued for the archive worker. */
  archive?: { queue: ArchiveQueue; container: string };
  now?: () => Date;
  /** Who this run is, in claims. */
  runId?: string;
  /** How long a claim holds off other runs; a crashed run's claim lapses after it. */
  claimTtlMs?: number;
  log?: Logger;
  telemetry?: Telemetry;
  /** The check's total deadline (CHECK_DEADLINE); every call made inside it honours it. */
  deadlineMs?: number;
}

export type CheckOutcome =
  | 'no-backup'
  | 'nothing-new'
  | 'announced'
  | 'links-pending'
  | 'links-expired'
  | 'claimed-elsewhere'
  | 'delivery-failed'
  | 'dry-run'
  | 'failed';

export interface BackupSummary {
  historyId: string;
  completedAt: string;
  jobId?: string;
  zgid?: string;
  expiresAt?: string;
  parts?: number;
}

export interface AlertResult {
  kind: AlertKind;
  occurrence: string;
  summary: string;
  deliveries: DeliveryResult[];
}

export interface CheckReport {
  /** What happened to the newest backup. */
  outcome: CheckOutcome;
  /** False when a Zoho call, the state store or any delivery failed: the next run retries. */
  ok: boolean;
  checkedAt: string;
  durationMs: number;
  backup?: BackupSummary;
  deliveries: DeliveryResult[];
  /** Alerts announced (or retried) by this check, the monitor's own health included. */
  alerts: AlertResult[];
  zohoCalls: { history: number; urls: number; details: number; tokenRefreshes: number };
  error?: SafeError;
  /** Dry runs only: the exact payloads that would have been posted. */
  preview?: Partial<Record<Channel, unknown>>;
}

/** What the backup part of a check came to, before the report is built. */
export type BackupDecision = Pick<CheckReport, 'outcome'> & Partial<Pick<CheckReport, 'backup' | 'deliveries' | 'error' | 'preview'>>;

/** Every error a check met: the check's own, then each failed delivery (backup or alert), in order. */
export function failuresOf(report: Pick<CheckReport, 'error' | 'deliveries' | 'alerts'>): SafeError[] {
  const deliveries = [...report.deliveries, ...report.alerts.flatMap((a) => a.deliveries)];
  return [...(report.error ? [report.error] : []), ...deliveries.flatMap((d) => (d.error ? [d.error] : []))];
}

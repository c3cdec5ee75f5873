/**
 * One check cycle: history -> decide -> urls -> claim -> notify -> record (design §6), then
 * the alerts: failed or overdue backups, a stopped schedule, links about to expire, and the
 * monitor's own health.
 *
 * - The newest completed backup is found by log_time, whatever order Zoho returns.
 * - Every announcement (a backup or an alert) goes through the Announcer: claimed with a
 *   conditional write, delivered once per channel, each delivery recorded as it lands.
 * - Nothing is advanced on a failure: a Zoho error, a 204 from /backup/urls or a refused
 *   message leaves the work for the next run. A crash between sending and recording may
 *   repeat a message; it never drops one.
 * - A quiet check costs one Zoho call (the history) and, with a cached token, no refresh.
 *   /backup is called only when its answer can change (see needsBackupDetails).
 */
import { randomUUID } from 'node:crypto';
import {
  type AlertSettings,
  cacheSchedule,
  detectExpiringLinks,
  detectFailedBackup,
  detectOverdueBackup,
  detectStoppedSchedule,
  needsBackupDetails,
  nextHealth,
  type Occurrence,
} from './alerts';
import { alertTarget, type AnnouncementTarget, Announcer, type DeliveryResult } from './announcer';
import { archiveMessages, archivePrefix } from './archive/plan';
import type { ArchiveQueue } from './archive/queue';
import { describeError } from './errors';
import { type Logger, silentLogger } from './log';
import {
  backupFailedNotice,
  backupOverdueNotice,
  linksExpiringNotice,
  monitorRecoveredNotice,
  monitorUnhealthyNotice,
  scheduleStoppedNotice,
} from './notify/alertNotices';
import { backupReadyNotice, idsFromLink } from './notify/backupReady';
import type { Notifier } from './notify/delivery';
import type { Channel, MessageContext, Notice } from './notify/notice';
import type { StateStore } from './state/store';
import type { AlertKind, AlertRecord, TrackedBackup, WatchState } from './state/watchState';
import { noTelemetry, type Telemetry } from './telemetry';
import type { ZohoCallCounts } from './zoho/client';
import type { BackupDetails, DownloadUrls, HistoryRow } from './zoho/schemas';

export type { DeliveryResult } from './announcer';

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
  org: { key: string; name: string };
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
}

export const DEFAULT_ALERT_SETTINGS: AlertSettings = { overdueGraceMs: 6 * 3_600_000, alertAfterFailures: 3, remindBeforeExpiryMs: 24 * 3_600_000 };

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

export interface SafeError {
  code: string;
  message: string;
  hint?: string;
}

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
  /** False when a Zoho call, the state store or a delivery failed: the next run retries. */
  ok: boolean;
  checkedAt: string;
  durationMs: number;
  backup?: BackupSummary;
  deliveries: DeliveryResult[];
  /** Alerts announced (or retried) by this check. */
  alerts: AlertResult[];
  zohoCalls: { history: number; urls: number; details: number; tokenRefreshes: number };
  error?: SafeError;
  /** Dry runs only: the exact payloads that would have been posted. */
  preview?: Partial<Record<Channel, unknown>>;
}

type Decision = Pick<CheckReport, 'outcome'> & Partial<Pick<CheckReport, 'backup' | 'deliveries' | 'alerts' | 'error' | 'preview'>>;

/** Every error a check met: the check's own, then each failed delivery (backup or alert), in order. */
export function failuresOf(report: CheckReport): SafeError[] {
  const deliveries = [...report.deliveries, ...report.alerts.flatMap((a) => a.deliveries)];
  return [...(report.error ? [report.error] : []), ...deliveries.flatMap((d) => (d.error ? [d.error] : []))];
}

export function runCheck(deps: WatchDeps, options: { dryRun?: boolean } = {}): Promise<CheckReport> {
  return new CheckRun(deps, options.dryRun ?? false).execute();
}

/** The newest history row that says a backup completed (rows come in no documented order). */
export function newestCompletedBackup(rows: readonly HistoryRow[]): (HistoryRow & { log_time: string }) | undefined {
  let newest: (HistoryRow & { log_time: string }) | undefined;
  for (const row of rows) {
    if (row.state !== 'completed' || !row.log_time) continue;
    if (!newest || Date.parse(row.log_time) > Date.parse(newest.log_time)) newest = row as HistoryRow & { log_time: string };
  }
  return newest;
}

class CheckRun {
  private readonly now: () => Date;
  private readonly log: Logger;
  private readonly telemetry: Telemetry;
  private readonly settings: AlertSettings;
  private readonly started: Date;
  private readonly callsBefore: ZohoCallCounts;
  private readonly tokensBefore: number;
  private readonly announcer: Announcer;

  constructor(private readonly deps: WatchDeps, private readonly dryRun: boolean) {
    this.now = deps.now ?? (() => new Date());
    this.log = deps.log ?? silentLogger;
    this.telemetry = deps.telemetry ?? noTelemetry;
    this.settings = deps.alerts ?? DEFAULT_ALERT_SETTINGS;
    this.started = this.now();
    this.callsBefore = { ...deps.zoho.calls };
    this.tokensBefore = deps.tokens?.mintedCount ?? 0;
    this.announcer = new Announcer({
      store: deps.store,
      orgKey: deps.org.key,
      notifiers: deps.notifiers,
      runId: deps.runId ?? randomUUID(),
      now: this.now,
      claimTtlMs: deps.claimTtlMs ?? 10 * 60_000,
      log: this.log,
      messageContext: () => this.messageContext(),
    });
  }

  async execute(): Promise<CheckReport> {
    let decision: Decision;
    try {
      decision = await this.decide();
    } catch (error) {
      decision = { outcome: 'failed', error: describeError(error) };
    }
    const report = this.report(decision);
    if (!this.dryRun) await this.recordCheck(report);
    this.emit(report);
    return report;
  }

  private async decide(): Promise<Decision> {
    const rows = await this.deps.zoho.listHistory();
    const state = await this.readState();
    const backupDecision = await this.decideBackup(rows, state);
    if (this.dryRun) return { ...backupDecision, alerts: [] };
    // A quiet check reuses the state it read; one that took on a backup reads it again.
    const changed = !['no-backup', 'nothing-new', 'links-pending'].includes(backupDecision.outcome);
    const alerts = await this.raiseAlerts(rows, changed ? await this.readState() : state);
    return { ...backupDecision, alerts };
  }

  // ---- the newest backup --------------------------------------------------------------

  private async decideBackup(rows: HistoryRow[], state: WatchState): Promise<Decision> {
    const tracked = state.backup;
    const newest = newestCompletedBackup(rows);
    if (!newest) return { outcome: 'no-backup' };
    if (tracked && !isNewer(newest, tracked)) return this.resume(tracked);

    const urls = await this.deps.zoho.getDownloadUrls();
    const backup = urls && trackBackup(newest, urls, this.now());
    // 204, or links that still belong to the previous backup: Zoho is not done preparing them.
    if (!backup || !linksBelongTo(backup, newest, tracked)) return { outcome: 'links-pending', backup: { historyId: newest.id, completedAt: newest.log_time } };
    if (!backup.announce) {
      // First seen after its links expired (e.g. the first run, or the app was down for a week).
      if (!this.dryRun) await this.announcer.mutate((state) => ({ ...state, backup }));
      return { outcome: 'links-expired', backup: summarise(backup) };
    }
    return this.announceBackup(backup);
  }

  /** The newest backup is the one already tracked: finish its announcement if a channel missed it. */
  private async resume(tracked: TrackedBackup): Promise<Decision> {
    const pending = this.announcer.pendingChannels(tracked.deliveries);
    if (!tracked.announce || pending.length === 0 || Date.parse(tracked.expiresAt) <= this.now().getTime()) {
      if (!this.dryRun) await this.queueArchive(tracked);
      return { outcome: 'nothing-new', backup: summarise(tracked), deliveries: this.announcer.alreadySent(tracked.deliveries) };
    }
    return this.announceBackup(tracked);
  }

  private async announceBackup(candidate: TrackedBackup): Promise<Decision> {
    const notice = backupReadyNotice(
      {
        orgName: this.deps.org.name,
        completedAt: new Date(candidate.logTime),
        expiresAt: new Date(candidate.expiresAt),
        links: candidate.links,
        zgid: candidate.zgid,
        jobId: candidate.jobId,
        doneBy: candidate.doneBy,
        archiveLocation: this.deps.archive && `${this.deps.archive.container}/${archivePrefix(candidate, this.deps.org.key)}`,
      },
      this.messageContext(),
    );
    if (this.dryRun) return this.preview(candidate, notice);
    const deliveries = await this.announcer.announce(backupTarget(candidate), notice);
    if (!deliveries) return { outcome: 'claimed-elsewhere', backup: summarise(candidate) };
    await this.queueArchive(candidate);
    const failed = deliveries.some((d) => d.result === 'failed');
    return { outcome: failed ? 'delivery-failed' : 'announced', backup: summarise(candidate), deliveries };
  }

  /**
   * Queues each part of an announced backup for the archive worker, once. Enqueued before it
   * is recorded: a crash in between repeats messages (the worker skips archived parts)
   * rather than losing them.
   */
  private async queueArchive(backup: TrackedBackup): Promise<void> {
    const archive = this.deps.archive;
    if (!archive || backup.archive || !backup.announce || Date.parse(backup.expiresAt) <= this.now().getTime()) return;
    const messages = archiveMessages(backup, this.deps.org.key);
    try {
      await archive.queue.enqueue(messages);
    } catch (error) {
      // Nothing was recorded, so the next check queues the parts again; the announcement stands.
      this.log.warn(`could not queue the backup for the archive: ${describeError(error).message}`);
      return;
    }
    const at = this.now().toISOString();
    await this.announcer.mutate((state) =>
      state.backup?.historyId === backup.historyId && !state.backup.archive
        ? {
            ...state,
            backup: {
              ...state.backup,
              archive: {
                container: archive.container,
                prefix: archivePrefix(backup, this.deps.org.key),
                queuedAt: at,
                parts: Object.fromEntries(messages.map((m) => [m.fileName, { status: 'queued' as const, at }])),
              },
            },
          }
        : undefined,
    );
  }

  private preview(candidate: TrackedBackup, notice: Notice): Decision {
    const pending = this.announcer.pendingChannels(candidate.deliveries);
    return {
      outcome: 'dry-run',
      backup: summarise(candidate),
      deliveries: pending.map((n) => ({ channel: n.channel, result: 'would-send' as const })),
      preview: Object.fromEntries(pending.map((n) => [n.channel, n.render(notice, this.messageContext())])),
    };
  }

  // ---- alerts -------------------------------------------------------------------------

  private async raiseAlerts(rows: HistoryRow[], known: WatchState): Promise<AlertResult[]> {
    const state = await this.refreshSchedule(known);
    const { org } = this.deps;
    const ctx = this.messageContext();
    const found: Array<[Occurrence, Notice]> = [];
    const failed = detectFailedBackup(rows, state, this.now());
    if (failed) found.push([failed, backupFailedNotice(org.name, { at: failed.detail.log_time, by: failed.detail.done_by?.name, repeatType: failed.detail.repeat_type }, ctx)]);
    const stopped = detectStoppedSchedule(rows, state, this.now());
    if (stopped) found.push([stopped, scheduleStoppedNotice(org.name, stopped.detail, ctx)]);
    const overdue = detectOverdueBackup(rows, state.schedule, this.now(), this.settings.overdueGraceMs);
    if (overdue) found.push([overdue, backupOverdueNotice(org.name, overdue.detail, this.settings.overdueGraceMs, ctx)]);
    const expiring = detectExpiringLinks(state.backup, this.now(), this.settings.remindBeforeExpiryMs);
    if (expiring) found.push([expiring, linksExpiringNotice(org.name, expiring.detail, ctx)]);

    const results: AlertResult[] = [];
    for (const [occurrence, notice] of found) {
      const result = await this.announceAlert(occurrence.kind, occurrence.occurrence, notice, state);
      if (result) results.push(result);
    }
    return [...results, ...(await this.resumeAlerts(state, found.map(([o]) => o.kind)))];
  }

  /** Calls /backup only when its answer can change, and caches it. */
  private async refreshSchedule(state: WatchState): Promise<WatchState> {
    if (!needsBackupDetails(state.schedule, this.now(), this.settings.overdueGraceMs)) return state;
    const schedule = cacheSchedule(await this.deps.zoho.getBackupDetails(), state.schedule, this.now());
    return (await this.announcer.mutate((fresh) => ({ ...fresh, schedule }))) ?? { ...state, schedule };
  }

  /** An alert a channel missed earlier (here or in the archive), whatever the detectors say now. */
  private async resumeAlerts(state: WatchState, handled: AlertKind[]): Promise<AlertResult[]> {
    const results: AlertResult[] = [];
    // The announcer re-reads before it claims, so a stale snapshot can only cost a no-op.
    const records = Object.entries(state.alerts ?? {}) as Array<[string, AlertRecord]>;
    for (const [key, record] of records) {
      if (handled.includes(key as AlertKind) || this.announcer.pendingChannels(record.deliveries).length === 0) continue;
      const deliveries = await this.announcer.announce(alertTarget(record.kind, record.occurrence, record.notice, this.now(), key), record.notice);
      if (deliveries) results.push({ kind: record.kind, occurrence: record.occurrence, summary: record.notice.summary, deliveries });
    }
    return results;
  }

  private async announceAlert(kind: AlertKind, occurrence: string, notice: Notice, known?: WatchState): Promise<AlertResult | undefined> {
    const record = known?.alerts?.[kind];
    if (record?.occurrence === occurrence && this.announcer.pendingChannels(record.deliveries).length === 0) return undefined;
    const deliveries = await this.announcer.announce(alertTarget(kind, occurrence, notice, this.now()), notice);
    return deliveries && { kind, occurrence, summary: notice.summary, deliveries };
  }

  /** The monitor's own health: one alert per incident, one "recovered" when it ends. */
  private async announceHealth(state: WatchState): Promise<AlertResult[]> {
    const incident = state.health?.incident;
    if (!incident?.alerted) return [];
    const ctx = this.messageContext();
    const [kind, notice] = incident.resolvedAt
      ? (['monitor-recovered', monitorRecoveredNotice(this.deps.org.name, incident, ctx)] as const)
      : (['monitor-unhealthy', monitorUnhealthyNotice(this.deps.org.name, incident, state.health?.consecutiveFailures ?? 1, ctx)] as const);
    const result = await this.announceAlert(kind, incident.since, notice, state);
    return result ? [result] : [];
  }

  // ---- bookkeeping --------------------------------------------------------------------

  private async recordCheck(report: CheckReport): Promise<void> {
    const at = report.checkedAt;
    const checkFailure = report.outcome === 'failed' ? report.error : undefined;
    const firstError = failuresOf(report)[0];
    try {
      const written = await this.announcer.mutate((state) => ({
        ...state,
        watchingSince: state.watchingSince ?? (report.ok ? at : undefined),
        lastCheck: { at, outcome: report.outcome },
        ...(report.ok ? { lastSuccessAt: at } : {}),
        ...(firstError ? { lastError: { at, ...firstError } } : {}),
        health: nextHealth(state.health, checkFailure, this.now(), this.settings.alertAfterFailures),
      }));
      if (written) report.alerts.push(...(await this.announceHealth(written)));
    } catch (error) {
      // The check itself is reported either way; only its bookkeeping is lost.
      this.log.warn(`could not record the check: ${describeError(error).message}`);
    }
  }

  private async readState(): Promise<WatchState> {
    return (await this.deps.store.read<WatchState>(this.deps.org.key, 'watch'))?.value ?? {};
  }

  private messageContext(): MessageContext {
    return { timezone: this.deps.timezone, now: this.now() };
  }

  private report(decision: Decision): CheckReport {
    const calls = this.deps.zoho.calls;
    const alertDeliveryFailed = (decision.alerts ?? []).some((a) => a.deliveries.some((d) => d.result === 'failed'));
    return {
      ok: decision.outcome !== 'failed' && decision.outcome !== 'delivery-failed' && !alertDeliveryFailed,
      checkedAt: this.started.toISOString(),
      durationMs: this.now().getTime() - this.started.getTime(),
      deliveries: [],
      alerts: [],
      ...decision,
      zohoCalls: {
        history: calls['backup/history'] - this.callsBefore['backup/history'],
        urls: calls['backup/urls'] - this.callsBefore['backup/urls'],
        details: calls.backup - this.callsBefore.backup,
        tokenRefreshes: (this.deps.tokens?.mintedCount ?? 0) - this.tokensBefore,
      },
    };
  }

  private emit(report: CheckReport): void {
    const { telemetry } = this;
    const summary = { outcome: report.outcome, historyId: report.backup?.historyId ?? '', org: this.deps.org.name };
    if (report.outcome === 'announced') telemetry.event('BackupAnnounced', summary);
    const failedDeliveries = [...report.deliveries, ...report.alerts.flatMap((a) => a.deliveries)].filter((d) => d.error);
    for (const d of failedDeliveries) telemetry.event('DeliveryFailed', { ...summary, channel: d.channel, code: d.error!.code });
    for (const a of report.alerts) telemetry.event('AlertRaised', { ...summary, kind: a.kind, occurrence: a.occurrence });
    if (report.outcome === 'failed') telemetry.event('CheckFailed', { ...summary, code: report.error?.code ?? '' });
    telemetry.metric('CheckDurationMs', report.durationMs);
    telemetry.metric('ZohoApiCalls', report.zohoCalls.history + report.zohoCalls.urls + report.zohoCalls.details);
    telemetry.metric('ZohoTokenRefreshes', report.zohoCalls.tokenRefreshes);
    const line = `backup check: ${report.outcome}`;
    const props = { ...summary, error: report.error?.code, alerts: report.alerts.map((a) => a.kind), zohoCalls: report.zohoCalls };
    if (report.ok) this.log.info(line, props);
    else this.log.error(line, props);
  }
}

/** The backup in state.backup, keyed by its history row id. */
function backupTarget(candidate: TrackedBackup): AnnouncementTarget {
  return {
    find: (state) => (state.backup?.historyId === candidate.historyId ? state.backup.deliveries : undefined),
    // Never step back: if the fresh state tracks a newer backup, this one is history.
    adopt: (state) =>
      state.backup && Date.parse(state.backup.logTime) >= Date.parse(candidate.logTime) ? undefined : { ...state, backup: candidate },
    record: (state, channel, delivery) => {
      const backup = state.backup!;
      const announcedAt = backup.announcedAt ?? (delivery.status === 'delivered' ? delivery.at : undefined);
      return { ...state, backup: { ...backup, announcedAt, deliveries: { ...backup.deliveries, [channel]: delivery } } };
    },
  };
}

function isNewer(row: HistoryRow & { log_time: string }, tracked: TrackedBackup): boolean {
  return row.id !== tracked.historyId && Date.parse(row.log_time) > Date.parse(tracked.logTime);
}

function trackBackup(row: HistoryRow & { log_time: string }, urls: DownloadUrls, now: Date): TrackedBackup {
  const { zgid, jobId } = idsFromLink(urls.data_links[0] ?? urls.attachment_links[0]);
  return {
    historyId: row.id,
    logTime: row.log_time,
    jobId,
    zgid,
    doneBy: row.done_by?.name,
    expiresAt: new Date(urls.expiry_date).toISOString(),
    links: { data: urls.data_links, attachments: urls.attachment_links },
    announce: Date.parse(urls.expiry_date) > now.getTime(),
    deliveries: {},
  };
}

/** /backup/urls serves only the latest links; if they predate this backup, they are the old ones. */
function linksBelongTo(backup: TrackedBackup, row: HistoryRow & { log_time: string }, previous?: TrackedBackup): boolean {
  if (Date.parse(backup.expiresAt) <= Date.parse(row.log_time)) return false;
  return !(previous?.jobId && backup.jobId === previous.jobId);
}

function summarise(backup: TrackedBackup): BackupSummary {
  return {
    historyId: backup.historyId,
    completedAt: backup.logTime,
    jobId: backup.jobId,
    zgid: backup.zgid,
    expiresAt: backup.expiresAt,
    parts: backup.links.data.length + backup.links.attachments.length,
  };
}

/**
 * One check cycle: history -> decide -> urls -> claim -> notify -> record (design §6).
 *
 * - The newest completed backup is found by log_time, whatever order Zoho returns.
 * - Before sending, a run claims the backup with a conditional write; a run that loses the
 *   race sends nothing. Each channel's delivery is recorded as soon as it lands, so a Slack
 *   success and a Teams failure retries only Teams on the next run.
 * - Nothing is advanced on a failure: a Zoho error, a 204 from /backup/urls or a refused
 *   message leaves the work for the next run. A crash between sending and recording may
 *   repeat a message; it never drops one.
 * - A quiet check costs one Zoho call (the history) and, with a cached token, no refresh.
 */
import { randomUUID } from 'node:crypto';
import { describeError } from './errors';
import { type Logger, silentLogger } from './log';
import { backupReadyNotice, idsFromLink } from './notify/backupReady';
import type { Notifier } from './notify/delivery';
import type { Channel, MessageContext, Notice } from './notify/notice';
import { StateConflictError, type StateStore, StateStoreError } from './state/store';
import type { ChannelDelivery, TrackedBackup, WatchState } from './state/watchState';
import { noTelemetry, type Telemetry } from './telemetry';
import type { ZohoCallCounts } from './zoho/client';
import type { DownloadUrls, HistoryRow } from './zoho/schemas';

export interface WatchDeps {
  zoho: {
    listHistory(): Promise<HistoryRow[]>;
    getDownloadUrls(): Promise<DownloadUrls | null>;
    readonly calls: ZohoCallCounts;
  };
  tokens?: { readonly mintedCount: number };
  store: StateStore;
  notifiers: readonly Notifier[];
  org: { key: string; name: string };
  timezone: string;
  now?: () => Date;
  /** Who this run is, in claims. */
  runId?: string;
  /** How long a claim holds off other runs; a crashed run's claim lapses after it. */
  claimTtlMs?: number;
  log?: Logger;
  telemetry?: Telemetry;
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

export interface SafeError {
  code: string;
  message: string;
  hint?: string;
}

export interface DeliveryResult {
  channel: Channel;
  result: 'sent' | 'already-sent' | 'failed' | 'would-send';
  error?: SafeError;
}

export interface BackupSummary {
  historyId: string;
  completedAt: string;
  jobId?: string;
  zgid?: string;
  expiresAt?: string;
  parts?: number;
}

export interface CheckReport {
  outcome: CheckOutcome;
  /** False when a Zoho call, the state store or a delivery failed: the next run retries. */
  ok: boolean;
  checkedAt: string;
  durationMs: number;
  backup?: BackupSummary;
  deliveries: DeliveryResult[];
  zohoCalls: { history: number; urls: number; details: number; tokenRefreshes: number };
  error?: SafeError;
  /** Dry runs only: the exact payloads that would have been posted. */
  preview?: Partial<Record<Channel, unknown>>;
}

type Decision = Pick<CheckReport, 'outcome'> & Partial<Pick<CheckReport, 'backup' | 'deliveries' | 'error' | 'preview'>>;

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
  private readonly runId: string;
  private readonly log: Logger;
  private readonly telemetry: Telemetry;
  private readonly started: Date;
  private readonly callsBefore: ZohoCallCounts;
  private readonly tokensBefore: number;

  constructor(private readonly deps: WatchDeps, private readonly dryRun: boolean) {
    this.now = deps.now ?? (() => new Date());
    this.runId = deps.runId ?? randomUUID();
    this.log = deps.log ?? silentLogger;
    this.telemetry = deps.telemetry ?? noTelemetry;
    this.started = this.now();
    this.callsBefore = { ...deps.zoho.calls };
    this.tokensBefore = deps.tokens?.mintedCount ?? 0;
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
    const tracked = (await this.deps.store.read<WatchState>(this.deps.org.key, 'watch'))?.value.backup;
    const newest = newestCompletedBackup(await this.deps.zoho.listHistory());
    if (!newest) return { outcome: 'no-backup' };
    if (tracked && !isNewer(newest, tracked)) return this.resume(tracked);

    const urls = await this.deps.zoho.getDownloadUrls();
    const backup = urls && trackBackup(newest, urls, this.now());
    // 204, or links that still belong to the previous backup: Zoho is not done preparing them.
    if (!backup || !linksBelongTo(backup, newest, tracked)) return { outcome: 'links-pending', backup: { historyId: newest.id, completedAt: newest.log_time } };
    if (!backup.announce) {
      // First seen after its links expired (e.g. the first run, or the app was down for a week).
      if (!this.dryRun) await this.mutateState((state) => ({ ...state, backup }));
      return { outcome: 'links-expired', backup: summarise(backup) };
    }
    return this.announce(backup);
  }

  /** The newest backup is the one already tracked: finish its announcement if a channel missed it. */
  private resume(tracked: TrackedBackup): Promise<Decision> | Decision {
    const pending = this.pendingChannels(tracked);
    if (!tracked.announce || pending.length === 0 || this.isExpired(tracked)) {
      return { outcome: 'nothing-new', backup: summarise(tracked), deliveries: this.alreadySent(tracked) };
    }
    return this.announce(tracked);
  }

  private async announce(candidate: TrackedBackup): Promise<Decision> {
    const notice = backupReadyNotice(
      {
        orgName: this.deps.org.name,
        completedAt: new Date(candidate.logTime),
        expiresAt: new Date(candidate.expiresAt),
        links: candidate.links,
        zgid: candidate.zgid,
        jobId: candidate.jobId,
        doneBy: candidate.doneBy,
      },
      this.messageContext(),
    );
    if (this.dryRun) return this.preview(candidate, notice);

    const claimed = await this.claim(candidate);
    if (!claimed) return { outcome: 'claimed-elsewhere', backup: summarise(candidate) };
    const deliveries: DeliveryResult[] = [];
    try {
      for (const notifier of this.deps.notifiers) {
        deliveries.push(
          claimed.deliveries[notifier.channel]?.status === 'delivered'
            ? { channel: notifier.channel, result: 'already-sent' }
            : await this.deliver(notifier, notice, claimed),
        );
      }
    } finally {
      await this.releaseClaim();
    }
    const failed = deliveries.some((d) => d.result === 'failed');
    return { outcome: failed ? 'delivery-failed' : 'announced', backup: summarise(claimed), deliveries };
  }

  private preview(candidate: TrackedBackup, notice: Notice): Decision {
    const pending = this.pendingChannels(candidate);
    const preview = Object.fromEntries(pending.map((n) => [n.channel, n.render(notice, this.messageContext())]));
    return {
      outcome: 'dry-run',
      backup: summarise(candidate),
      deliveries: pending.map((n) => ({ channel: n.channel, result: 'would-send' as const })),
      preview,
    };
  }

  /**
   * Takes the backup for this run with a conditional write, deciding again on the fresh
   * state: another run may have claimed it, finished it, or moved on to a newer backup.
   */
  private async claim(candidate: TrackedBackup): Promise<TrackedBackup | undefined> {
    const written = await this.mutateState((state) => {
      const current = state.backup;
      if (this.claimedByOther(state)) return undefined;
      if (current && current.historyId !== candidate.historyId && Date.parse(current.logTime) >= Date.parse(candidate.logTime)) return undefined;
      const backup = current?.historyId === candidate.historyId ? current : candidate;
      if (this.pendingChannels(backup).length === 0) return undefined;
      return { ...state, backup, claim: { owner: this.runId, until: new Date(this.now().getTime() + this.claimTtlMs()).toISOString() } };
    });
    // Only what was actually written counts: an attempt that lost the race decided nothing.
    return written?.claim?.owner === this.runId ? written.backup : undefined;
  }

  private async deliver(notifier: Notifier, notice: Notice, backup: TrackedBackup): Promise<DeliveryResult> {
    const attempts = (backup.deliveries[notifier.channel]?.attempts ?? 0) + 1;
    let result: DeliveryResult;
    let delivery: ChannelDelivery;
    try {
      await notifier.deliver(notifier.render(notice, this.messageContext()));
      result = { channel: notifier.channel, result: 'sent' };
      delivery = { status: 'delivered', at: this.now().toISOString(), attempts };
    } catch (error) {
      const safe = describeError(error);
      result = { channel: notifier.channel, result: 'failed', error: safe };
      delivery = { status: 'failed', at: this.now().toISOString(), code: safe.code, message: safe.message, attempts };
      this.log.warn(`${notifier.channel} delivery failed: ${safe.message}`, { code: safe.code, hint: safe.hint });
    }
    // Recorded at once: if this run dies now, the next one knows this channel is done.
    await this.mutateState((state) =>
      state.backup?.historyId === backup.historyId
        ? { ...state, backup: { ...state.backup, deliveries: { ...state.backup.deliveries, [notifier.channel]: delivery } } }
        : undefined,
    );
    return result;
  }

  private async releaseClaim(): Promise<void> {
    await this.mutateState((state) => (state.claim?.owner === this.runId ? { ...state, claim: undefined } : undefined));
  }

  private async recordCheck(report: CheckReport): Promise<void> {
    const at = report.checkedAt;
    const firstError = report.error ?? report.deliveries.find((d) => d.error)?.error;
    try {
      await this.mutateState((state) => ({
        ...state,
        lastCheck: { at, outcome: report.outcome },
        ...(report.ok ? { lastSuccessAt: at } : {}),
        ...(firstError ? { lastError: { at, ...firstError } } : {}),
      }));
    } catch (error) {
      // The check itself is reported either way; only its bookkeeping is lost.
      this.log.warn(`could not record the check: ${describeError(error).message}`);
    }
  }

  /**
   * Read, change, write with the ETag just read; on a conflict, read again and re-decide.
   * `change` returns undefined when, on the fresh state, there is nothing to write.
   * Returns the state written, or undefined when nothing was.
   */
  private async mutateState(change: (state: WatchState) => WatchState | undefined): Promise<WatchState | undefined> {
    const { store, org } = this.deps;
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const current = await store.read<WatchState>(org.key, 'watch');
      const next = change(current?.value ?? {});
      if (!next) return undefined;
      try {
        await store.write(org.key, 'watch', next, current?.etag);
        return next;
      } catch (error) {
        if (!(error instanceof StateConflictError)) throw error;
      }
    }
    throw new StateStoreError('five writes in a row lost to other runs', 'Too many runs at once: check BACKUP_WATCH_SCHEDULE and how often backupCheck is called.');
  }

  private claimedByOther(state: WatchState): boolean {
    return !!state.claim && state.claim.owner !== this.runId && Date.parse(state.claim.until) > this.now().getTime();
  }

  private pendingChannels(backup: TrackedBackup): Notifier[] {
    return this.deps.notifiers.filter((n) => backup.deliveries[n.channel]?.status !== 'delivered');
  }

  private alreadySent(backup: TrackedBackup): DeliveryResult[] {
    return this.deps.notifiers
      .filter((n) => backup.deliveries[n.channel]?.status === 'delivered')
      .map((n) => ({ channel: n.channel, result: 'already-sent' as const }));
  }

  private isExpired(backup: TrackedBackup): boolean {
    return Date.parse(backup.expiresAt) <= this.now().getTime();
  }

  private claimTtlMs(): number {
    return this.deps.claimTtlMs ?? 10 * 60_000;
  }

  private messageContext(): MessageContext {
    return { timezone: this.deps.timezone, now: this.now() };
  }

  private report(decision: Decision): CheckReport {
    const calls = this.deps.zoho.calls;
    return {
      ok: decision.outcome !== 'failed' && decision.outcome !== 'delivery-failed',
      checkedAt: this.started.toISOString(),
      durationMs: this.now().getTime() - this.started.getTime(),
      deliveries: [],
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
    for (const d of report.deliveries.filter((d) => d.error)) telemetry.event('DeliveryFailed', { ...summary, channel: d.channel, code: d.error!.code });
    if (report.outcome === 'failed') telemetry.event('CheckFailed', { ...summary, code: report.error?.code ?? '' });
    telemetry.metric('CheckDurationMs', report.durationMs);
    telemetry.metric('ZohoApiCalls', report.zohoCalls.history + report.zohoCalls.urls + report.zohoCalls.details);
    telemetry.metric('ZohoTokenRefreshes', report.zohoCalls.tokenRefreshes);
    const line = `backup check: ${report.outcome}`;
    const props = { ...summary, error: report.error?.code, zohoCalls: report.zohoCalls };
    if (report.ok) this.log.info(line, props);
    else this.log.error(line, props);
  }
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

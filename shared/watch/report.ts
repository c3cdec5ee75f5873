/** The check's report, built once from everything that happened, and what it tells telemetry and the log. */
import type { Logger } from '../log';
import type { Telemetry } from '../telemetry';
import type { ZohoCallCounts } from '../zoho/client';
import { type AlertResult, type BackupDecision, type CheckReport, failuresOf } from './types';

interface ReportInput {
  decision: BackupDecision;
  ok: boolean;
  alerts: AlertResult[];
  started: Date;
  finished: Date;
  callsBefore: ZohoCallCounts;
  callsAfter: ZohoCallCounts;
  tokenRefreshes: number;
}

/** A check is ok only when Zoho, the store and every delivery (backup or alert) succeeded. */
export function isOk(decision: BackupDecision, alerts: readonly AlertResult[]): boolean {
  if (decision.outcome === 'failed' || decision.outcome === 'delivery-failed') return false;
  return failuresOf({ deliveries: decision.deliveries ?? [], alerts: [...alerts] }).length === 0;
}

export function buildReport(input: ReportInput): CheckReport {
  const { decision, alerts, callsBefore: before, callsAfter: after } = input;
  return {
    ok: input.ok,
    checkedAt: input.started.toISOString(),
    durationMs: input.finished.getTime() - input.started.getTime(),
    deliveries: [],
    ...decision,
    alerts,
    zohoCalls: {
      history: after['backup/history'] - before['backup/history'],
      urls: after['backup/urls'] - before['backup/urls'],
      details: after.backup - before.backup,
      tokenRefreshes: input.tokenRefreshes,
    },
  };
}

export function emitReport(report: CheckReport, orgName: string, telemetry: Telemetry, log: Logger): void {
  const summary = { outcome: report.outcome, historyId: report.backup?.historyId ?? '', org: orgName };
  if (report.outcome === 'announced') telemetry.event('BackupAnnounced', summary);
  const failedDeliveries = [...report.deliveries, ...report.alerts.flatMap((a) => a.deliveries)].filter((d) => d.error);
  for (const d of failedDeliveries) telemetry.event('DeliveryFailed', { ...summary, channel: d.channel, code: d.error?.code ?? '' });
  for (const a of report.alerts) telemetry.event('AlertRaised', { ...summary, kind: a.kind, occurrence: a.occurrence });
  if (report.outcome === 'failed') telemetry.event('CheckFailed', { ...summary, code: report.error?.code ?? '' });
  telemetry.metric('CheckDurationMs', report.durationMs);
  telemetry.metric('ZohoApiCalls', report.zohoCalls.history + report.zohoCalls.urls + report.zohoCalls.details);
  telemetry.metric('ZohoTokenRefreshes', report.zohoCalls.tokenRefreshes);
  const line = `backup check: ${report.outcome}`;
  const props = { ...summary, error: report.error?.code, alerts: report.alerts.map((a) => a.kind), zohoCalls: report.zohoCalls };
  if (report.ok) log.info(line, props);
  else log.error(line, props);
}

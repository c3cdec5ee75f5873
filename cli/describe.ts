/** What the command line prints: a check's report, its failures, and the stored status, in NOTIFY_TIMEZONE. */
import type { SafeError } from '../shared/errors';
import { contentsLine } from '../shared/notify/contentsNotices';
import { formatDateTime, formatRelative } from '../shared/notify/notice';
import type { StatusLine, StatusView } from '../shared/status';
import { type CheckReport, failuresOf } from '../shared/watch/types';

export function describeReport(report: CheckReport, timezone: string): string {
  const lines = [`Check: ${report.outcome}`];
  const { backup } = report;
  if (backup) {
    lines.push(
      `Backup: completed ${formatDateTime(new Date(backup.completedAt), timezone)} (history ${backup.historyId}${backup.jobId ? `, job ${backup.jobId}` : ''})`,
    );
    if (backup.expiresAt)
      lines.push(
        `Links expire: ${formatDateTime(new Date(backup.expiresAt), timezone)} (${formatRelative(new Date(backup.expiresAt), new Date(), timezone)}), ${backup.parts ?? 0} files`,
      );
  }
  for (const d of report.deliveries) lines.push(`  ${d.channel}: ${d.result}${d.error ? ` (${d.error.message})` : ''}`);
  for (const a of report.alerts)
    lines.push(`Alert ${a.kind}: ${a.summary} [${a.deliveries.map((d) => `${d.channel} ${d.result}`).join(', ')}]`);
  const calls = report.zohoCalls;
  lines.push(
    `Zoho API calls: ${calls.history + calls.urls + calls.details} (history ${calls.history}, urls ${calls.urls}, backup schedule ${calls.details}); token refreshes: ${calls.tokenRefreshes}`,
  );
  return lines.join('\n');
}

export function describeFailure(report: CheckReport): string {
  return failuresOf(report).map(describeSafeError).join('\n');
}

/** "error CODE: message" and, when there is one, "  what to do: hint": every failure the command line prints. */
export function describeSafeError(error: SafeError): string {
  return `error ${error.code}: ${error.message}${error.hint ? `\n  what to do: ${error.hint}` : ''}`;
}

export function describeStatus(status: StatusView, timezone: string): string {
  const when = (at: string | undefined) => (at ? `at ${formatDateTime(new Date(at), timezone)}` : '');
  const lines = [`Org: ${status.org}`, `State: ${status.state}`];
  if (!status.backup) lines.push('No backup announced yet.');
  else {
    const b = status.backup;
    lines.push(
      `Last backup: completed ${formatDateTime(new Date(b.completedAt), timezone)} (history ${b.historyId}${b.jobId ? `, job ${b.jobId}` : ''})`,
    );
    lines.push(
      `Links: ${b.expired ? 'expired' : 'expire'} ${formatDateTime(new Date(b.expiresAt), timezone)} (${b.expires})${b.announced ? '' : ', not announced (already expired when first seen)'}`,
    );
    for (const [channel, d] of Object.entries(b.deliveries))
      lines.push(`  ${channel}: ${d?.status} ${when(d?.at)}${d?.message ? ` (${d.message})` : ''}`);
    for (const url of [...b.links.data, ...b.links.attachments]) lines.push(`  ${url}`);
    if (b.archive) {
      lines.push(
        `Archive: ${b.archive.container}/${b.archive.prefix}/${b.archive.completedAt ? ` (complete ${when(b.archive.completedAt)})` : ''}`,
      );
      for (const [file, part] of Object.entries(b.archive.parts))
        lines.push(
          `  ${file}: ${part.status}${part.size !== undefined ? `, ${part.size} bytes` : ''}${part.error ? ` (${part.error})` : ''}`,
        );
    }
  }
  if (status.lastVerified)
    lines.push(
      `Last drill: ${formatDateTime(new Date(status.lastVerified.at), timezone)}, ${status.lastVerified.ok ? 'every part still matches its manifest' : `does not read: ${(status.lastVerified.problems ?? []).join('; ')}`}`,
    );
  if (status.contents) {
    const c = status.contents;
    const attachments = c.attachments.files ? `; ${c.attachments.files} attachments` : '';
    lines.push(`Contents of the backup of ${formatDateTime(new Date(c.completedAt), timezone)}: ${contentsLine(c.modules)}${attachments}`);
  }
  for (const alert of status.alerts) {
    const channels = Object.entries(alert.deliveries)
      .map(([c, d]) => `${c} ${d?.status}`)
      .join(', ');
    lines.push(`Alert ${alert.kind} (${when(alert.raisedAt)}): ${alert.summary}${channels ? ` [${channels}]` : ''}`);
  }
  const incident = status.health.incident;
  if (incident && !incident.resolvedAt)
    lines.push(`Monitor unhealthy since ${when(incident.since)}: ${incident.code} (${status.health.consecutiveFailures} failed checks)`);
  if (status.schedule) lines.push(describeSchedule(status, when));
  lines.push(`Last check: ${status.lastCheck ? `${status.lastCheck.outcome} ${when(status.lastCheck.at)}` : 'never'}`);
  if (status.lastError) lines.push(`Last error: ${status.lastError.code} ${when(status.lastError.at)}: ${status.lastError.message}`);
  if (status.checkInProgress) lines.push('A check is announcing right now.');
  if (status.zohoApi) lines.push(`Zoho API: ${status.zohoApi.domain} (from ${status.zohoApi.source})`);
  return lines.join('\n');
}

/** One org on one line: whether it is well, its last backup and when its links expire. */
const SCHEDULE_STATES: Record<string, string> = { NONE: 'none scheduled', STOPPED: 'stopped', SCHEDULED: 'scheduled' };

/**
 * What Zoho's /backup said when it was last read (at most daily, as it costs a credit), and a
 * stop the history showed since, which that reading may not know of yet.
 */
function describeSchedule(status: StatusView, when: (at: string | undefined) => string): string {
  const schedule = status.schedule as NonNullable<StatusView['schedule']>;
  const state = SCHEDULE_STATES[schedule.status] ?? schedule.status.toLowerCase();
  const next = schedule.scheduledDate ? `, next ${when(schedule.scheduledDate)}` : '';
  const stop = status.alerts.find((a) => a.kind === 'schedule-stopped' && a.raisedAt > schedule.checkedAt);
  const since = stop && schedule.status !== 'STOPPED' ? `; the history shows it stopped ${when(stop.raisedAt)}` : '';
  return `Schedule: ${state}${next} (as Zoho's /backup said ${when(schedule.checkedAt)})${since}`;
}

export function describeStatusLine(line: StatusLine, timezone: string): string {
  const at = (iso: string | null) => (iso ? formatDateTime(new Date(iso), timezone) : 'none yet');
  const health = line.ok ? 'ok' : `FAILING (${line.error ?? line.lastCheck?.outcome})`;
  const alerts = line.openAlerts > 0 ? `, ${line.openAlerts} alert${line.openAlerts === 1 ? '' : 's'}` : '';
  return `${line.org}: ${health}; last backup ${at(line.lastBackupAt)}, links expire ${at(line.linksExpireAt)}${alerts}`;
}

/** What an archived backup holds, for its message, and the data-loss alarm (records that vanished). */
import type { BackupContents, ModuleRecords, RecordDrop } from '../inspect/backupContents';
import { formatDateTime, type MessageContext, type Notice } from './notice';

/** Modules named in a message; the rest are counted ("and 12 more"), and all are in manifest.json. */
const MODULES_SHOWN = 8;

export const formatCount = (n: number) => n.toLocaleString('en-US');
const signed = (n: number) => (n > 0 ? `+${formatCount(n)}` : n < 0 ? `-${formatCount(-n)}` : '±0');

/** "14 modules, 45,210 records: Leads 12,034 (+120), Contacts 8,210 (-3,400), ... and 6 more" */
export function contentsLine(modules: ReadonlyArray<ModuleRecords & { change?: number }>): string {
  const total = modules.reduce((sum, m) => sum + m.records, 0);
  const largest = [...modules].sort((a, b) => b.records - a.records || a.module.localeCompare(b.module));
  const shown = largest
    .slice(0, MODULES_SHOWN)
    .map((m) => `${m.module} ${formatCount(m.records)}${m.change === undefined ? '' : ` (${signed(m.change)})`}`);
  const more = modules.length > MODULES_SHOWN ? ` and ${modules.length - MODULES_SHOWN} more` : '';
  const noun = modules.length === 1 ? 'module' : 'modules';
  return `${formatCount(modules.length)} ${noun}, ${formatCount(total)} records${shown.length ? `: ${shown.join(', ')}${more}` : ''}`;
}

export function attachmentsLine(attachments: BackupContents['attachments'], formatBytes: (n: number) => string): string {
  return `${formatCount(attachments.files)} ${attachments.files === 1 ? 'file' : 'files'}, ${formatBytes(attachments.bytes)}`;
}

interface DropReport {
  orgName: string;
  drops: readonly RecordDrop[];
  completedAt: string;
  previousCompletedAt: string;
  /** Where the previous backup is archived, when it is. */
  previousLocation?: string;
}

const percentLost = (d: RecordDrop) => Math.round(((d.before - d.after) * 100) / d.before);

export function recordsDroppedNotice(report: DropReport, ctx: MessageContext): Notice {
  const when = formatDateTime(new Date(report.completedAt), ctx.timezone);
  const before = formatDateTime(new Date(report.previousCompletedAt), ctx.timezone);
  // The largest losses first; a message names at most MODULES_SHOWN (Teams takes about 28 KB a card).
  const drops = [...report.drops].sort((a, b) => b.before - b.after - (a.before - a.after)).slice(0, MODULES_SHOWN);
  const more = report.drops.length > drops.length ? ` and ${report.drops.length - drops.length} more modules` : '';
  const lines = drops.map((d) => `${d.module} ${formatCount(d.before)} → ${formatCount(d.after)} (-${percentLost(d)}%)`);
  const holder = report.previousLocation ? `the archived backup of ${before} (${report.previousLocation}/)` : `the backup of ${before}`;
  return {
    title: 'Zoho CRM records missing',
    tone: 'danger',
    summary: `The ${report.orgName} backup of ${when} holds far fewer records than the one of ${before}: ${lines.join('; ')}${more}.`,
    facts: [
      { label: 'Org', value: report.orgName },
      { label: 'Backups compared', value: `${before} → ${when}` },
      ...drops.map((d) => ({
        label: d.module,
        value: `${formatCount(d.before)} → ${formatCount(d.after)} records (-${formatCount(d.before - d.after)}, -${percentLost(d)}%)`,
      })),
    ],
    links: [],
    note:
      "What to do: if the records were not meant to go, look in Zoho CRM's Recycle Bin, which keeps deleted records for a limited time, " +
      `and restore them from there; ${holder} still holds them. If the drop was intended (a clean-up), there is nothing to do.`,
  };
}

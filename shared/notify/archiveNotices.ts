/** The archive's messages: where a backup is kept once every part landed, and a part that could not be copied. */
import type { BackupContents, ModuleRecords } from '../inspect/backupContents';
import type { TrackedBackup } from '../state/watchState';
import { attachmentsLine, contentsLine, formatCount } from './contentsNotices';
import { formatDateTime, type MessageContext, type Notice } from './notice';

function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

export function archivedNotice(
  orgName: string,
  location: string,
  totalSize: number,
  files: number,
  backup: TrackedBackup,
  ctx: MessageContext,
  /** What the parts hold, each module with its change since the previous inspected backup. */
  contents?: { modules: ReadonlyArray<ModuleRecords & { change?: number }>; attachments: BackupContents['attachments'] },
): Notice {
  const records = contents && contentsLine(contents.modules);
  const attachments = contents && contents.attachments.files > 0 ? attachmentsLine(contents.attachments, formatBytes) : undefined;
  const attached = contents?.attachments.files ? `${formatCount(contents.attachments.files)} attachments` : undefined;
  const inside = [records, attached].filter(Boolean).join('; ');
  return {
    title: 'Zoho CRM backup archived',
    tone: 'good',
    summary: `The ${orgName} backup of ${formatDateTime(new Date(backup.logTime), ctx.timezone)} is archived${contents ? ' and verified' : ''}: ${files} files, ${formatBytes(totalSize)}${inside ? `; ${inside}` : ''}.`,
    facts: [
      { label: 'Org', value: orgName },
      { label: 'Location', value: `${location}/ (with manifest.json: each file's size and SHA-256, and the records per module)` },
      { label: 'Total size', value: formatBytes(totalSize) },
      ...(records ? [{ label: 'Records', value: records }] : []),
      ...(attachments ? [{ label: 'Attachments', value: attachments }] : []),
    ],
    links: [],
    note: "This copy does not expire with Zoho's links: it is kept for ARCHIVE_RETENTION_DAYS (moved to the Cool tier after 30 days).",
  };
}

export function archiveFailedNotice(
  orgName: string,
  fileName: string,
  reason: string,
  expiresAt: string | undefined,
  ctx: MessageContext,
): Notice {
  const deadline = expiresAt ? ` before ${formatDateTime(new Date(expiresAt), ctx.timezone)}, when Zoho's link expires` : '';
  return {
    title: 'Zoho CRM backup part not archived',
    tone: 'danger',
    summary: `${fileName} of the ${orgName} backup could not be archived: ${reason}.`,
    facts: [
      { label: 'Org', value: orgName },
      { label: 'File', value: fileName },
    ],
    links: [],
    note: `What to do: download ${fileName} yourself from the "backup ready" message${deadline}; check backupStatus and the function logs for the cause.`,
  };
}

/** The drill read an archived copy again and it no longer matches what was archived. */
export function copyUnreadableNotice(
  orgName: string,
  backupCompletedAt: string,
  where: string,
  problems: string[],
  ctx: MessageContext,
): Notice {
  const when = formatDateTime(new Date(backupCompletedAt), ctx.timezone);
  return {
    title: 'Zoho CRM archived copy no longer reads',
    tone: 'danger',
    summary: `The archived copy of the ${orgName} backup of ${when} no longer matches what was archived: ${problems.slice(0, 3).join('; ')}.`,
    facts: [
      { label: 'Org', value: orgName },
      { label: 'Backup', value: when },
      { label: 'Where', value: where },
    ],
    links: [],
    note: 'What to do: restore from another generation ("zoho-backup-notifier archive list"), and find out what changed the storage: the archive is write-once, so this should not happen. README "Restore".',
  };
}

/** The "backup ready" notice: what completed, when its links expire, one link per zip part. */
import { formatDateTime, formatRelative, type MessageContext, type Notice } from './notice';

interface BackupLinks {
  data: string[];
  attachments: string[];
}

interface BackupReady {
  orgName: string;
  completedAt: Date;
  expiresAt: Date;
  links: BackupLinks;
  /** Zoho's org id and backup job id, read from the links. */
  zgid?: string;
  jobId?: string;
  doneBy?: string;
  /** With the archive on: where the parts are being copied. */
  archiveLocation?: string;
}

/** Label every part "Data 1 of 2", "Attachments 1 of 1" so a reader knows none is missing. */
export function labelledParts(links: BackupLinks): Array<{ label: string; url: string }> {
  const label = (kind: string, urls: string[]) => urls.map((url, i) => ({ label: `${kind} ${i + 1} of ${urls.length}`, url }));
  return [...label('Data', links.data), ...label('Attachments', links.attachments)];
}

/** Zoho's links look like https://download-accl.zoho.com/v2/crm/{zgid}/backup/{jobId}/Data_001.zip */
export function idsFromLink(url: string | undefined): { zgid?: string; jobId?: string } {
  const match = url?.match(/\/crm\/(\d+)\/backup\/(\d+)\//);
  return match ? { zgid: match[1], jobId: match[2] } : {};
}

/**
 * The same notice for a channel that never got the backup before this one: it says so, and
 * repeats that backup's links while they still work.
 */
export function withMissedBackup(
  notice: Notice,
  missed: { logTime: string; expiresAt: string; links: BackupLinks },
  ctx: MessageContext,
): Notice {
  const completed = formatDateTime(new Date(missed.logTime), ctx.timezone);
  const expiresAt = new Date(missed.expiresAt);
  const valid = expiresAt.getTime() > ctx.now.getTime();
  const expiry = `${valid ? 'expire' : 'expired'} ${formatDateTime(expiresAt, ctx.timezone)} (${formatRelative(expiresAt, ctx.now, ctx.timezone)})`;
  return {
    ...notice,
    facts: [
      ...notice.facts,
      { label: 'Missed here', value: `the backup of ${completed} was not delivered to this channel; its links ${expiry}` },
    ],
    links: [...notice.links, ...(valid ? labelledParts(missed.links).map((l) => ({ ...l, label: `Earlier: ${l.label}` })) : [])],
  };
}

/** "1 data file", "2 data files". */
function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export function backupReadyNotice(backup: BackupReady, ctx: MessageContext): Notice {
  const expires = `${formatDateTime(backup.expiresAt, ctx.timezone)} (${formatRelative(backup.expiresAt, ctx.now, ctx.timezone)})`;
  const parts = labelledParts(backup.links);
  const counts = `${plural(backup.links.data.length, 'data file')}, ${plural(backup.links.attachments.length, 'attachment file')}`;
  return {
    title: 'Zoho CRM backup ready',
    tone: 'good',
    summary: `The ${backup.orgName} backup is ready to download: ${parts.length} ${parts.length === 1 ? 'file' : 'files'}, links expire ${expires}.`,
    facts: [
      { label: 'Org', value: backup.zgid ? `${backup.orgName} (${backup.zgid})` : backup.orgName },
      { label: 'Completed', value: formatDateTime(backup.completedAt, ctx.timezone) },
      { label: 'Links expire', value: expires },
      { label: 'Files', value: counts },
      ...(backup.doneBy ? [{ label: 'Scheduled by', value: backup.doneBy }] : []),
      ...(backup.archiveLocation
        ? [{ label: 'Archive', value: `being copied to ${backup.archiveLocation}/ (a message follows when done)` }]
        : []),
    ],
    links: parts,
    note: 'Downloading needs a Zoho sign-in with access to this org. Zoho deletes the files when the links expire.',
  };
}

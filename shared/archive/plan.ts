/**
 * What the archive copies and where: one queue message per zip part, blob paths
 * `<org>/<backup date>_<job id>/<file>`, and which hosts may receive the Zoho token.
 */

import type { ArchiveProgress, TrackedBackup, WatchState } from '../state/watchState';
import type { DataCentre } from '../zoho/datacentres';
import { type Generation, generationOf } from './retention';

export const ARCHIVE_QUEUE = 'zoho-backup-archive';
export const ARCHIVE_POISON_QUEUE = `${ARCHIVE_QUEUE}-poison`;

export interface ArchivePartMessage {
  orgKey: string;
  historyId: string;
  /** Blob folder of this backup: `<org>/<backup date>_<job id>`. */
  prefix: string;
  fileName: string;
  url: string;
}

export function archivePrefix(backup: Pick<TrackedBackup, 'zgid' | 'jobId' | 'historyId' | 'logTime'>, orgKey: string): string {
  const date = new Date(backup.logTime).toISOString().slice(0, 10);
  return `${backup.zgid ?? orgKey}/${date}_${backup.jobId ?? backup.historyId}`;
}

/**
 * The backup's generation, from the backup archived before it: the latest inspected one, or
 * the one before that once this backup is the latest. The watch (queueing) and the worker
 * (which may run first) decide it alike.
 */
export function archiveGenerationOf(state: WatchState, backup: Pick<TrackedBackup, 'historyId' | 'logTime'>, timeZone: string): Generation {
  const previous = state.inspected?.historyId === backup.historyId ? state.inspectedBefore : state.inspected;
  return generationOf(new Date(backup.logTime), previous ? new Date(previous.completedAt) : undefined, timeZone);
}

/** A backup's archive progress before any part is stored: every part queued, at `at`. */
export function progressFromLinks(
  state: WatchState,
  backup: TrackedBackup,
  where: { container: string; prefix: string; at: Date; timeZone: string },
): ArchiveProgress {
  const at = where.at.toISOString();
  const files = [...backup.links.data, ...backup.links.attachments].map(fileNameOf);
  return {
    container: where.container,
    prefix: where.prefix,
    queuedAt: at,
    parts: Object.fromEntries(files.map((f) => [f, { status: 'queued' as const, at }])),
    generation: archiveGenerationOf(state, backup, where.timeZone),
  };
}

export function fileNameOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
}

export function archiveMessages(backup: TrackedBackup, orgKey: string): ArchivePartMessage[] {
  const prefix = archivePrefix(backup, orgKey);
  return [...backup.links.data, ...backup.links.attachments].map((url) => ({
    orgKey,
    historyId: backup.historyId,
    prefix,
    fileName: fileNameOf(url),
    url,
  }));
}

/** The domain of each data centre's download hosts (download.zoho.eu, download-accl.zoho.com, ...). */
const DOWNLOAD_DOMAINS: Record<DataCentre, string> = {
  us: 'zoho.com',
  eu: 'zoho.eu',
  in: 'zoho.in',
  au: 'zoho.com.au',
  jp: 'zoho.jp',
  ca: 'zohocloud.ca',
  cn: 'zoho.com.cn',
  sa: 'zoho.sa',
};

/**
 * May the Zoho token go to this URL? Only https download*.<DC domain> hosts, or exactly the
 * origins configured in ZOHO_DOWNLOAD_HOSTS (tests and sandboxes).
 */
export function isTrustedDownloadUrl(url: string, dc: DataCentre, overrideOrigins: readonly string[]): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (overrideOrigins.length > 0) return overrideOrigins.includes(parsed.origin);
  const domain = DOWNLOAD_DOMAINS[dc].replace(/\./g, '\\.');
  return parsed.protocol === 'https:' && parsed.port === '' && new RegExp(`^download(-[a-z0-9]+)*\\.${domain}$`).test(parsed.hostname);
}

export function trustedDownloadHostsLabel(dc: DataCentre, overrideOrigins: readonly string[]): string[] {
  return overrideOrigins.length > 0 ? [...overrideOrigins] : [`https://download*.${DOWNLOAD_DOMAINS[dc]}`];
}

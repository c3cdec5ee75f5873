/**
 * ARCHIVE_DIR: the command line archives the tracked backup itself, after the check, with the
 * worker Azure runs per queue message. Every part not archived yet is tried again on each
 * check (an interrupted run resumes there); one that fails is alerted once per backup.
 */
import { describeError } from '../errors';
import type { Logger } from '../log';
import { WatchStateRepository } from '../state/repository';
import { type ArchivePartMessage, archiveMessages } from './plan';
import { type ArchiveDeps, archivePart, type PartOutcome, reportArchiveFailure } from './worker';

interface FolderPartResult {
  file: string;
  outcome: PartOutcome | 'failed';
  error?: string;
}

export async function archiveInFolder(deps: ArchiveDeps, log: Logger, now: Date = new Date()): Promise<FolderPartResult[]> {
  const state = await new WatchStateRepository(deps.store, deps.org.key, deps.org.legacy).read();
  const backup = state.backup;
  if (!backup?.archive || backup.archive.finishedAt || Date.parse(backup.expiresAt) <= now.getTime()) return [];
  // A refused part (a link to another host, a strange name) stays refused.
  const done = new Set(['archived', 'refused']);
  const messages = archiveMessages(backup, deps.org.key);
  const missing = messages.filter((m) => !done.has(backup.archive?.parts[m.fileName]?.status ?? 'queued'));
  // Every part stored but the backup not finished (its manifest failed): one part, found stored, finishes it.
  const pending = missing.length > 0 || !backup.archived ? missing : messages.slice(0, 1);
  const results: FolderPartResult[] = [];
  for (const message of pending) {
    try {
      results.push({ file: message.fileName, outcome: await archivePart({ ...deps, log }, message) });
    } catch (error) {
      // On Azure the queue would retry this part; here the next check does. Say so once now.
      const safe = describeError(error);
      results.push({ file: message.fileName, outcome: 'failed', error: `${safe.code}: ${safe.message}` });
      await reportFolderFailure(deps, log, message, safe.message);
    }
  }
  return results;
}

async function reportFolderFailure(deps: ArchiveDeps, log: Logger, message: ArchivePartMessage, reason: string) {
  await reportArchiveFailure({ ...deps, log }, message, reason).catch((error: unknown) =>
    log.warn(`could not record the archive failure of ${message.fileName}: ${describeError(error).message}`),
  );
}

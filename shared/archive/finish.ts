/**
 * The end of a backup's archive, once its last part landed: the manifest (written again, from the
 * same state, by a worker that finishes it again), the backup's contents remembered for the next one to compare with,
 * one "archived" message with the records per module, and the data-loss alarm when a module
 * lost records since the previous inspected backup.
 */
import type { AlertSettings } from '../defaults';
import { safeUrl } from '../http';
import { type BackupContents, changesSince, contentsOf, type InspectedBackup, recordDrops } from '../inspect/backupContents';
import type { PartInspection } from '../inspect/partInspector';
import { archivedNotice } from '../notify/archiveNotices';
import { recordsDroppedNotice } from '../notify/contentsNotices';
import type { MessageContext, Notice } from '../notify/notice';
import type { WatchStateRepository } from '../state/repository';
import type { AlertKind, ArchiveProgress, TrackedBackup } from '../state/watchState';
import { expiryOf, type Retention } from './retention';

interface FinishDeps {
  repo: WatchStateRepository;
  orgName: string;
  /** Where the archive keeps the backup, as people read it: container/prefix, or a folder. */
  location: string;
  writeManifest(body: string): Promise<void>;
  announce(kind: AlertKind, occurrence: string, notice: Notice): Promise<void>;
  messageContext(): MessageContext;
  alerts: Pick<AlertSettings, 'recordDropPercent' | 'recordDropMin'>;
  retention: Retention;
}

export async function finishArchive(deps: FinishDeps, backup: TrackedBackup, archive: ArchiveProgress): Promise<void> {
  const links = [...backup.links.data, ...backup.links.attachments];
  const parts = Object.entries(archive.parts).map(([file, p]) => ({
    file,
    size: p.size,
    sha256: p.sha256,
    entries: p.inspection?.entries,
    source: safeUrl(links.find((u) => u.endsWith(`/${file}`))),
  }));
  const inspections = Object.values(archive.parts).map((p) => p.inspection);
  // Parts archived by an earlier release were not inspected: no counts rather than wrong ones.
  const contents = inspections.every((i): i is PartInspection => !!i) ? contentsOf(inspections) : undefined;
  const totalSize = parts.reduce((sum, p) => sum + (p.size ?? 0), 0);
  const generation = archive.generation ?? 'daily';
  const archivedAt = new Date(archive.completedAt ?? archive.queuedAt);
  const manifest = {
    org: deps.orgName,
    historyId: backup.historyId,
    jobId: backup.jobId,
    zgid: backup.zgid,
    backupCompletedAt: backup.logTime,
    linksExpireAt: backup.expiresAt,
    location: deps.location,
    completedAt: archive.completedAt,
    totalSize,
    parts,
    generation,
    keptUntil: expiryOf(archivedAt, generation, deps.retention).toISOString(),
    ...contents,
  };
  await deps.writeManifest(`${JSON.stringify(manifest, null, 2)}\n`);
  const previous = contents && (await remember(deps, backup, contents));
  const summary = contents && { modules: changesSince(previous, contents), attachments: contents.attachments };
  const ctx = deps.messageContext();
  await deps.announce(
    'backup-archived',
    backup.historyId,
    archivedNotice(deps.orgName, deps.location, totalSize, parts.length, backup, ctx, summary),
  );
  const drops = previous && contents ? recordDrops(previous, contents, deps.alerts) : [];
  if (drops.length === 0 || !previous) return;
  const report = {
    orgName: deps.orgName,
    drops,
    completedAt: backup.logTime,
    previousCompletedAt: previous.completedAt,
    previousLocation: previous.location,
  };
  await deps.announce('records-dropped', backup.historyId, recordsDroppedNotice(report, ctx));
}

/** Keeps this backup's contents as the latest; answers the previous inspected backup's, to compare with. */
async function remember(deps: FinishDeps, backup: TrackedBackup, contents: BackupContents): Promise<InspectedBackup | undefined> {
  const inspected: InspectedBackup = { historyId: backup.historyId, completedAt: backup.logTime, location: deps.location, ...contents };
  let later = false;
  const written = await deps.repo.mutate((state) => {
    const latest = state.inspected;
    // A backup finished after a newer one was (a slow part): it replaces nothing, and compares with nothing.
    later = !!latest && latest.historyId !== backup.historyId && Date.parse(latest.completedAt) > Date.parse(backup.logTime);
    if (later) return undefined;
    // A second worker finishing the same backup compares with the same previous one.
    const before = latest?.historyId === backup.historyId ? state.inspectedBefore : latest;
    return { ...state, inspected, inspectedBefore: before };
  });
  return later ? undefined : written?.inspectedBefore;
}

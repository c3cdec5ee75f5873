/**
 * `archive prune` for ARCHIVE_DIR: the folder gets the lifecycle rules' retention (Blob
 * storage has them from Azure). Pure planning here, acting in the command: a backup goes once
 * its generation's time is up (counted from when it was archived, with the settings of now, as
 * Azure's rules count); never the newest backup of an org, never one whose manifest does not
 * read, and never one archived before generations (no `generation` in its manifest).
 */
import type { Catalog } from './catalog';
import { expiryOf, type Retention } from './retention';

export interface PrunePlan {
  remove: Array<{ prefix: string; org: string; generation: string; expiredAt: string }>;
  keep: Array<{ prefix: string; reason: string }>;
}

export function planPrune(catalog: Catalog, retention: Retention, now: Date): PrunePlan {
  const plan: PrunePlan = { remove: [], keep: catalog.unreadable.map((u) => ({ prefix: u.prefix, reason: `kept: ${u.problem}` })) };
  // The catalog is oldest first: the last of each org is its newest.
  const newest = new Map(catalog.backups.map((b) => [b.manifest.org, b.prefix]));
  for (const { prefix, manifest } of catalog.backups) {
    const { generation } = manifest;
    if (!generation) {
      plan.keep.push({
        prefix,
        reason: 'kept: archived before generations (no generation in its manifest); remove it by hand if you wish',
      });
      continue;
    }
    const expiry = expiryOf(new Date(manifest.completedAt ?? manifest.backupCompletedAt), generation, retention);
    if (expiry > now) plan.keep.push({ prefix, reason: `${generation}, kept until ${expiry.toISOString().slice(0, 10)}` });
    else if (newest.get(manifest.org) === prefix) plan.keep.push({ prefix, reason: `kept: the newest backup of ${manifest.org}` });
    else plan.remove.push({ prefix, org: manifest.org, generation, expiredAt: expiry.toISOString() });
  }
  return plan;
}

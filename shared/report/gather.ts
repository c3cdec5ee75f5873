/**
 * The report's model: each org's status (one read of its state, as `status` reads it, at
 * bounded concurrency), and its archived backups from one listing of the archive. An org
 * whose state cannot be read gets its panel saying so; the others render.
 */
import type { ArchiveReader, Catalog } from '../archive/catalog';
import { drillKeyOf, readDrillRecords } from '../archive/drillRecord';
import { mapWithConcurrency } from '../concurrency';
import { DEFAULTS } from '../defaults';
import { describeError } from '../errors';
import { sameOrgName } from '../orgName';
import type { StateStore } from '../state/store';
import { readStatus } from '../status';
import { DETAILS_UP_TO, type OrgReport, type ReportModel } from './page';

export interface ReportSources {
  store: StateStore;
  orgs: Array<{ key: string; name: string; legacy?: { key: string } }>;
  /** The archive, when there is one. */
  archive?: ArchiveReader;
  timeZone: string;
  dropPercent?: number;
  now?: Date;
}

/**
 * An overview of many orgs needs each org's newest backup and a count, not every manifest;
 * a few orgs' pages need every backup of theirs, and none of the others'.
 */
async function catalogFor(archive: ArchiveReader, names: string[]): Promise<Catalog> {
  const newest = await archive.catalog({ latestOnly: true });
  if (names.length > DETAILS_UP_TO) return newest;
  const folders = newest.backups.filter((b) => names.some((n) => sameOrgName(n, b.manifest.org))).map((b) => b.prefix.split('/')[0] ?? '');
  return folders.length === 0 ? { backups: [], unreadable: newest.unreadable } : archive.catalog({ folders });
}

export async function gatherReport(sources: ReportSources): Promise<ReportModel> {
  const now = sources.now ?? new Date();
  const catalog = sources.archive
    ? await catalogFor(
        sources.archive,
        sources.orgs.map((o) => o.name),
      )
    : { backups: [], unreadable: [] };
  const drills = await readDrillRecords(sources.store, catalog);
  const orgs = await mapWithConcurrency(sources.orgs, DEFAULTS.statusReadConcurrency, async (org): Promise<OrgReport> => {
    const archived = catalog.backups.filter((b) => sameOrgName(b.manifest.org, org.name));
    const folder = archived[0]?.prefix.split('/')[0];
    const archivedCount = folder && catalog.countsByFolder ? catalog.countsByFolder.get(folder) : undefined;
    const lastDrill = (prefix: string) => drills.get(drillKeyOf(prefix))?.backups[prefix];
    try {
      return {
        name: org.name,
        status: await readStatus(sources.store, org, { now, timezone: sources.timeZone }),
        archived,
        archivedCount,
        lastDrill,
      };
    } catch (error) {
      return { name: org.name, problem: describeError(error).message, archived, archivedCount, lastDrill };
    }
  });
  // A record release 0.1 kept that a check has since adopted is the same org: shown once.
  const shown = orgs.filter((o) => !o.status?.movedTo);
  return { generatedAt: now, timeZone: sources.timeZone, orgs: shown, dropPercent: sources.dropPercent ?? DEFAULTS.recordDropPercent };
}

/**
 * The weekly drill on Azure (functions/archiveDrill.ts): the app's archive container and state
 * store, from the app settings; a copy that no longer reads is alerted once, in the channels
 * of the org whose backup it is (its runtime is built only then).
 */
import { loadArchiveReadSettings } from '../config/partial';
import { DEFAULTS } from '../defaults';
import type { Logger } from '../log';
import { alertTarget, createAnnouncer, recordAndAnnounce } from '../notify/announcer';
import { copyUnreadableNotice } from '../notify/archiveNotices';
import { sameOrgName } from '../orgName';
import { type OrgSources, runtimeOfKey, storeOf, watchedOrgs } from '../orgs/select';
import type { Runtime } from '../runtime';
import { WatchStateRepository } from '../state/repository';
import { type ArchivedBackup, archiveReaderOf } from './catalog';
import { type DrillReport, runDrill } from './drill';

/** The runtime of the org with this name, if it is watched here. */
type RuntimeNamed = (name: string) => Promise<Runtime | undefined>;

/** Finds an org by the name its manifests carry: the settings' org, or a registered one. */
function runtimeNamed(sources: OrgSources): RuntimeNamed {
  return async (name) => {
    const org = (await watchedOrgs(sources)).find((o) => sameOrgName(o.name, name));
    return org ? runtimeOfKey(org.key, sources) : undefined;
  };
}

/** The drill over the app's container, its results in the orgs' state store. */
export async function drillArchive(
  env: Record<string, string | undefined>,
  sources: OrgSources,
  log: Logger,
): Promise<DrillReport | undefined> {
  const store = await storeOf(sources);
  if (!store) return undefined;
  const reader = archiveReaderOf(loadArchiveReadSettings(env).storage);
  const named = runtimeNamed(sources);
  const catalog = await reader.catalog();
  for (const u of catalog.unreadable) log.warn(`archive drill: ${u.prefix}: ${u.problem}`);
  const onBroken = async (backup: ArchivedBackup, problems: string[]) => {
    log.error(`archive drill: ${backup.prefix} no longer reads: ${problems.join('; ')}`);
    const runtime = await named(backup.manifest.org);
    if (runtime) await alertUnreadable(runtime, backup, problems, `${reader.location}, ${backup.prefix}`);
    else log.warn(`archive drill: no org named ${JSON.stringify(backup.manifest.org.slice(0, 100))} is watched here to alert`);
  };
  return runDrill({ reader, store, budgetBytes: DEFAULTS.drillBudgetBytes, onBroken }, catalog);
}

async function alertUnreadable(runtime: Runtime, backup: ArchivedBackup, problems: string[], where: string): Promise<void> {
  const { org, notifiers, timezone } = runtime.watch;
  const repo = new WatchStateRepository(runtime.store, org.key, org.legacy);
  const now = () => new Date();
  const announcer = createAnnouncer({ repo, notifiers, now, log: runtime.log, timezone });
  const notice = copyUnreadableNotice(org.name, backup.manifest.backupCompletedAt, where, problems, { timezone, now: now() });
  const target = alertTarget('archive-unreadable', backup.prefix, notice, now(), `archive-unreadable:${backup.prefix}`);
  await recordAndAnnounce(repo, announcer, target, notice);
}

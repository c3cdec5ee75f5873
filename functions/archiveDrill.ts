/**
 * Timer, weekly (Sundays 03:00 UTC): the drill. Reads archived backups again, those verified
 * longest ago first, up to 20 GB a run, and alerts once, in the org's channels, when a copy no
 * longer matches what was archived (shared/archive/drill.ts). Only with ARCHIVE_ENABLED.
 */
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { hostLogger } from '../shared/log';
import { archiveDrill, type OrgsSource, orgSources, type RuntimeSource, registeredOrgs, settingsOrgRuntime } from '../shared/workerSources';

export function archiveDrillHandler(
  getRuntime: RuntimeSource = settingsOrgRuntime,
  getOrgs: OrgsSource = registeredOrgs,
  env: Record<string, string | undefined> = process.env,
) {
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    if (env.ARCHIVE_ENABLED?.trim().toLowerCase() !== 'true') return;
    const host = hostLogger(context);
    const { drillArchive } = await archiveDrill();
    const report = await drillArchive(env, await orgSources(getRuntime, getOrgs), host);
    if (!report) return;
    const broken = report.read.filter((r) => !r.ok).length;
    host.info(`archive drill: read ${report.read.length} backups again (${report.bytes} bytes), ${broken} no longer read`);
  };
}

app.timer('archiveDrill', {
  schedule: '0 0 3 * * 0',
  runOnStartup: false,
  handler: archiveDrillHandler(),
});

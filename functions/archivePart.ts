/** Queue trigger: archives one zip part of an announced backup (ARCHIVE_ENABLED=true). Failures retry; after 5, the poison queue. */
import { app, type InvocationContext } from '@azure/functions';
import { ARCHIVE_QUEUE } from '../shared/archive/plan';
import { parseArchiveMessage } from '../shared/archive/queue';
import { hostLogger } from '../shared/log';
import {
  archiveWorker,
  type OrgsSource,
  type RuntimeSource,
  registeredOrgs,
  runtimeOfOrg,
  settingsOrgRuntime,
} from '../shared/workerSources';

export function archivePartHandler(getRuntime: RuntimeSource = settingsOrgRuntime, getOrgs: OrgsSource = registeredOrgs) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const part = parseArchiveMessage(message);
    const host = hostLogger(context);
    // The part's own org: its token downloads it, its channels hear about it.
    const runtime = await runtimeOfOrg(part.orgKey, getRuntime, getOrgs);
    if (!runtime?.archive) {
      host.warn(
        runtime
          ? 'archive message ignored: ARCHIVE_ENABLED is not true'
          : `archive message ignored: org ${part.orgKey} is not watched here`,
      );
      return;
    }
    const { archivePart } = await archiveWorker();
    const deps = runtime.archive;
    await runtime.withLog(host, async (log) => {
      const outcome = await archivePart({ ...deps, log }, part);
      log.info(`archive part: ${outcome}`, { dequeueCount: context.triggerMetadata?.dequeueCount });
    });
  };
}

app.storageQueue('archivePart', {
  queueName: ARCHIVE_QUEUE,
  connection: 'AzureWebJobsStorage',
  handler: archivePartHandler(),
});

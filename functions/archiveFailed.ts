/** Queue trigger on the poison queue: a part failed every attempt; record it and alert once, in its org's channels. */
import { app, type InvocationContext } from '@azure/functions';
import { ARCHIVE_POISON_QUEUE } from '../shared/archive/plan';
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

export function archiveFailedHandler(getRuntime: RuntimeSource = settingsOrgRuntime, getOrgs: OrgsSource = registeredOrgs) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const part = parseArchiveMessage(message);
    const runtime = await runtimeOfOrg(part.orgKey, getRuntime, getOrgs);
    if (!runtime?.archive) return;
    const { reportArchiveFailure } = await archiveWorker();
    const deps = runtime.archive;
    await runtime.withLog(hostLogger(context), (log) => reportArchiveFailure({ ...deps, log }, part));
  };
}

app.storageQueue('archiveFailed', {
  queueName: ARCHIVE_POISON_QUEUE,
  connection: 'AzureWebJobsStorage',
  handler: archiveFailedHandler(),
});

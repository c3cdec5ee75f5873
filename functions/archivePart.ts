/** Queue trigger: archives one zip part of an announced backup (ARCHIVE_ENABLED=true). Failures retry; after 5, the poison queue. */
import { app, type InvocationContext } from '@azure/functions';
import { ARCHIVE_QUEUE } from '../shared/archive/plan';
import { parseArchiveMessage } from '../shared/archive/queue';
import { archiveWorker, type RuntimeSource, workerRuntime } from '../shared/functionsHost';
import { hostLogger } from '../shared/log';

export function archivePartHandler(getRuntime: RuntimeSource = workerRuntime) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const runtime = await getRuntime();
    const log = runtime.logger(hostLogger(context));
    if (!runtime.archive) {
      log.warn('archive message ignored: ARCHIVE_ENABLED is not true');
      return;
    }
    const { archivePart } = await archiveWorker();
    const outcome = await archivePart({ ...runtime.archive, log }, parseArchiveMessage(message));
    log.info(`archive part: ${outcome}`, { dequeueCount: context.triggerMetadata?.dequeueCount });
  };
}

app.storageQueue('archivePart', {
  queueName: ARCHIVE_QUEUE,
  connection: 'AzureWebJobsStorage',
  handler: archivePartHandler(),
});

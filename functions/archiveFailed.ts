/** Queue trigger on the poison queue: a part failed every attempt; record it and alert once. */
import { app, type InvocationContext } from '@azure/functions';
import { ARCHIVE_POISON_QUEUE } from '../shared/archive/plan';
import { parseArchiveMessage } from '../shared/archive/queue';
import { archiveWorker, type RuntimeSource, workerRuntime } from '../shared/functionsHost';
import { hostLogger } from '../shared/log';

export function archiveFailedHandler(getRuntime: RuntimeSource = workerRuntime) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const runtime = await getRuntime();
    if (!runtime.archive) return;
    const { reportArchiveFailure } = await archiveWorker();
    await reportArchiveFailure({ ...runtime.archive, log: runtime.logger(hostLogger(context)) }, parseArchiveMessage(message));
  };
}

app.storageQueue('archiveFailed', {
  queueName: ARCHIVE_POISON_QUEUE,
  connection: 'AzureWebJobsStorage',
  handler: archiveFailedHandler(),
});

/** Queue trigger on the poison queue: a part failed every attempt; record it and alert once. */
import { app, type InvocationContext } from '@azure/functions';
import { ARCHIVE_POISON_QUEUE } from '../shared/archive/plan';
import { parseArchiveMessage } from '../shared/archive/queue';
import { archiveWorker, workerRuntime } from '../shared/functionsHost';
import { hostLogger } from '../shared/log';
import type { Runtime } from '../shared/runtime';

export function archiveFailedHandler(getRuntime: () => Runtime = workerRuntime) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const runtime = getRuntime();
    if (!runtime.archive) return;
    const { reportArchiveFailure } = archiveWorker();
    await reportArchiveFailure({ ...runtime.archive, log: runtime.logger(hostLogger(context)) }, parseArchiveMessage(message));
  };
}

app.storageQueue('archiveFailed', {
  queueName: ARCHIVE_POISON_QUEUE,
  connection: 'AzureWebJobsStorage',
  handler: archiveFailedHandler(),
});

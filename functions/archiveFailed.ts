/** Queue trigger on the poison queue: a part failed every attempt; record it and alert once. */
import { app, type InvocationContext } from '@azure/functions';
import { ARCHIVE_POISON_QUEUE } from '../shared/archive/plan';
import { parseArchiveMessage } from '../shared/archive/queue';
import { workerRuntime } from '../shared/lazyRuntime';
import { hostLogger } from '../shared/log';
import type { Runtime } from '../shared/runtime';

export function archiveFailedHandler(getRuntime: () => Runtime = workerRuntime) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const runtime = getRuntime();
    if (!runtime.archive) return;
    // Loaded here, not at the top: every entry file loads when the worker indexes the app,
    // and the worker's dependencies (axios, the Blob SDK) would slow every cold start.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { reportArchiveFailure } = require('../shared/archive/worker') as typeof import('../shared/archive/worker');
    await reportArchiveFailure({ ...runtime.archive, log: runtime.logger(hostLogger(context)) }, parseArchiveMessage(message));
  };
}

app.storageQueue('archiveFailed', {
  queueName: ARCHIVE_POISON_QUEUE,
  connection: 'AzureWebJobsStorage',
  handler: archiveFailedHandler(),
});

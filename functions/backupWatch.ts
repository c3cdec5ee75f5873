/** Timer: runs a backup check on BACKUP_WATCH_SCHEDULE (default every 10 minutes). */
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { CheckFailedError, type RuntimeSource, watchCore, workerRuntime } from '../shared/functionsHost';
import { hostLogger } from '../shared/log';

export function backupWatchHandler(getRuntime: RuntimeSource = workerRuntime) {
  return async (timer: Timer, context: InvocationContext): Promise<void> => {
    const runtime = await getRuntime();
    const log = runtime.logger(hostLogger(context));
    if (timer.isPastDue) log.warn('backupWatch is running late (isPastDue): a host restart or a long previous run delayed it');
    const report = await (await watchCore()).runCheck({ ...runtime.watch, log });
    // A failed check must fail the invocation, or monitoring would see a green timer.
    if (!report.ok) throw new CheckFailedError(report);
  };
}

app.timer('backupWatch', {
  schedule: '%BACKUP_WATCH_SCHEDULE%',
  runOnStartup: false,
  handler: backupWatchHandler(),
});

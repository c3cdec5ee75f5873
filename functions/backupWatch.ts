/**
 * Timer: on BACKUP_WATCH_SCHEDULE (default every 10 minutes) checks the org in the app
 * settings, and queues one check per registered org (orgCheck runs each), so that the
 * app scales out with the number of orgs instead of looping through them here.
 */
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { describeError } from '../shared/errors';
import { hostLogger } from '../shared/log';
import { CheckFailedError } from '../shared/watch/checkFailedError';
import { type OrgsSource, type RuntimeSource, registeredOrgs, settingsOrgRuntime } from '../shared/workerSources';

export function backupWatchHandler(getRuntime: RuntimeSource = settingsOrgRuntime, getOrgs: OrgsSource = registeredOrgs) {
  return async (timer: Timer, context: InvocationContext): Promise<void> => {
    const host = hostLogger(context);
    if (timer.isPastDue) host.warn('backupWatch is running late (isPastDue): a host restart or a long previous run delayed it');
    // The registered orgs first: their checks run on other instances while this one checks its own.
    // A registry that cannot be read must not cost the settings' org its check: fail afterwards.
    let fanOutError: unknown;
    try {
      const orgs = await getOrgs();
      if (orgs) host.info(`queued the checks of ${await orgs.queueChecks()} registered orgs`);
    } catch (error) {
      fanOutError = error;
      host.error(`could not queue the registered orgs' checks: ${describeError(error).message}`);
    }
    const runtime = await getRuntime();
    if (runtime) {
      const report = await runtime.runCheck(host);
      // A failed check must fail the invocation, or monitoring would see a green timer.
      if (!report.ok) throw new CheckFailedError(report);
    }
    if (fanOutError) throw fanOutError;
  };
}

app.timer('backupWatch', {
  schedule: '%BACKUP_WATCH_SCHEDULE%',
  runOnStartup: false,
  handler: backupWatchHandler(),
});

/**
 * Queue trigger: checks one registered org, as the timer queued it. A failed check is that
 * org's: it is recorded in its state and alerted in its channels by the check itself, and the
 * invocation succeeds, because a retry within seconds would only count the same failure again.
 */
import { app, type InvocationContext } from '@azure/functions';
import { hostLogger } from '../shared/log';
import { CHECK_QUEUE, parseOrgCheckMessage } from '../shared/orgs/checkQueue';
import { type OrgsSource, registeredOrgs } from '../shared/workerSources';

export function orgCheckHandler(getOrgs: OrgsSource = registeredOrgs) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const host = hostLogger(context);
    const { orgKey } = parseOrgCheckMessage(message);
    const runtime = await (await getOrgs())?.runtimeFor(orgKey);
    if (!runtime) {
      host.warn(`org ${orgKey} is no longer registered: its queued check is dropped`);
      return;
    }
    const report = await runtime.runCheck(host);
    if (!report.ok) host.error(`the check of ${runtime.org.name} failed: ${report.error?.code ?? 'a delivery failed'}`);
  };
}

app.storageQueue('orgCheck', {
  queueName: CHECK_QUEUE,
  connection: 'AzureWebJobsStorage',
  handler: orgCheckHandler(),
});

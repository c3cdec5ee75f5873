/** HTTP GET /api/backupStatus: the last announced backup, its expiry, deliveries, last check and error. */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { describeError } from '../shared/errors';
import { jsonAnswer, type RuntimeSource, watchCore, withRuntime, workerRuntime } from '../shared/functionsHost';

export function backupStatusHandler(getRuntime: RuntimeSource = workerRuntime) {
  return (_request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> =>
    withRuntime(getRuntime, async (runtime) => {
      try {
        return jsonAnswer(
          200,
          await (await watchCore()).readStatus(runtime.store, runtime.org, {
            zohoApi: await runtime.zohoApi(),
            timezone: runtime.config.timezone,
          }),
        );
      } catch (error) {
        return jsonAnswer(503, { error: describeError(error) });
      }
    });
}

app.http('backupStatus', {
  methods: ['GET'],
  authLevel: 'function',
  handler: backupStatusHandler(),
});

/**
 * HTTP GET /api/backupStatus: with one org, its last announced backup, expiry, deliveries,
 * last check and error; with several, one line each, and ?org=<name or key> for the details.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { mapWithConcurrency } from '../shared/concurrency';
import { DEFAULTS } from '../shared/defaults';
import { describeError } from '../shared/errors';
import { jsonAnswer, orgOfRequest } from '../shared/httpAnswers';
import { storeOf, watchedOrgs } from '../shared/orgs/select';
import { type OrgsSource, orgSources, type RuntimeSource, registeredOrgs, settingsOrgRuntime, statusView } from '../shared/workerSources';

export function backupStatusHandler(getRuntime: RuntimeSource = settingsOrgRuntime, getOrgs: OrgsSource = registeredOrgs) {
  return async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    try {
      const named = request.query.get('org');
      const sources = await orgSources(getRuntime, getOrgs);
      const { readStatus, statusLineOf } = await statusView();
      const orgs = await watchedOrgs(sources);
      // One org, or one named: its details.
      if (named !== null || orgs.length === 1) {
        const { runtime, answer } = await orgOfRequest(named, sources, orgs);
        if (!runtime) return answer;
        const extras = { zohoApi: await runtime.zohoApi(), timezone: runtime.config.timezone };
        return jsonAnswer(200, await readStatus(runtime.store, runtime.org, extras));
      }
      const store = await storeOf(sources);
      const lines = store
        ? await mapWithConcurrency(orgs, DEFAULTS.statusReadConcurrency, async (o) => statusLineOf(await readStatus(store, o), o.key))
        : [];
      return jsonAnswer(200, { orgs: lines });
    } catch (error) {
      // Invalid settings are the deployment's to fix (500); an unreachable store may pass (503).
      const safe = describeError(error);
      return jsonAnswer(safe.code === 'CONFIG_INVALID' ? 500 : 503, { error: safe });
    }
  };
}

app.http('backupStatus', {
  methods: ['GET'],
  authLevel: 'function',
  handler: backupStatusHandler(),
});

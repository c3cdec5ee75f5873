/**
 * HTTP POST /api/backupCheck: run a check now and answer its report; ?dryRun=true renders
 * without sending; ?org=<name or key> picks the org when the app watches several.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { DRY_RUN_INVALID, dryRunOf, failedAnswer, jsonAnswer, orgOfRequest } from '../shared/httpAnswers';
import { hostLogger } from '../shared/log';
import { type OrgsSource, orgSources, type RuntimeSource, registeredOrgs, settingsOrgRuntime } from '../shared/workerSources';

export function backupCheckHandler(getRuntime: RuntimeSource = settingsOrgRuntime, getOrgs: OrgsSource = registeredOrgs) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const dryRun = dryRunOf(request.query);
    // An unreadable dryRun must never fall back to a real send.
    if (dryRun === undefined) return jsonAnswer(400, { error: DRY_RUN_INVALID });
    const chosen = await orgSources(getRuntime, getOrgs)
      .then((sources) => orgOfRequest(request.query.get('org'), sources))
      .catch((error: unknown) => ({ answer: failedAnswer(error), runtime: undefined }));
    if (!chosen.runtime) return chosen.answer;
    const report = await chosen.runtime.runCheck(hostLogger(context), { dryRun });
    // 502: the check ran but Zoho, the state store or a channel failed; the report says which.
    return jsonAnswer(report.ok ? 200 : 502, report);
  };
}

app.http('backupCheck', {
  methods: ['POST'],
  authLevel: 'function',
  handler: backupCheckHandler(),
});

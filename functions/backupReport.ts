/**
 * HTTP GET /api/report: the report page (every org's backups, records and alerts over time),
 * for the deployment's owners signed in with App Service Authentication; 401 for anyone else
 * (shared/report/serveReport.ts says why not a function key).
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { type OrgsSource, orgSources, type RuntimeSource, registeredOrgs, reportView, settingsOrgRuntime } from '../shared/workerSources';

export function backupReportHandler(
  getRuntime: RuntimeSource = settingsOrgRuntime,
  getOrgs: OrgsSource = registeredOrgs,
  env: Record<string, string | undefined> = process.env,
) {
  return async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const { reportAnswer, signedIn, UNAUTHORIZED } = await reportView();
    const principal = request.headers.get('x-ms-client-principal');
    // Nothing is read for a caller who is not signed in.
    const answer = !signedIn(env, principal)
      ? UNAUTHORIZED
      : await reportAnswer(env, await orgSources(getRuntime, getOrgs), { principal, org: request.query.get('org') });
    return { status: answer.status, headers: answer.headers, body: answer.body };
  };
}

app.http('backupReport', {
  methods: ['GET'],
  route: 'report',
  authLevel: 'anonymous',
  handler: backupReportHandler(),
});

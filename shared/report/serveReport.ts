/**
 * The report on Azure (functions/backupReport.ts): only for who signed in through the app's
 * built-in authentication (App Service Authentication with Entra ID). A function key in a URL
 * ends up in browser history and proxy logs, and Microsoft says keys are not for securing HTTP
 * endpoints in production; Easy Auth's sign-in is what Azure admins expect. The page answers
 * only when the platform says authentication is on (WEBSITE_AUTH_ENABLED, which App Service
 * sets) and the request carries the signed-in principal (X-MS-CLIENT-PRINCIPAL, which clients
 * cannot set when it is on). Otherwise 401, and nothing of the page.
 */
import { archiveReaderOf } from '../archive/catalog';
import { loadArchiveReadSettings } from '../config/partial';
import { sameOrgName } from '../orgName';
import { type OrgSources, storeOf, watchedOrgs } from '../orgs/select';
import { gatherReport } from './gather';
import { contentSecurityPolicy } from './html';
import { renderReport } from './page';
import { STYLE } from './style';

export interface ReportAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Headers that keep the page to itself: its own CSP, no sniffing, no caching, no referrer. */
export const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': contentSecurityPolicy(STYLE, true),
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
};

/** For anyone not signed in: nothing of the page, and nothing read to make it. */
export const UNAUTHORIZED: ReportAnswer = {
  status: 401,
  headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'WWW-Authenticate': 'Bearer' },
  body: 'Sign-in required.',
};

export function signedIn(env: Record<string, string | undefined>, principal: string | null): boolean {
  return env.WEBSITE_AUTH_ENABLED?.trim().toLowerCase() === 'true' && !!principal?.trim();
}

export async function reportAnswer(
  env: Record<string, string | undefined>,
  sources: OrgSources,
  request: { principal: string | null; org: string | null },
): Promise<ReportAnswer> {
  if (!signedIn(env, request.principal))
    return {
      status: 401,
      headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
      body: 'Sign-in required.',
    };
  const store = await storeOf(sources);
  const all = await watchedOrgs(sources);
  const orgs = request.org === null ? all : all.filter((o) => sameOrgName(o.name, request.org ?? '') || o.key === request.org);
  if (!store || orgs.length === 0)
    return { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'No such org is watched here.' };
  const archive = env.ARCHIVE_ENABLED?.trim().toLowerCase() === 'true' ? archiveReaderOf(loadArchiveReadSettings(env).storage) : undefined;
  const timeZone = env.NOTIFY_TIMEZONE?.trim() || 'UTC';
  return { status: 200, headers: PAGE_HEADERS, body: renderReport(await gatherReport({ store, orgs, archive, timeZone })) };
}

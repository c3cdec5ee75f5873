/**
 * What the HTTP functions answer, and how they read what a caller asks: which org (?org=) and
 * whether to send (?dryRun). The answer is the shape of @azure/functions' HttpResponseInit that
 * these functions use, kept here so that the core does not import the host's library.
 */
import { describeError, type SafeError } from './errors';
import { sameOrgName } from './orgName';
import { type OrgRef, type OrgSources, runtimeOfKey, watchedOrgs } from './orgs/select';
import type { Runtime } from './runtime';

interface JsonAnswer {
  status: number;
  jsonBody: unknown;
  headers: Record<string, string>;
}

export function jsonAnswer(status: number, body: unknown): JsonAnswer {
  return { status, jsonBody: body, headers: { 'Cache-Control': 'no-store' } };
}

/** The org a request means, or the answer that says why there is none. */
type OrgChoice = { runtime: Runtime; answer?: undefined } | { runtime?: undefined; answer: JsonAnswer };

/**
 * The org an HTTP call means (?org=<name or key>; without it, the settings' org, or the only
 * org watched): its runtime, or the answer: 404 for an unknown org, 400 when several orgs could
 * be meant. `listed` saves a caller that has listed the orgs already a second listing. Invalid
 * settings or an unreachable registry throw: the caller says which status that is.
 */
export async function orgOfRequest(named: string | null, sources: OrgSources, listed?: OrgRef[]): Promise<OrgChoice> {
  // Without ?org=, the settings' own org: the registry need not be listed.
  const own = named === null && !listed ? await sources.settingsRuntime() : undefined;
  if (own) return { runtime: own };
  const orgs = listed ?? (await watchedOrgs(sources));
  const org = named === null ? (orgs.length === 1 ? orgs[0] : undefined) : orgs.find((o) => o.key === named || sameOrgName(o.name, named));
  if (!org)
    return { answer: named === null ? jsonAnswer(400, { error: orgRequired(orgs) }) : jsonAnswer(404, { error: unknownOrg(named, orgs) }) };
  const runtime = await runtimeOfKey(org.key, sources);
  return runtime ? { runtime } : { answer: jsonAnswer(404, { error: unknownOrg(org.name, orgs) }) };
}

/** An error from settings or the registry as an answer: 500, naming what is wrong (never a value). */
export function failedAnswer(error: unknown): JsonAnswer {
  return jsonAnswer(500, { error: describeError(error) });
}

function namesOf(known: OrgRef[]): string {
  return known.map((o) => o.name).join(', ') || '(none yet)';
}

function unknownOrg(named: string, known: OrgRef[]): SafeError {
  return {
    code: 'ORG_UNKNOWN',
    message: `no org here is named ${JSON.stringify(named.slice(0, 100))}`,
    hint: `Name one of: ${namesOf(known)}, or use its key.`,
  };
}

function orgRequired(known: OrgRef[]): SafeError {
  return {
    code: 'REQUEST_INVALID',
    message: `this app watches ${known.length} orgs: say which with ?org=<name or key>`,
    hint: `Name one of: ${namesOf(known)}.`,
  };
}

const YES = ['', '1', 'true', 'yes', 'on'];
const NO = ['0', 'false', 'no', 'off'];

/**
 * ?dryRun as people write it: the name in any case, a bare flag, 1/true/yes/on or 0/false/no/off.
 * Undefined when it is there but unreadable: the caller answers 400 rather than guess.
 */
export function dryRunOf(query: URLSearchParams): boolean | undefined {
  const values = [...query.entries()].filter(([name]) => name.toLowerCase() === 'dryrun').map(([, value]) => value.trim().toLowerCase());
  if (values.length === 0) return false;
  if (values.every((v) => YES.includes(v))) return true;
  if (values.every((v) => NO.includes(v))) return false;
  return undefined;
}

export const DRY_RUN_INVALID: SafeError = {
  code: 'REQUEST_INVALID',
  message: 'dryRun must be true or false (also 1/0, yes/no, on/off, or a bare ?dryRun); nothing was checked or sent',
  hint: 'Call POST /api/backupCheck?dryRun=true to preview, or without dryRun to send.',
};

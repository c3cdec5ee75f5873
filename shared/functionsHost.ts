/**
 * What the function adapters share, and the one place that loads the core lazily. The worker
 * loads every entry file to index the app, so this module imports nothing heavy: the runtime
 * (axios, zod, the storage SDKs) and the archive worker are imported on first invocation.
 * They are dynamic imports, not requires, so that the deployed bundle splits there: each
 * becomes a chunk of its own that the worker does not parse while it indexes the app.
 * Nothing here imports @azure/functions, so the core stays host-agnostic.
 */
import type * as ArchiveWorker from './archive/worker';
import { CodedError, describeError, type SafeError } from './errors';
import { onFirstUse } from './lazy';
import { sameOrgName } from './orgName';
import { type OrgRef, type OrgSources, runtimeOfKey, watchedOrgs } from './orgs/select';
import type { OrgsWorker } from './orgs/worker';
import type { Runtime } from './runtime';
import type * as Status from './status';
import { type CheckReport, failuresOf } from './watch/types';

/**
 * How an adapter gets the runtime of the org in the app settings: the worker's own by default,
 * a test's when one is passed; undefined when the settings name no org of their own.
 */
export type RuntimeSource = () => Runtime | undefined | Promise<Runtime | undefined>;

/**
 * The worker's runtime, built from the app settings on first use and reused by warm
 * invocations; undefined, without loading the core, for a registry-only deployment.
 */
export async function workerRuntime(): Promise<Runtime | undefined> {
  if (!hasSettingsOrg(process.env)) return undefined;
  const { workerRuntimeFromEnv } = await runtimeModule();
  return workerRuntimeFromEnv();
}

/** How an adapter gets the registered orgs: undefined when the app has no registry. */
export type OrgsSource = () => Promise<OrgsWorker | undefined>;

/** The registered orgs (ZOHO_ORGS_VAULT_URI), built on first use. */
export async function workerOrgs(): Promise<OrgsWorker | undefined> {
  // Without a registry, not even its module is loaded.
  if (!process.env.ZOHO_ORGS_VAULT_URI?.trim()) return undefined;
  const { workerOrgsFromEnv } = await orgsModule();
  return workerOrgsFromEnv();
}

/**
 * Whether the app settings name an org of their own: always without a registry (they must),
 * and with one only when ZOHO_CLIENT_ID is set (a registry-only deployment leaves it empty).
 */
function hasSettingsOrg(env: Record<string, string | undefined>): boolean {
  return !!env.ZOHO_CLIENT_ID?.trim() || !env.ZOHO_ORGS_VAULT_URI?.trim();
}

/** The runtime of the org a queue message names: the settings' org, or a registered one. */
export async function runtimeOfOrg(orgKey: string, getRuntime: RuntimeSource, getOrgs: OrgsSource): Promise<Runtime | undefined> {
  return runtimeOfKey(orgKey, await orgSources(getRuntime, getOrgs));
}

/** The orgs an HTTP call may name: the settings' own (when there is one) and the registered ones. */
export async function orgSources(getRuntime: RuntimeSource, getOrgs: OrgsSource): Promise<OrgSources> {
  return { settingsRuntime: async () => getRuntime(), orgs: await getOrgs() };
}

function namesOf(known: OrgRef[]): string {
  return known.map((o) => o.name).join(', ') || '(none yet)';
}

/** ?org= names no org watched here. */
function unknownOrg(named: string, known: OrgRef[]): SafeError {
  return {
    code: 'ORG_UNKNOWN',
    message: `no org here is named ${JSON.stringify(named.slice(0, 100))}`,
    hint: `Name one of: ${namesOf(known)}, or use its key.`,
  };
}

/** The status view, for backupStatus. */
export const statusView: () => Promise<typeof Status> = onFirstUse(() => import('./status.js'));

/** The archive worker, for the queue triggers only: it brings the Blob SDK. */
export const archiveWorker: () => Promise<typeof ArchiveWorker> = onFirstUse(() => import('./archive/worker.js'));

const runtimeModule = onFirstUse(() => import('./runtime.js'));
const orgsModule = onFirstUse(() => import('./orgs/worker.js'));

export interface JsonAnswer {
  status: number;
  jsonBody: unknown;
  headers: Record<string, string>;
}

export function jsonAnswer(status: number, body: unknown): JsonAnswer {
  return { status, jsonBody: body, headers: { 'Cache-Control': 'no-store' } };
}

/**
 * The runtime of the org an HTTP call means (?org=<name or key>; without it, the settings'
 * org, or the only org watched), or the answer that says why there is none: 500 naming the
 * invalid settings (never a value), 404 for an unknown org, 400 when several orgs could be meant.
 */
export async function runtimeForRequest(
  named: string | null,
  getRuntime: RuntimeSource,
  getOrgs: OrgsSource,
): Promise<Runtime | JsonAnswer> {
  try {
    const sources = await orgSources(getRuntime, getOrgs);
    // Without ?org=, the settings' own org: the registry need not be listed.
    const own = named === null ? await sources.settingsRuntime() : undefined;
    if (own) return own;
    return await runtimeOfListedOrg(named, sources, await watchedOrgs(sources));
  } catch (error) {
    return jsonAnswer(500, { error: describeError(error) });
  }
}

/** As runtimeForRequest, for a caller that has listed the orgs already. */
export async function runtimeOfListedOrg(named: string | null, sources: OrgSources, orgs: OrgRef[]): Promise<Runtime | JsonAnswer> {
  const org = named === null ? (orgs.length === 1 ? orgs[0] : undefined) : orgs.find((o) => o.key === named || sameOrgName(o.name, named));
  if (!org) return named === null ? jsonAnswer(400, { error: orgRequired(orgs) }) : jsonAnswer(404, { error: unknownOrg(named, orgs) });
  return (await runtimeOfKey(org.key, sources)) ?? jsonAnswer(404, { error: unknownOrg(org.name, orgs) });
}

export function isAnswer(value: Runtime | JsonAnswer): value is JsonAnswer {
  return 'status' in value && 'jsonBody' in value;
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

/**
 * Thrown by the timer when a check failed, so the invocation counts as failed in Application
 * Insights and the "checks failing" alert can fire. Carries the check's own safe error.
 */
export class CheckFailedError extends CodedError {
  constructor(report: CheckReport) {
    const cause = failuresOf(report)[0];
    super(cause?.code ?? 'CHECK_FAILED', `backup check ${report.outcome}: ${cause?.message ?? 'see the check report'}`, cause?.hint ?? '');
  }
}

/**
 * Where the function adapters get their orgs, and the one place the worker loads the core:
 * the worker loads every entry file to index the app, so this module imports nothing heavy.
 * The runtime (axios, zod, the storage SDKs), the registry, the status view and the archive
 * worker load on first use (shared/lazy.ts), each a chunk of its own in the bundle. Nothing here
 * imports @azure/functions, so the core stays host-agnostic.
 */
import type * as ArchiveDrill from './archive/drillRun';
import type * as ArchiveWorker from './archive/worker';
import { onFirstUse } from './lazy';
import { type OrgSources, runtimeOfKey } from './orgs/select';
import type { OrgsWorker } from './orgs/worker';
import type * as ReportView from './report/serveReport';
import type { Runtime } from './runtime';
import type * as Status from './status';

/** How an adapter gets the runtime of the org in the app settings; undefined when they name none. Tests pass their own. */
export type RuntimeSource = () => Runtime | undefined | Promise<Runtime | undefined>;

/** How an adapter gets the registered orgs: undefined when the app has no registry. */
export type OrgsSource = () => Promise<OrgsWorker | undefined>;

const runtimeModule = onFirstUse(() => import('./runtime.js'));
const orgsModule = onFirstUse(() => import('./orgs/worker.js'));

/**
 * The runtime of the org in the app settings, built on first use and reused by warm
 * invocations; undefined, without loading the core, for a registry-only deployment.
 */
export async function settingsOrgRuntime(): Promise<Runtime | undefined> {
  if (!hasSettingsOrg(process.env)) return undefined;
  return (await runtimeModule()).workerRuntimeFromEnv();
}

/** The registered orgs (ZOHO_ORGS_VAULT_URI), built on first use; without a registry, not even its module loads. */
export async function registeredOrgs(): Promise<OrgsWorker | undefined> {
  if (!process.env.ZOHO_ORGS_VAULT_URI?.trim()) return undefined;
  return (await orgsModule()).workerOrgsFromEnv();
}

/**
 * Whether the app settings name an org of their own: always without a registry (they must),
 * and with one only when ZOHO_CLIENT_ID is set (a registry-only deployment leaves it empty).
 */
function hasSettingsOrg(env: Record<string, string | undefined>): boolean {
  return !!env.ZOHO_CLIENT_ID?.trim() || !env.ZOHO_ORGS_VAULT_URI?.trim();
}

/** The orgs a call may name: the settings' own (when there is one) and the registered ones. */
export async function orgSources(getRuntime: RuntimeSource, getOrgs: OrgsSource): Promise<OrgSources> {
  return { settingsRuntime: async () => getRuntime(), orgs: await getOrgs() };
}

/** The runtime of the org a queue message names: the settings' org, or a registered one. */
export async function runtimeOfOrg(orgKey: string, getRuntime: RuntimeSource, getOrgs: OrgsSource): Promise<Runtime | undefined> {
  return runtimeOfKey(orgKey, await orgSources(getRuntime, getOrgs));
}

/** The status view, for backupStatus. */
export const statusView: () => Promise<typeof Status> = onFirstUse(() => import('./status.js'));

/** The report page, for backupReport only. */
export const reportView: () => Promise<typeof ReportView> = onFirstUse(() => import('./report/serveReport.js'));

/** The drill, for archiveDrill only: it brings the Blob SDK and the zip reader. */
export const archiveDrill: () => Promise<typeof ArchiveDrill> = onFirstUse(() => import('./archive/drillRun.js'));

/** The archive worker, for the queue triggers only: it brings the Blob SDK. */
export const archiveWorker: () => Promise<typeof ArchiveWorker> = onFirstUse(() => import('./archive/worker.js'));

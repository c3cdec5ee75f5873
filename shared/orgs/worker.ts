/**
 * The registered orgs on the Functions worker: the timer queues one check per org (so that
 * Flex Consumption scales out with the number of orgs), and the queue triggers get an org's
 * runtime by its key, built from its registry entry, its secret and the shared app settings,
 * through the same rules as every other org (orgConfig). One shared state store; each org's
 * state, token, health and alerts live under its own key.
 */
import { queueClient } from '../azureStorage';
import { orgConfig } from '../config/orgs';
import { loadRegistrySettings, loadStatusSettings, type RegistrySettings } from '../config/partial';
import { DEFAULTS } from '../defaults';
import { JsonQueue } from '../queueMessages';
import { createRuntime, type Runtime } from '../runtime';
import { createStateStore } from '../state/createStore';
import type { StateStore } from '../state/store';
import { CHECK_QUEUE, CHECK_SEND_CONCURRENCY, type OrgCheckQueue } from './checkQueue';
import { type OrgRegistry, openRegistry } from './registry';
import type { OrgSecretStore } from './secrets';

export interface OrgsWorker {
  /** The registered orgs, by key and name. */
  list(): Promise<Array<{ key: string; name: string }>>;
  /** Where every org's state is kept. */
  store: StateStore;
  /** Queues a check of every registered org; answers how many. */
  queueChecks(): Promise<number>;
  /** The org's runtime, or undefined when it was removed after its check was queued. */
  runtimeFor(orgKey: string): Promise<Runtime | undefined>;
}

export interface OrgsWorkerDeps {
  registry: OrgRegistry;
  secrets: OrgSecretStore;
  queue: OrgCheckQueue;
  store: StateStore;
  /** The shared app settings every org's own fields overlay. */
  env: Record<string, string | undefined>;
  now?: () => number;
}

export function createOrgsWorker(deps: OrgsWorkerDeps): OrgsWorker {
  const now = deps.now ?? Date.now;
  // Warm invocations reuse an org's runtime (its HTTP clients, its scrubber) for a while; a
  // re-added org (new secrets) is seen within that while. The build itself is kept, so that
  // checks of one org arriving together read its secret once and share one runtime.
  const cache = new Map<string, { runtime: Promise<Runtime | undefined>; builtAt: number }>();
  const build = async (orgKey: string): Promise<Runtime | undefined> => {
    const org = await deps.registry.get(orgKey);
    if (!org) return undefined;
    const secrets = await deps.secrets.get(org.secretName);
    const config = orgConfig({ ...org.entry, ...secrets }, deps.env, `registered org ${JSON.stringify(org.entry.name ?? orgKey)}`);
    return createRuntime(config, { store: deps.store });
  };
  return {
    store: deps.store,
    async list() {
      return (await deps.registry.list()).map((o) => ({ key: o.key, name: o.entry.name ?? o.key }));
    },
    async queueChecks() {
      const orgs = await deps.registry.list();
      await deps.queue.enqueue(orgs.map((o) => ({ orgKey: o.key })));
      return orgs.length;
    },
    runtimeFor(orgKey) {
      const cached = cache.get(orgKey);
      if (cached && now() - cached.builtAt < DEFAULTS.orgRuntimeReuseMs) return cached.runtime;
      const entry = { runtime: build(orgKey), builtAt: now() };
      cache.set(orgKey, entry);
      // A failed build or a removed org is not kept: the next check asks again.
      const forget = () => cache.get(orgKey) === entry && cache.delete(orgKey);
      entry.runtime.then((runtime) => runtime ?? forget(), forget);
      return entry.runtime;
    },
  };
}

/**
 * The worker's registry, vault, queue and store from the app settings. The identity, vault
 * and queue clients are built on first use: the timer never reads a secret, and orgCheck
 * never sends a message, so neither instance loads the SDK it does not need.
 */
function orgsWorkerFrom(settings: RegistrySettings, store: StateStore, env: Record<string, string | undefined>): OrgsWorker {
  const { registry, secrets } = openRegistry(settings, settings.storage.kind === 'identity' ? settings.storage.clientId : undefined);
  return createOrgsWorker({
    registry,
    secrets,
    queue: new JsonQueue(() => queueClient(settings.storage, CHECK_QUEUE), CHECK_SEND_CONCURRENCY),
    store,
    env,
  });
}

let workerOrgs: OrgsWorker | null | undefined;

/** The Functions worker's registered orgs, from the app settings; undefined without ZOHO_ORGS_VAULT_URI. */
export function workerOrgsFromEnv(env: Record<string, string | undefined> = process.env): OrgsWorker | undefined {
  if (workerOrgs === undefined) {
    const settings = loadRegistrySettings(env);
    workerOrgs = settings ? orgsWorkerFrom(settings, createStateStore(loadStatusSettings(env).state), env) : null;
  }
  return workerOrgs ?? undefined;
}

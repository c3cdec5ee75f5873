/**
 * Which org an HTTP call or a status view means: the org in the app settings, a registered
 * one, or all of them. People name an org by its name or its key.
 */
import type { Runtime } from '../runtime';
import type { StateStore } from '../state/store';
import type { OrgsWorker } from './worker';

export interface OrgSources {
  /** The settings' own org; undefined from it when the deployment has none. */
  settingsRuntime: () => Promise<Runtime | undefined>;
  orgs?: OrgsWorker;
}

export interface OrgRef {
  key: string;
  name: string;
}

/** Every org watched here: the settings' org first, then the registered ones. */
export async function watchedOrgs(sources: OrgSources): Promise<OrgRef[]> {
  const settings = await sources.settingsRuntime();
  const own = settings ? [settings.org] : [];
  const registered = (await sources.orgs?.list()) ?? [];
  return [...own, ...registered.filter((o) => !own.some((x) => x.key === o.key))];
}

/**
 * The runtime of the org with this key: the settings' own, or a registered one (undefined once
 * removed). A message release 0.1 queued names the settings' org by its old key.
 */
export async function runtimeOfKey(key: string, sources: OrgSources): Promise<Runtime | undefined> {
  const own = await sources.settingsRuntime();
  return own && (own.org.key === key || own.org.legacy?.key === key) ? own : sources.orgs?.runtimeFor(key);
}

/** Where the orgs' state is kept: the same store for all of them. */
export async function storeOf(sources: OrgSources): Promise<StateStore | undefined> {
  return (await sources.settingsRuntime())?.store ?? sources.orgs?.store;
}

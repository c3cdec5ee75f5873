/**
 * A check of every org, for the command line: each org with its own runtime (credentials,
 * token cache, state, health and alerts under its own key) on one shared store, a few at a
 * time. One org's failure is its report's; it never stops or delays the others.
 */
import { mapWithConcurrency } from '../concurrency';
import type { Config } from '../config';
import type { Logger } from '../log';
import { createRuntime } from '../runtime';
import type { StateStore } from '../state/store';
import type { CheckReport } from './types';

interface OrgCheck {
  org: string;
  report: CheckReport;
}

/** How many orgs a laptop checks at once: each check mostly waits on Zoho and the chat services. */
const ORG_CHECK_CONCURRENCY = 4;

export async function checkOrgs(
  configs: Config[],
  deps: { store: StateStore; log: Logger; dryRun?: boolean; concurrency?: number },
): Promise<OrgCheck[]> {
  return mapWithConcurrency(configs, deps.concurrency ?? ORG_CHECK_CONCURRENCY, async (config) => {
    const runtime = createRuntime(config, { log: deps.log, store: deps.store });
    const report = await runtime.runCheck(deps.log, { dryRun: deps.dryRun });
    await runtime.telemetry.flush();
    return { org: config.zoho.orgName, report };
  });
}

/**
 * The worker loads every function entry file to index the app; the runtime's dependencies
 * (axios, zod, the Azure Tables SDK) cost about ten times what @azure/functions does, so the
 * entry files reach the runtime only through this, on their first invocation.
 */
import type { Runtime } from './runtime';

export function workerRuntime(): Runtime {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('./runtime') as typeof import('./runtime')).workerRuntimeFromEnv();
}

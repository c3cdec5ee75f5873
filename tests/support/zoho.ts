/** Builds the real Zoho client stack pointed at a sandbox, with short retry delays. */
import type { ZohoSandbox } from '../../sandbox/zohoSandbox';
import { createRetryingHttp, type RetryingHttpOptions } from '../../shared/http';
import { ZohoBackupClient } from '../../shared/zoho/client';
import { type TokenCache, ZohoTokenProvider } from '../../shared/zoho/tokens';

/** Backoffs are recorded, not waited for: no test sleeps. */
export const backoffsAsked: number[] = [];

export const FAST_RETRIES: RetryingHttpOptions = {
  retries: 2,
  retryBaseDelayMs: 5,
  timeoutMs: 2_000,
  maxRetryAfterMs: 2_000,
  sleep: async (ms) => {
    backoffsAsked.push(ms);
  },
};

export function zohoStack(sandbox: ZohoSandbox, options: { cache?: TokenCache; http?: RetryingHttpOptions; perPage?: number } = {}) {
  const http = createRetryingHttp({ ...FAST_RETRIES, ...options.http });
  const tokens = new ZohoTokenProvider({ accountsUrl: sandbox.url, ...sandbox.clientCredentials }, { http, cache: options.cache });
  const client = new ZohoBackupClient({ apiDomain: sandbox.url, apiVersion: 'v8', tokens, http, perPage: options.perPage });
  return { http, tokens, client };
}

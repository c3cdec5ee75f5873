/**
 * The one axios set-up for outbound calls: a timeout per attempt, no redirects (a redirect
 * would carry the Authorization header to a host we did not choose), raw text bodies (so a
 * non-JSON answer is seen as such), and bounded retries with backoff for 429, 5xx and
 * network errors that honour Retry-After (axios-retry).
 */
import axios, { type AxiosError, type AxiosInstance } from 'axios';
import axiosRetry, { exponentialDelay, retryAfter } from 'axios-retry';
import { callDeadline, remainingMs } from './deadline';
import { DEFAULTS } from './defaults';

export interface RetryingHttpOptions {
  /** Time allowed for one attempt to start answering (axios's timeout: the socket going idle). */
  timeoutMs?: number;
  /** Time allowed for a whole call, retries and a trickling body included; -1 for none (archive downloads). */
  totalTimeoutMs?: number;
  /** Attempts after the first one, for 429, 5xx and network errors only. */
  retries?: number;
  /** First backoff step; doubles on every retry (with jitter). */
  retryBaseDelayMs?: number;
  /** A Retry-After longer than this is not waited for: the call fails now, the next check retries. */
  maxRetryAfterMs?: number;
  /** An answer larger than this is refused; -1 for none (archive downloads, up to 1 GB a part). */
  maxAnswerBytes?: number;
  onRetry?: (retry: { attempt: number; status?: number; url: string; delayMs: number }) => void;
  /** How a backoff waits; tests pass one that returns at once and records the delay asked for. */
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const DEFAULT_HTTP_OPTIONS: Required<Omit<RetryingHttpOptions, 'onRetry' | 'sleep'>> = DEFAULTS.zohoHttp;

export function createRetryingHttp(options: RetryingHttpOptions = {}): AxiosInstance {
  const o = { ...DEFAULT_HTTP_OPTIONS, ...options };
  const http = axios.create({
    timeout: o.timeoutMs,
    maxRedirects: 0,
    maxContentLength: o.maxAnswerBytes,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    validateStatus: (status) => status >= 200 && status < 300,
  });
  // Set before axios-retry sees the call, so the retries share it: a total deadline per call,
  // cut shorter by the deadline of the check the call is made in.
  http.interceptors.request.use((config) => {
    if (!config.signal && o.totalTimeoutMs >= 0) config.signal = callDeadline(o.totalTimeoutMs);
    return config;
  });
  axiosRetry(http, {
    retries: o.retries,
    shouldResetTimeout: true,
    // The backoff (which honours Retry-After) is waited for in onRetry, which axios-retry
    // awaits, so that the wait goes through the injected sleep rather than its own timer.
    retryDelay: () => 0,
    retryCondition: (error) => isTransient(error) && retryAfter(error) <= o.maxRetryAfterMs,
    onRetry: async (attempt, error, config) => {
      const delayMs = exponentialDelay(attempt - 1, error, o.retryBaseDelayMs);
      // A wait that cannot end before the call's deadline (or its check's) ends the call now,
      // with the answer that asked for it: the next check tries again.
      if (delayMs >= remainingMs(config.signal as AbortSignal | undefined)) throw error;
      o.onRetry?.({ attempt, status: error.response?.status, url: safeUrl(config.url), delayMs });
      await (o.sleep ?? realSleep)(delayMs);
    },
  });
  return http;
}

/** axios's error for an answer over maxContentLength: it will not shrink by asking again. */
export function isOversizedAnswer(error: AxiosError): boolean {
  return error.code === 'ERR_BAD_RESPONSE' && /maxContentLength/.test(error.message);
}

function isTransient(error: AxiosError): boolean {
  if (isOversizedAnswer(error)) return false;
  if (!error.response) return error.code !== 'ERR_CANCELED';
  return error.response.status === 429 || error.response.status >= 500;
}

/** Origin and path only: query strings may carry credentials. */
export function safeUrl(url: string | undefined): string {
  if (!url) return '';
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '';
  }
}

/** A short, secret-free reason for a request that got no HTTP answer. */
export function networkReason(error: AxiosError): string {
  if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT') return 'timed out';
  if (error.code === 'ERR_CANCELED') return 'no complete answer within the deadline';
  return error.code ?? 'network error';
}

/** JSON.parse that says "not JSON" instead of throwing a parser message with the body in it. */
export function parseJson(text: unknown): { ok: true; value: unknown } | { ok: false } {
  if (typeof text !== 'string') return { ok: true, value: text };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/**
 * Zoho access tokens from the refresh-token grant. Zoho blocks a refresh token after 10
 * grants in 10 minutes, so a token is reused until shortly before it expires, across runs
 * (through a TokenCache that the state store backs), and concurrent callers share one grant.
 */
import { createHash } from 'node:crypto';
import { type AxiosInstance, isAxiosError } from 'axios';
import { DEFAULTS } from '../defaults';
import { networkReason, parseJson } from '../http';
import type { SecretScrubber } from '../secrets';
import { ZohoResponseError, ZohoUnreachableError, zohoApiError, zohoTokenError } from './errors';
import { tokenResponseSchema } from './schemas';

export interface CachedToken {
  accessToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  /** Which client and refresh token minted it, so a rotated credential never reuses an old token. */
  credentialFingerprint: string;
  /** The org's API host, as the token answer named it. */
  apiDomain?: string;
}

/** Where tokens outlive one process. Failures to save are tolerated: the token still works. */
export interface TokenCache {
  load(): Promise<CachedToken | undefined>;
  save(token: CachedToken): Promise<void>;
}

export class MemoryTokenCache implements TokenCache {
  private token?: CachedToken;
  async load(): Promise<CachedToken | undefined> {
    return this.token;
  }
  async save(token: CachedToken): Promise<void> {
    this.token = token;
  }
}

/** What the API client needs from a token provider. */
export interface AccessTokenSource {
  getAccessToken(): Promise<string>;
  /** The token was refused (401 INVALID_TOKEN): never hand it out again. */
  invalidate(accessToken: string): void;
}

interface ZohoCredentials {
  accountsUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

interface TokenProviderOptions {
  http: AxiosInstance;
  cache?: TokenCache;
  now?: () => number;
  /** Refresh this long before expiry, so a token never dies mid-check. */
  refreshMarginMs?: number;
  onTokenMinted?: () => void;
  onCacheError?: (error: unknown) => void;
  /** Learns every token this provider hands out, and scrubs Zoho's error texts. */
  scrubber?: SecretScrubber;
}

export function credentialFingerprint(c: Pick<ZohoCredentials, 'clientId' | 'refreshToken'>): string {
  return createHash('sha256').update(`${c.clientId}\n${c.refreshToken}`).digest('hex').slice(0, 16);
}

export class ZohoTokenProvider implements AccessTokenSource {
  private current?: CachedToken;
  private inflight?: Promise<string>;
  private readonly refused = new Set<string>();
  private readonly fingerprint: string;
  private readonly now: () => number;
  private readonly refreshMarginMs: number;
  private readonly cache: TokenCache;
  /** Tokens minted by this provider (each one costs one of Zoho's 10 grants per 10 minutes). */
  mintedCount = 0;

  constructor(
    private readonly credentials: ZohoCredentials,
    private readonly options: TokenProviderOptions,
  ) {
    this.fingerprint = credentialFingerprint(credentials);
    this.now = options.now ?? Date.now;
    this.refreshMarginMs = options.refreshMarginMs ?? DEFAULTS.tokenRefreshMarginMs;
    this.cache = options.cache ?? new MemoryTokenCache();
  }

  getAccessToken(): Promise<string> {
    if (this.current && this.isUsable(this.current)) return Promise.resolve(this.current.accessToken);
    this.inflight ??= this.loadOrMint().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** The API host the current token's answer named, if any (read after getAccessToken). */
  get apiDomain(): string | undefined {
    return this.current?.apiDomain;
  }

  /** The API host of the cached token, without minting one (for status). */
  async cachedApiDomain(): Promise<string | undefined> {
    return this.current?.apiDomain ?? (await this.cache.load().catch(() => undefined))?.apiDomain;
  }

  invalidate(accessToken: string): void {
    this.refused.add(accessToken);
    if (this.current?.accessToken === accessToken) this.current = undefined;
  }

  private isUsable(token: CachedToken): boolean {
    return (
      token.credentialFingerprint === this.fingerprint &&
      !this.refused.has(token.accessToken) &&
      token.expiresAt - this.refreshMarginMs > this.now()
    );
  }

  private async loadOrMint(): Promise<string> {
    const cached = await this.cache.load().catch((error: unknown) => {
      this.options.onCacheError?.(error);
      return undefined;
    });
    if (cached && this.isUsable(cached)) {
      this.options.scrubber?.add(cached.accessToken);
      this.current = cached;
      return cached.accessToken;
    }
    const minted = await this.mint();
    this.current = minted;
    await this.cache.save(minted).catch((error: unknown) => this.options.onCacheError?.(error));
    return minted.accessToken;
  }

  private async mint(): Promise<CachedToken> {
    const { accountsUrl, clientId, clientSecret, refreshToken } = this.credentials;
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: clientId,
      client_secret: clientSecret,
      refresh_token: refreshToken,
    });
    const body = await this.postForm(`${accountsUrl}/oauth/v2/token`, form);
    const parsed = tokenResponseSchema.safeParse(body);
    if (!parsed.success) throw new ZohoResponseError('token', 'no access_token and no error in the answer');
    if ('error' in parsed.data) throw zohoTokenError(parsed.data.error, this.options.scrubber);
    this.options.scrubber?.add(parsed.data.access_token);
    this.mintedCount += 1;
    this.options.onTokenMinted?.();
    return {
      accessToken: parsed.data.access_token,
      expiresAt: this.now() + parsed.data.expires_in * 1000,
      credentialFingerprint: this.fingerprint,
      apiDomain: parsed.data.api_domain,
    };
  }

  private async postForm(url: string, form: URLSearchParams): Promise<unknown> {
    try {
      const response = await this.options.http.post(url, form.toString(), {
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
      return readJson(response.data);
    } catch (error) {
      if (!isAxiosError(error)) throw error;
      if (!error.response) throw new ZohoUnreachableError('token', networkReason(error), error);
      const parsed = parseJson(error.response.data);
      // Zoho reports some refusals (e.g. "Access Denied" for too many grants) with a 4xx and an `error`.
      const zohoError = parsed.ok ? (parsed.value as { error?: unknown } | null)?.error : undefined;
      if (typeof zohoError === 'string') throw zohoTokenError(zohoError, this.options.scrubber);
      throw zohoApiError('token', error.response.status, parsed.ok ? parsed.value : undefined, this.options.scrubber);
    }
  }
}

function readJson(data: unknown): unknown {
  const parsed = parseJson(data);
  if (!parsed.ok) throw new ZohoResponseError('token', 'the body is not JSON');
  return parsed.value;
}

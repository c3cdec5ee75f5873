/**
 * Zoho CRM's backup API (GET /backup, /backup/history, /backup/urls). Every answer is
 * validated; every failure becomes one of the typed errors in ./errors. The OAuth token is
 * only ever attached to URLs on the configured API domain.
 */
import { type AxiosInstance, type AxiosResponse, isAxiosError } from 'axios';
import type * as z from 'zod/mini';
import { isOversizedAnswer, networkReason, parseJson } from '../http';
import type { SecretScrubber } from '../secrets';
import {
  UntrustedHostError,
  type ZohoEndpoint,
  ZohoInvalidTokenError,
  ZohoResponseError,
  ZohoUnreachableError,
  zohoApiError,
} from './errors';
import {
  type BackupDetails,
  backupDetailsSchema,
  type DownloadUrls,
  downloadUrlsSchema,
  type HistoryRow,
  historyPageSchema,
} from './schemas';
import type { AccessTokenSource } from './tokens';

export type ApiEndpoint = Exclude<ZohoEndpoint, 'token' | 'download'>;

interface ZohoBackupClientOptions {
  apiDomain: string;
  /** Where to send each call, once the token is known (the token answer may name the host). */
  resolveApiDomain?: () => string;
  apiVersion: string;
  tokens: AccessTokenSource;
  http: AxiosInstance;
  /** Zoho's maximum, so a year of history usually takes one call. */
  perPage?: number;
  /** A guard against an API that keeps saying more_records: true. */
  maxHistoryPages?: number;
  /** Scrubs Zoho's error texts against every secret this process knows. */
  scrubber?: SecretScrubber;
}

/** HTTP requests sent to Zoho per endpoint, retries included: each one costs an API credit. */
export type ZohoCallCounts = Record<ApiEndpoint, number>;

export class ZohoBackupClient {
  readonly calls: ZohoCallCounts = { backup: 0, 'backup/history': 0, 'backup/urls': 0 };
  private readonly apiPath: string;

  constructor(private readonly options: ZohoBackupClientOptions) {
    this.apiPath = `/crm/bulk/${options.apiVersion}/`;
    // Count at the socket level so that retries made by axios-retry are counted too.
    options.http.interceptors.request.use((config) => {
      const endpoint = this.endpointOf(config.url);
      if (endpoint) this.calls[endpoint] += 1;
      return config;
    });
  }

  /** The current backup schedule, or null when none was ever scheduled. */
  async getBackupDetails(): Promise<BackupDetails | null> {
    const body = await this.get('backup');
    return body === null ? null : this.validate('backup', backupDetailsSchema, body).backup;
  }

  /** Every history row of the past year, in whatever order Zoho returns them. */
  async listHistory(): Promise<HistoryRow[]> {
    const perPage = this.options.perPage ?? 200;
    const maxPages = this.options.maxHistoryPages ?? 50;
    const rows: HistoryRow[] = [];
    let previousPage = '';
    for (let page = 1; page <= maxPages; page += 1) {
      const body = await this.get('backup/history', { page, per_page: perPage });
      if (body === null) return rows; // 204: no backups in the past year (or no further page)
      const parsed = this.validate('backup/history', historyPageSchema, body);
      // A server that ignores `page` sends the same rows again: that was the last page.
      const ids = parsed.history.map((row) => row.id).join(',');
      if (ids === previousPage) return rows;
      previousPage = ids;
      rows.push(...parsed.history);
      if (!parsed.info.more_records) return rows;
    }
    throw new ZohoResponseError('backup/history', `more_records was still true after ${maxPages} pages`);
  }

  /** The latest backup's download links, or null while there are none (204). */
  async getDownloadUrls(): Promise<DownloadUrls | null> {
    const body = await this.get('backup/urls');
    return body === null ? null : this.validate('backup/urls', downloadUrlsSchema, body).urls;
  }

  private endpointOf(url: string | undefined): ApiEndpoint | undefined {
    const pathname = url ? new URL(url).pathname : '';
    if (!pathname.startsWith(this.apiPath)) return undefined;
    const path = pathname.slice(this.apiPath.length);
    return (['backup', 'backup/history', 'backup/urls'] as const).find((e) => e === path);
  }

  /** GET with the token; a refused token is replaced once. Returns null for 204. */
  private async get(endpoint: ApiEndpoint, params?: Record<string, number>): Promise<unknown> {
    const token = await this.options.tokens.getAccessToken();
    const domain = this.options.resolveApiDomain?.() ?? this.options.apiDomain;
    const url = `${domain}${this.apiPath}${endpoint}`;
    // The token goes to the chosen API origin only (chooseApiDomain vets the token answer's).
    if (new URL(url).origin !== new URL(domain).origin) throw new UntrustedHostError(new URL(url).host, [new URL(domain).origin]);
    try {
      return await this.send(endpoint, url, token, params);
    } catch (error) {
      if (!(error instanceof ZohoInvalidTokenError)) throw error;
      // Revoked or expired early: mint a fresh one and try exactly once more.
      this.options.tokens.invalidate(token);
      return this.send(endpoint, url, await this.options.tokens.getAccessToken(), params);
    }
  }

  private async send(endpoint: ApiEndpoint, url: string, token: string, params?: Record<string, number>): Promise<unknown> {
    let response: AxiosResponse;
    try {
      response = await this.options.http.get(url, { params, headers: { Authorization: `Zoho-oauthtoken ${token}` } });
    } catch (error) {
      if (!isAxiosError(error)) throw error;
      if (isOversizedAnswer(error))
        throw new ZohoResponseError(endpoint, 'the answer is larger than any backup API answer should be', error);
      if (!error.response) throw new ZohoUnreachableError(endpoint, networkReason(error), error);
      const parsed = parseJson(error.response.data);
      throw zohoApiError(endpoint, error.response.status, parsed.ok ? parsed.value : undefined, this.options.scrubber);
    }
    if (response.status === 204) return null;
    // A 200 must carry an answer: an empty or null body is not "nothing new".
    if (response.data === '' || response.data === undefined)
      throw new ZohoResponseError(endpoint, `HTTP ${response.status} with an empty body`);
    const parsed = parseJson(response.data);
    if (!parsed.ok) {
      const type = String(response.headers['content-type'] ?? 'no content type').split(';')[0];
      throw new ZohoResponseError(endpoint, `HTTP ${response.status} with a body that is not JSON (${type})`);
    }
    if (parsed.value === null || typeof parsed.value !== 'object')
      throw new ZohoResponseError(endpoint, `HTTP ${response.status} with ${String(parsed.value)} instead of an object`);
    return parsed.value;
  }

  private validate<S extends z.ZodMiniType>(endpoint: ApiEndpoint, schema: S, body: unknown): z.infer<S> {
    const result = schema.safeParse(body);
    if (result.success) return result.data;
    const problems = result.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new ZohoResponseError(endpoint, problems);
  }
}

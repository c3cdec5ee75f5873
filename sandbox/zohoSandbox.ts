/**
 * A local stand-in for Zoho (accounts server, CRM backup API and download host in one HTTP
 * server), built from Zoho's documents: the same paths, payloads, status codes and error
 * bodies. Scenarios are data (a history table, links, faults) so that tests and the demo
 * read like stories: "a backup completes", "the token is revoked", "Zoho answers 429 twice".
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { patternChunks, sampleZip, streamOut } from './bytes';
import {
  type CompletedBackupStory,
  type PublishedLinks,
  partNames,
  type RecordedRequest,
  SANDBOX_ADMIN,
  SANDBOX_CREDENTIALS,
  type SandboxBackupDetails,
  type SandboxCredentials,
  type SandboxEndpoint,
  type SandboxFault,
  type SandboxHistoryRow,
  type SandboxUser,
  type ZohoSandboxOptions,
  zohoDate,
} from './model';
import { answerFault, DOWNLOAD_PATH, delay, endpointOf, historyPage, isPureDelay, readBody, send, takeFault, zohoError } from './serve';
import { TokenDesk } from './tokens';

export { patternBytes, patternChunks } from './bytes';
export * from './model';

export class ZohoSandbox {
  readonly requests: RecordedRequest[] = [];
  history: SandboxHistoryRow[];
  backup: SandboxBackupDetails | null;
  links: PublishedLinks | null = null;
  private readonly credentials: SandboxCredentials;
  private readonly tokens: TokenDesk;
  private readonly faults: SandboxFault[] = [];
  private readonly options: ZohoSandboxOptions;
  private nextId = 4876876000001800001n;
  private server?: Server;
  url = '';

  private constructor(options: ZohoSandboxOptions) {
    this.options = options;
    this.credentials = options.credentials ?? SANDBOX_CREDENTIALS;
    this.tokens = new TokenDesk(this.credentials, options.tokenLifetimeSeconds ?? 3600);
    this.history = [...(options.history ?? [])];
    this.backup = options.backup ?? null;
  }

  static async start(options: ZohoSandboxOptions = {}): Promise<ZohoSandbox> {
    const sandbox = new ZohoSandbox(options);
    await sandbox.listen();
    return sandbox;
  }

  get clientCredentials(): SandboxCredentials {
    return { ...this.credentials };
  }

  /** Settings that point the product at this sandbox. */
  get settings(): Record<string, string> {
    return {
      ZOHO_CLIENT_ID: this.credentials.clientId,
      ZOHO_CLIENT_SECRET: this.credentials.clientSecret,
      ZOHO_REFRESH_TOKEN: this.credentials.refreshToken,
      ZOHO_ACCOUNTS_URL: this.url,
      ZOHO_API_DOMAIN: this.url,
    };
  }

  get zgid(): string {
    return this.options.zgid ?? '757345985';
  }

  // ---- story helpers ------------------------------------------------------------------

  /** A backup runs and completes: an "initiated" row, a "completed" row, and fresh links. */
  completeBackup(story: CompletedBackupStory): { historyId: string; jobId: string } {
    const by = story.by ?? SANDBOX_ADMIN;
    const repeatType = story.repeatType ?? 'weekly';
    this.addRow({ at: new Date(story.at.getTime() - 60_000), action: 'initiated', state: null, repeatType, by });
    const completed = this.addRow({ at: story.at, action: null, state: 'completed', repeatType, by });
    const jobId = this.newId();
    const expiry = new Date(story.at.getTime() + (story.linksValidDays ?? 7) * 86_400_000);
    this.links = {
      jobId,
      data: partNames('Data', story.dataParts ?? 1),
      attachments: partNames('Attachments', story.attachmentParts ?? 1),
      expiryDate: zohoDate(expiry),
      partSize: story.partSize,
      withoutContentLength: story.withoutContentLength,
    };
    this.linksReady = !story.linksPending;
    if (this.backup) this.backup.status = 'SCHEDULED';
    return { historyId: completed.id, jobId };
  }

  /** A backup that Zoho could not finish. */
  failBackup(at: Date, by: SandboxUser = SANDBOX_ADMIN): string {
    return this.addRow({ at, action: null, state: 'failure', repeatType: 'weekly', by }).id;
  }

  /** Someone stops the schedule. */
  stopSchedule(at: Date, by: SandboxUser = SANDBOX_ADMIN): string {
    if (this.backup) this.backup.status = 'STOPPED';
    return this.addRow({ at, action: 'stopped', state: null, repeatType: 'weekly', by }).id;
  }

  /** Zoho has prepared the links announced as pending. */
  publishLinks(): void {
    this.linksReady = true;
  }

  addRow(row: {
    at: Date;
    action: SandboxHistoryRow['action'];
    state: SandboxHistoryRow['state'];
    repeatType: SandboxHistoryRow['repeat_type'];
    by?: SandboxUser;
  }): SandboxHistoryRow {
    const entry: SandboxHistoryRow = {
      id: this.newId(),
      done_by: row.by ?? SANDBOX_ADMIN,
      log_time: zohoDate(row.at),
      state: row.state,
      action: row.action,
      repeat_type: row.repeatType,
      file_name: null,
      count: 0,
    };
    this.history.push(entry);
    return entry;
  }

  /** The next matching requests misbehave as described. */
  inject(fault: SandboxFault): void {
    this.faults.push({ times: 1, ...fault });
  }

  /** The refresh token works again (as if the user had set a new, valid one). */
  restoreRefreshToken(): void {
    this.tokens.restoreRefreshToken();
  }

  /** Every access token stops working, as when an admin revokes them. */
  revokeAccessTokens(): void {
    this.tokens.revokeAccessTokens();
  }

  /** The refresh token is revoked: the token endpoint answers invalid_code from now on. */
  revokeRefreshToken(): void {
    this.tokens.revokeRefreshToken();
  }

  get tokensMinted(): number {
    return this.tokens.minted;
  }

  countRequests(endpoint: SandboxEndpoint): number {
    return this.requests.filter((r) => r.endpoint === endpoint).length;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // ---- HTTP ---------------------------------------------------------------------------

  private linksReady = false;

  private async listen(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const endpoint = endpointOf(url.pathname);
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      endpoint,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
      status: 0,
    };
    this.requests.push(record);
    const body = await readBody(req);
    if (this.options.latencyMs) await delay(this.options.latencyMs);
    const answer = (status: number, payload?: unknown, headers: Record<string, string> = {}, contentType?: string) => {
      record.status = status;
      send(res, status, payload, headers, contentType);
    };

    const fault = endpoint === 'unknown' ? undefined : takeFault(this.faults, endpoint);
    if (fault?.delayMs) await delay(fault.delayMs);
    if (fault?.dropAfterBytes !== undefined) return this.answerDownload(url.pathname, req, res, record, answer, fault.dropAfterBytes);
    if (fault && !isPureDelay(fault)) return answerFault(fault, req, record, answer);

    if (endpoint === 'token') return answer(...this.tokens.grant(req.method, body, this.url));
    if (endpoint === 'download') return this.answerDownload(url.pathname, req, res, record, answer);
    if (endpoint === 'unknown') return answer(404, zohoError('INVALID_URL_PATTERN'));
    if (req.method !== 'GET') return answer(400, zohoError('INVALID_REQUEST_METHOD'));
    if (!this.tokens.isAuthorized(req.headers.authorization)) return answer(401, zohoError('INVALID_TOKEN'));

    if (endpoint === 'backup') return answer(...((this.backup ? [200, { backup: this.backup }] : [204]) as [number, unknown?]));
    if (endpoint === 'backup/urls') return this.answerUrls(answer);
    return answer(...historyPage(this.history, url.searchParams, this.options));
  }

  private answerUrls(answer: (status: number, payload?: unknown) => void): void {
    if (!this.links || !this.linksReady) {
      answer(204);
      return;
    }
    const base = `${this.url}/v2/crm/${this.zgid}/backup/${this.links.jobId}`;
    answer(200, {
      urls: {
        data_links: this.links.data.map((name) => `${base}/${name}`),
        attachment_links: this.links.attachments.map((name) => `${base}/${name}`),
        expiry_date: this.links.expiryDate,
      },
    });
  }

  private answerDownload(
    path: string,
    req: IncomingMessage,
    res: ServerResponse,
    record: RecordedRequest,
    answer: (status: number, payload?: unknown) => void,
    dropAfterBytes?: number,
  ): void {
    const [, zgid, jobId, fileName] = path.match(DOWNLOAD_PATH) ?? [];
    const links = this.links;
    if (!this.tokens.isAuthorized(req.headers.authorization)) {
      answer(401, zohoError('INVALID_TOKEN'));
      return;
    }
    const known =
      links && zgid === this.zgid && jobId === links.jobId && fileName && [...links.data, ...links.attachments].includes(fileName);
    if (!known || Date.parse(links.expiryDate) < Date.now()) {
      answer(404, zohoError('INVALID_URL_PATTERN'));
      return;
    }
    const size = links.partSize ?? sampleZip(fileName).length;
    const chunks = links.partSize === undefined ? [sampleZip(fileName)] : patternChunks(fileName, links.partSize);
    record.status = 200;
    res.writeHead(200, { 'Content-Type': 'application/zip', ...(links.withoutContentLength ? {} : { 'Content-Length': String(size) }) });
    void streamOut(res, chunks, dropAfterBytes);
  }

  private newId(): string {
    this.nextId += 1n;
    return this.nextId.toString();
  }
}

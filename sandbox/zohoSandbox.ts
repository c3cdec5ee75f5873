/**
 * A local stand-in for Zoho (accounts server, CRM backup API and download host in one HTTP
 * server), built from Zoho's documents: the same paths, payloads, status codes and error
 * bodies. Scenarios are data (a history table, links, faults) so that tests and the demo
 * read like stories: "a backup completes", "the token is revoked", "Zoho answers 429 twice".
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { backupPart } from './backupFiles';
import { patternChunks, streamOut } from './bytes';
import { answerConsent } from './consent';
import {
  type PublishedLinks,
  type RecordedRequest,
  SANDBOX_ADMIN,
  SANDBOX_CREDENTIALS,
  type SandboxCredentials,
  type SandboxEndpoint,
  type SandboxFault,
  type ZohoSandboxOptions,
} from './model';
import {
  answerFault,
  DOWNLOAD_PATH,
  delay,
  endpointOf,
  Gates,
  HangUps,
  historyPage,
  isPureDelay,
  readBody,
  send,
  takeFault,
  trickle,
  zohoError,
} from './serve';
import { SandboxStory } from './story';
import { TokenDesk } from './tokens';

export { patternBytes, patternChunks } from './bytes';
export * from './model';

export class ZohoSandbox extends SandboxStory {
  readonly requests: RecordedRequest[] = [];
  private readonly credentials: SandboxCredentials;
  private readonly tokens: TokenDesk;
  private readonly faults: SandboxFault[] = [];
  private readonly gates = new Gates();
  private readonly trickles = new HangUps();
  private server?: Server;
  url = '';

  private constructor(options: ZohoSandboxOptions) {
    super(options);
    this.credentials = options.credentials ?? SANDBOX_CREDENTIALS;
    this.tokens = new TokenDesk(this.credentials, options.tokenLifetimeSeconds ?? 3600);
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

  /** Resolves once a client hung up on a trickling answer: it gave up at its deadline. */
  trickleAbandoned(): Promise<void> {
    return this.trickles.next();
  }

  /** The next `count` requests to `endpoint` wait for each other, then go on together. */
  gate(endpoint: SandboxEndpoint, count: number): void {
    this.gates.close(endpoint, count);
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

  /** A grant code for the Self Client, as api-console.zoho.com makes one (single use). */
  issueGrantCode(scope = 'ZohoCRM.bulk.backup.READ'): string {
    return this.tokens.issueGrantCode(scope);
  }

  get issuedAccessTokens(): readonly string[] {
    return this.tokens.issued;
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

    if (endpoint !== 'unknown') await this.gates.pass(endpoint);
    const fault = endpoint === 'unknown' ? undefined : takeFault(this.faults, endpoint);
    if (fault?.hang) return;
    if (fault?.trickle) return trickle(res, () => this.trickles.hungUp());
    if (fault?.delayMs) await delay(fault.delayMs);
    if (fault?.dropAfterBytes !== undefined || fault?.stallAfterBytes !== undefined || fault?.flipByteAt !== undefined) {
      return this.answerDownload(url.pathname, req, res, record, answer, fault);
    }
    if (fault && !isPureDelay(fault)) return answerFault(fault, req, record, answer);

    if (endpoint === 'token') return answer(...(await this.tokens.grant(req.method, req.headers['content-type'], body, this.url)));
    if (endpoint === 'consent')
      return this.answerConsent(req.method ?? 'GET', req.method === 'POST' ? new URLSearchParams(body) : url.searchParams, answer);
    if (endpoint === 'download') return this.answerDownload(url.pathname, req, res, record, answer);
    if (endpoint === 'unknown') return answer(404, zohoError('INVALID_URL_PATTERN'));
    if (req.method !== 'GET') return answer(400, zohoError('INVALID_REQUEST_METHOD'));
    if (!this.tokens.isAuthorized(req.headers.authorization)) return answer(401, zohoError('INVALID_TOKEN'));

    if (endpoint === 'backup') return answer(...((this.backup ? [200, { backup: this.backup }] : [204]) as [number, unknown?]));
    if (endpoint === 'backup/urls') return this.answerUrls(answer);
    return answer(...historyPage(this.history, url.searchParams, this.options));
  }

  private answerConsent(
    method: string,
    params: URLSearchParams,
    answer: (status: number, payload?: unknown, headers?: Record<string, string>, contentType?: string) => void,
  ): void {
    const desk = {
      clientId: this.credentials.clientId,
      location: this.options.location ?? 'us',
      accountsServer: this.url,
      user: SANDBOX_ADMIN,
      issueGrantCode: (scope: string, redirectUri: string) => this.tokens.issueGrantCode(scope, redirectUri),
    };
    const { status, body, headers } = answerConsent(method, params, desk);
    const { 'Content-Type': contentType, ...rest } = headers;
    answer(status, body, rest, contentType);
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
    fault?: SandboxFault,
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
    record.status = 200;
    void this.partChunks(links, fileName, fault?.flipByteAt).then(({ size, chunks }) => {
      res.writeHead(200, { 'Content-Type': 'application/zip', ...(links.withoutContentLength ? {} : { 'Content-Length': String(size) }) });
      return streamOut(res, chunks, fault?.dropAfterBytes ?? fault?.stallAfterBytes, fault?.stallAfterBytes !== undefined);
    });
  }

  private readonly parts = new Map<string, Promise<Buffer>>();

  /** A sized pattern part, or the realistic part of this backup (made once). */
  private async partChunks(links: PublishedLinks, fileName: string, flipAt?: number): Promise<{ size: number; chunks: Iterable<Buffer> }> {
    if (links.partBytes) return links.partBytes(fileName);
    if (links.partSize !== undefined) return { size: links.partSize, chunks: patternChunks(fileName, links.partSize) };
    const key = `${links.jobId}/${fileName}`;
    let made = this.parts.get(key);
    if (!made) {
      made = backupPart(fileName, { modules: links.records, dataParts: links.data.length, at: links.at });
      this.parts.set(key, made);
    }
    const bytes = Buffer.from(await made);
    if (flipAt !== undefined) bytes[flipAt] = (bytes[flipAt] ?? 0) ^ 0xff;
    return { size: bytes.length, chunks: [bytes] };
  }
}

/**
 * A local stand-in for Zoho (accounts server, CRM backup API and download host in one HTTP
 * server), built from Zoho's documents: the same paths, payloads, status codes and error
 * bodies. Scenarios are data (a history table, links, faults) so that tests and the demo
 * read like stories: "a backup completes", "the token is revoked", "Zoho answers 429 twice".
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildZip } from './zip';

export type SandboxEndpoint = 'token' | 'backup' | 'backup/history' | 'backup/urls' | 'download';

export interface SandboxUser {
  id: string;
  name: string;
  zuid: string;
}

export interface SandboxHistoryRow {
  id: string;
  done_by: SandboxUser;
  log_time: string | null;
  state: 'completed' | 'failure' | null;
  action: 'scheduled' | 'stopped' | 'purchased' | 'initiated' | null;
  repeat_type: 'immediate' | 'weekly' | 'biweekly' | 'monthly' | null;
  file_name: string | null;
  count: number;
}

export interface SandboxBackupDetails {
  id: string;
  scheduled_date: string | null;
  start_date: string | null;
  rrule: string | null;
  requester: SandboxUser;
  status: 'STOPPED' | 'SCHEDULED' | 'INPROGRESS' | 'COMPLETED' | 'FAILED';
}

/** One injected misbehaviour, used up by the next `times` matching requests. */
export interface SandboxFault {
  endpoint: SandboxEndpoint;
  /** A documented Zoho error code; the status follows Zoho's table unless given. */
  code?: keyof typeof ZOHO_ERRORS;
  status?: number;
  /** A raw body instead of Zoho's error JSON (e.g. an HTML error page, or malformed JSON). */
  body?: string;
  contentType?: string;
  retryAfterSeconds?: number;
  /** Extra answer headers, e.g. a Location for a redirect. */
  headers?: Record<string, string>;
  /** For the token endpoint: Zoho's `error` value, answered with HTTP 200 as Zoho does. */
  tokenError?: string;
  delayMs?: number;
  /** Close the socket without an answer. */
  dropConnection?: boolean;
  /** Downloads: send the headers and this many bytes of the body, then close the socket. */
  dropAfterBytes?: number;
  times?: number;
}

export interface SandboxCredentials {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

export interface ZohoSandboxOptions {
  credentials?: SandboxCredentials;
  history?: SandboxHistoryRow[];
  backup?: SandboxBackupDetails | null;
  /** How /backup/history orders its rows (Zoho does not document an order). */
  historyOrder?: 'desc' | 'asc';
  /** Zoho's default is 200; smaller makes paging testable with few rows. */
  maxPerPage?: number;
  tokenLifetimeSeconds?: number;
  latencyMs?: number;
  zgid?: string;
}

export interface RecordedRequest {
  method: string;
  endpoint: SandboxEndpoint | 'unknown';
  path: string;
  query: Record<string, string>;
  authorization?: string;
  status: number;
}

export interface CompletedBackupStory {
  at: Date;
  dataParts?: number;
  attachmentParts?: number;
  linksValidDays?: number;
  /** Bytes per part; by default a small real zip. */
  partSize?: number;
  /** Serve downloads chunked, without Content-Length. */
  withoutContentLength?: boolean;
  repeatType?: SandboxHistoryRow['repeat_type'];
  by?: SandboxUser;
  /** Leave /backup/urls answering 204 for now, as Zoho does while it prepares the links. */
  linksPending?: boolean;
}

export const ZOHO_ERRORS = {
  INVALID_URL_PATTERN: { status: 404, message: 'Please check if the URL trying to access is a correct one' },
  OAUTH_SCOPE_MISMATCH: { status: 401, message: 'Unauthorized' },
  NO_PERMISSION: { status: 403, message: 'Permission denied to read' },
  INVALID_REQUEST_METHOD: { status: 400, message: 'The http request method type is not a valid one' },
  INTERNAL_ERROR: { status: 500, message: 'Internal Server Error' },
  INVALID_TOKEN: { status: 401, message: 'invalid oauth token' },
  TOO_MANY_REQUESTS: { status: 429, message: 'You have made too many requests. Please try again later.' },
} as const;

export const SANDBOX_ADMIN: SandboxUser = { id: '4876876000000327001', name: 'Patricia Boyle', zuid: '756783625' };

const API_PREFIX = /^\/crm\/bulk\/v\d+\//;
const DOWNLOAD_PATH = /^\/v2\/crm\/(\d+)\/backup\/(\d+)\/((?:Data|Attachments)_\d{3}\.zip)$/;

interface PublishedLinks {
  jobId: string;
  data: string[];
  attachments: string[];
  expiryDate: string;
  partSize?: number;
  withoutContentLength?: boolean;
}

export class ZohoSandbox {
  readonly requests: RecordedRequest[] = [];
  history: SandboxHistoryRow[];
  backup: SandboxBackupDetails | null;
  links: PublishedLinks | null = null;
  tokensMinted = 0;
  private readonly credentials: SandboxCredentials;
  private readonly liveTokens = new Map<string, number>();
  private readonly revokedRefreshTokens = new Set<string>();
  private readonly faults: SandboxFault[] = [];
  private readonly options: ZohoSandboxOptions;
  private nextId = 4876876000001800001n;
  private server?: Server;
  url = '';

  private constructor(options: ZohoSandboxOptions) {
    this.options = options;
    this.credentials = options.credentials ?? {
      clientId: '1000.SANDBOXCLIENTID0000000000000',
      clientSecret: 'sandbox0client0secret0000000000000000000000',
      refreshToken: '1000.sandbox0refresh0token000000000000.00000000000000000000000000000000',
    };
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

  addRow(row: { at: Date; action: SandboxHistoryRow['action']; state: SandboxHistoryRow['state']; repeatType: SandboxHistoryRow['repeat_type']; by?: SandboxUser }): SandboxHistoryRow {
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
    this.revokedRefreshTokens.clear();
  }

  /** Every access token stops working, as when an admin revokes them. */
  revokeAccessTokens(): void {
    this.liveTokens.clear();
  }

  /** The refresh token is revoked: the token endpoint answers invalid_code from now on. */
  revokeRefreshToken(): void {
    this.revokedRefreshTokens.add(this.credentials.refreshToken);
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
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
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

    const fault = endpoint === 'unknown' ? undefined : this.takeFault(endpoint);
    if (fault?.delayMs) await delay(fault.delayMs);
    if (fault?.dropAfterBytes !== undefined) return this.answerDownload(url.pathname, req, res, record, answer, fault.dropAfterBytes);
    if (fault && !isPureDelay(fault)) return this.answerFault(fault, req, record, answer);

    if (endpoint === 'token') return this.answerToken(req.method, body, answer);
    if (endpoint === 'download') return this.answerDownload(url.pathname, req, res, record, answer);
    if (endpoint === 'unknown') return answer(404, zohoError('INVALID_URL_PATTERN'));
    if (req.method !== 'GET') return answer(400, zohoError('INVALID_REQUEST_METHOD'));
    if (!this.isAuthorized(req.headers.authorization)) return answer(401, zohoError('INVALID_TOKEN'));

    if (endpoint === 'backup') return this.backup ? answer(200, { backup: this.backup }) : answer(204);
    if (endpoint === 'backup/urls') return this.answerUrls(answer);
    return this.answerHistory(url.searchParams, answer);
  }

  private takeFault(endpoint: SandboxEndpoint): SandboxFault | undefined {
    const index = this.faults.findIndex((f) => f.endpoint === endpoint);
    if (index < 0) return undefined;
    const fault = this.faults[index]!;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return fault;
  }

  private answerFault(
    fault: SandboxFault,
    req: IncomingMessage,
    record: RecordedRequest,
    answer: (status: number, payload?: unknown, headers?: Record<string, string>, contentType?: string) => void,
  ): void {
    if (fault.dropConnection) {
      record.status = -1;
      req.socket.destroy();
      return;
    }
    const headers: Record<string, string> = { ...fault.headers };
    if (fault.retryAfterSeconds !== undefined) headers['Retry-After'] = String(fault.retryAfterSeconds);
    if (fault.tokenError) return answer(fault.status ?? 200, { error: fault.tokenError }, headers);
    if (fault.body !== undefined) return answer(fault.status ?? 200, fault.body, headers, fault.contentType ?? 'text/html');
    if (fault.code) return answer(fault.status ?? ZOHO_ERRORS[fault.code].status, zohoError(fault.code), headers);
    return answer(fault.status ?? 500, zohoError('INTERNAL_ERROR'), headers);
  }

  private answerToken(
    method: string | undefined,
    body: string,
    answer: (status: number, payload?: unknown) => void,
  ): void {
    if (method !== 'POST') return answer(405, { error: 'invalid_request' });
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'refresh_token') return answer(200, { error: 'unsupported_grant_type' });
    if (form.get('client_id') !== this.credentials.clientId) return answer(200, { error: 'invalid_client' });
    if (form.get('client_secret') !== this.credentials.clientSecret) return answer(200, { error: 'invalid_client' });
    const refreshToken = form.get('refresh_token') ?? '';
    if (refreshToken !== this.credentials.refreshToken || this.revokedRefreshTokens.has(refreshToken)) {
      return answer(200, { error: 'invalid_code' });
    }
    const lifetime = this.options.tokenLifetimeSeconds ?? 3600;
    const accessToken = `1000.${randomBytes(16).toString('hex')}.${randomBytes(16).toString('hex')}`;
    this.liveTokens.set(accessToken, Date.now() + lifetime * 1000);
    this.tokensMinted += 1;
    answer(200, { access_token: accessToken, api_domain: this.url, token_type: 'Bearer', expires_in: lifetime });
  }

  private isAuthorized(header: string | undefined): boolean {
    const token = header?.match(/^Zoho-oauthtoken (\S+)$/)?.[1];
    const expiresAt = token ? this.liveTokens.get(token) : undefined;
    return expiresAt !== undefined && expiresAt > Date.now();
  }

  private answerUrls(answer: (status: number, payload?: unknown) => void): void {
    if (!this.links || !this.linksReady) return answer(204);
    const base = `${this.url}/v2/crm/${this.zgid}/backup/${this.links.jobId}`;
    answer(200, {
      urls: {
        data_links: this.links.data.map((name) => `${base}/${name}`),
        attachment_links: this.links.attachments.map((name) => `${base}/${name}`),
        expiry_date: this.links.expiryDate,
      },
    });
  }

  private answerHistory(params: URLSearchParams, answer: (status: number, payload?: unknown) => void): void {
    const maxPerPage = this.options.maxPerPage ?? 200;
    const page = Math.max(1, Number(params.get('page') ?? 1));
    const perPage = Math.min(maxPerPage, Math.max(1, Number(params.get('per_page') ?? maxPerPage)));
    if (this.history.length === 0) return answer(204);
    const ordered = [...this.history].sort((a, b) => compareLogTime(a, b) * (this.options.historyOrder === 'asc' ? 1 : -1));
    const rows = ordered.slice((page - 1) * perPage, page * perPage);
    if (rows.length === 0) return answer(204);
    answer(200, {
      history: rows,
      info: { page, per_page: perPage, count: rows.length, more_records: page * perPage < ordered.length },
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
    if (!this.isAuthorized(req.headers.authorization)) return answer(401, zohoError('INVALID_TOKEN'));
    const links = this.links;
    const known = links && zgid === this.zgid && jobId === links.jobId && fileName && [...links.data, ...links.attachments].includes(fileName);
    if (!known || Date.parse(links.expiryDate) < Date.now()) return answer(404, zohoError('INVALID_URL_PATTERN'));
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

function endpointOf(pathname: string): SandboxEndpoint | 'unknown' {
  if (pathname === '/oauth/v2/token') return 'token';
  if (DOWNLOAD_PATH.test(pathname)) return 'download';
  const rest = pathname.replace(API_PREFIX, '');
  if (rest === pathname) return 'unknown';
  return rest === 'backup' || rest === 'backup/history' || rest === 'backup/urls' ? rest : 'unknown';
}

function zohoError(code: keyof typeof ZOHO_ERRORS): unknown {
  return { code, details: {}, message: ZOHO_ERRORS[code].message, status: 'error' };
}

/** JSON by default; a string payload with a content type is sent as it is (HTML error pages, broken JSON). */
function send(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string>, contentType?: string): void {
  if (payload === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const raw = contentType !== undefined && typeof payload === 'string';
  res.writeHead(status, { 'Content-Type': raw ? contentType : 'application/json;charset=UTF-8', ...headers });
  res.end(raw ? payload : JSON.stringify(payload));
}

function isPureDelay(fault: SandboxFault): boolean {
  return !fault.dropConnection && !fault.tokenError && fault.body === undefined && !fault.code && fault.status === undefined && !fault.headers;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function compareLogTime(a: SandboxHistoryRow, b: SandboxHistoryRow): number {
  return Date.parse(a.log_time ?? '1970-01-01T00:00:00Z') - Date.parse(b.log_time ?? '1970-01-01T00:00:00Z');
}

function partNames(kind: 'Data' | 'Attachments', count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${kind}_${String(i + 1).padStart(3, '0')}.zip`);
}

/** Zoho's own date format: seconds precision with an offset (here always +00:00). */
export function zohoDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

function sampleZip(fileName: string): Buffer {
  const csv = fileName.startsWith('Data')
    ? 'Record Id,Last Name,Company\n4876876000000400001,Boyle,Zylker\n'
    : 'attachment placeholder\n';
  return buildZip([{ name: fileName.startsWith('Data') ? 'Leads.csv' : 'Attachments/readme.txt', content: Buffer.from(csv) }]);
}

const PATTERN_CHUNK = 1024 * 1024;
const patternSeeds = new Map<string, Buffer>();

/** One chunk of pseudo-random bytes per seed (a linear congruential generator: cheap, repeatable), made once. */
function patternSeed(seed: string): Buffer {
  const cached = patternSeeds.get(seed);
  if (cached) return cached;
  let x = [...seed].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  const bytes = Buffer.allocUnsafe(PATTERN_CHUNK);
  for (let i = 0; i < PATTERN_CHUNK; i += 4) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    bytes.writeUInt32LE(x, i);
  }
  patternSeeds.set(seed, bytes);
  return bytes;
}

/**
 * Deterministic bytes of any size, a chunk at a time so that a multi-GB part never sits in
 * memory (archive tests and the benchmark). Every chunk is the seed's random chunk stamped
 * with its own index, so a lost, repeated or reordered chunk changes the bytes; making one
 * costs a copy, not a generator loop, so the sandbox is not the bottleneck of bench:archive.
 * They begin like a zip.
 */
export function* patternChunks(seed: string, size: number): Generator<Buffer> {
  const base = patternSeed(seed);
  for (let offset = 0, index = 0; offset < size; offset += PATTERN_CHUNK, index += 1) {
    const chunk = Buffer.from(base.subarray(0, Math.min(PATTERN_CHUNK, size - offset)));
    if (chunk.length >= 8) chunk.writeUInt32LE(index, 4);
    if (offset === 0) Buffer.from('PK\u0003\u0004').copy(chunk, 0, 0, Math.min(4, chunk.length));
    yield chunk;
  }
}

export function patternBytes(seed: string, size: number): Buffer {
  return Buffer.concat([...patternChunks(seed, size)]);
}

/** Writes chunks with backpressure; with `dropAfter`, cuts the connection after that many bytes. */
async function streamOut(res: ServerResponse, chunks: Iterable<Buffer>, dropAfter?: number): Promise<void> {
  let sent = 0;
  for (const chunk of chunks) {
    const piece = dropAfter !== undefined && sent + chunk.length > dropAfter ? chunk.subarray(0, dropAfter - sent) : chunk;
    sent += piece.length;
    if (!res.write(piece)) await new Promise((resolve) => res.once('drain', resolve));
    if (dropAfter !== undefined && sent >= dropAfter) {
      res.socket?.destroy();
      return;
    }
  }
  res.end();
}

/** HTTP plumbing of the sandbox: which endpoint a path is, Zoho's error bodies, answers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  compareLogTime,
  type RecordedRequest,
  type SandboxEndpoint,
  type SandboxFault,
  type SandboxHistoryRow,
  ZOHO_ERRORS,
  type ZohoSandboxOptions,
} from './model';

export type Answer = (status: number, payload?: unknown, headers?: Record<string, string>, contentType?: string) => void;

const API_PREFIX = /^\/crm\/bulk\/v\d+\//;
export const DOWNLOAD_PATH = /^\/v2\/crm\/(\d+)\/backup\/(\d+)\/((?:Data|Attachments)_\d{3}\.zip)$/;

export function endpointOf(pathname: string): SandboxEndpoint | 'unknown' {
  if (pathname === '/oauth/v2/token') return 'token';
  if (pathname === '/oauth/v2/auth') return 'consent';
  if (DOWNLOAD_PATH.test(pathname)) return 'download';
  const rest = pathname.replace(API_PREFIX, '');
  if (rest === pathname) return 'unknown';
  return rest === 'backup' || rest === 'backup/history' || rest === 'backup/urls' ? rest : 'unknown';
}

export function zohoError(code: keyof typeof ZOHO_ERRORS): unknown {
  return { code, details: {}, message: ZOHO_ERRORS[code].message, status: 'error' };
}

/** JSON by default; a string payload with a content type is sent as it is (HTML error pages, broken JSON). */
export function send(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string>, contentType?: string): void {
  if (payload === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const raw = contentType !== undefined && typeof payload === 'string';
  res.writeHead(status, { 'Content-Type': raw ? contentType : 'application/json;charset=UTF-8', ...headers });
  res.end(raw ? payload : JSON.stringify(payload));
}

export function isPureDelay(fault: SandboxFault): boolean {
  return (
    !fault.hang &&
    !fault.trickle &&
    fault.stallAfterBytes === undefined &&
    !fault.dropConnection &&
    !fault.tokenError &&
    fault.body === undefined &&
    !fault.code &&
    fault.status === undefined &&
    !fault.headers
  );
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Answers as the injected fault says: a dropped connection, a token error, a raw body or a Zoho error. */
export function answerFault(fault: SandboxFault, req: IncomingMessage, record: RecordedRequest, answer: Answer): void {
  if (fault.dropConnection) {
    record.status = -1;
    req.socket.destroy();
    return;
  }
  const headers: Record<string, string> = { ...fault.headers };
  if (fault.retryAfterSeconds !== undefined) headers['Retry-After'] = String(fault.retryAfterSeconds);
  if (fault.tokenError) answer(fault.status ?? 200, { error: fault.tokenError }, headers);
  else if (fault.body !== undefined) answer(fault.status ?? 200, fault.body, headers, fault.contentType ?? 'text/html');
  else if (fault.code) {
    const body = zohoError(fault.code) as { message: string };
    if (fault.echoAuthorization) body.message = `${body.message}: ${req.headers.authorization ?? ''}`;
    answer(fault.status ?? ZOHO_ERRORS[fault.code].status, body, headers);
  } else answer(fault.status ?? 500, zohoError('INTERNAL_ERROR'), headers);
}

/** The next injected fault for this endpoint, used up as its `times` say. */
export function takeFault(faults: SandboxFault[], endpoint: SandboxEndpoint): SandboxFault | undefined {
  const index = faults.findIndex((f) => f.endpoint === endpoint);
  const fault = faults[index];
  if (!fault) return undefined;
  fault.times = (fault.times ?? 1) - 1;
  if (fault.times <= 0) faults.splice(index, 1);
  return fault;
}

/** GET backup/history: pages of at most per_page rows (200 by default), 204 past the end or with no history. */
export function historyPage(
  history: readonly SandboxHistoryRow[],
  params: URLSearchParams,
  options: ZohoSandboxOptions,
): [number, unknown?] {
  const maxPerPage = options.maxPerPage ?? 200;
  const page = Math.max(1, Number(params.get('page') ?? 1));
  const perPage = Math.min(maxPerPage, Math.max(1, Number(params.get('per_page') ?? maxPerPage)));
  const ordered = [...history].sort((a, b) => compareLogTime(a, b) * (options.historyOrder === 'asc' ? 1 : -1));
  const rows = ordered.slice((page - 1) * perPage, page * perPage);
  if (rows.length === 0) return [204];
  return [200, { history: rows, info: { page, per_page: perPage, count: rows.length, more_records: page * perPage < ordered.length } }];
}

/**
 * Requests to an endpoint that wait for each other: with gate('backup/history', 3), the next
 * three history requests are held until the third arrives, then answered together. Overlapping
 * runs are then certain to overlap, with no latency or timing involved.
 */
export class Gates {
  private readonly open = new Map<SandboxEndpoint, { count: number; waiting: Array<() => void> }>();

  close(endpoint: SandboxEndpoint, count: number): void {
    this.open.set(endpoint, { count, waiting: [] });
  }

  pass(endpoint: SandboxEndpoint): Promise<void> {
    const gate = this.open.get(endpoint);
    if (!gate) return Promise.resolve();
    return new Promise((resolve) => {
      gate.waiting.push(resolve);
      if (gate.waiting.length < gate.count) return;
      this.open.delete(endpoint);
      for (const release of gate.waiting) release();
    });
  }
}

/** 200, then a space every 50 ms until the client hangs up. */
export function trickle(res: ServerResponse, onClientGone: () => void): void {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  const timer = setInterval(() => res.write(' '), 50);
  res.on('close', () => {
    clearInterval(timer);
    onClientGone();
  });
}

/** Counts clients that hung up, and wakes whoever waits for the next one (no timing involved). */
export class HangUps {
  private unclaimed = 0;
  private readonly waiting: Array<() => void> = [];

  hungUp(): void {
    const wake = this.waiting.shift();
    if (wake) wake();
    else this.unclaimed += 1;
  }

  next(): Promise<void> {
    if (this.unclaimed > 0) {
      this.unclaimed -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

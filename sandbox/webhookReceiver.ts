/**
 * Local stand-ins for a Slack incoming webhook and a Teams Workflows webhook, as documented:
 * Slack answers 200 "ok" or a 4xx with a plain-text code and enforces Block Kit limits;
 * Workflows answers 202 to a message envelope with an Adaptive Card and 400 otherwise.
 * Faults can be queued per channel; every message received is recorded.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type ReceiverChannel = 'slack' | 'teams';

interface ReceivedMessage {
  channel: ReceiverChannel;
  body: unknown;
  bytes: number;
  receivedAt: Date;
}

interface ReceiverFault {
  status: number;
  /** Slack: a plain-text code such as no_service; Teams: a Workflows error code. */
  error?: string;
  retryAfterSeconds?: number;
  dropConnection?: boolean;
  /** Take the request and never answer it (until the receiver closes). */
  hang?: boolean;
  /** Answer `status` with this body instead of the channel's own (a proxy or gateway in between). */
  body?: string;
  /** Answer `status` with a body of this many bytes, streamed. */
  bodyBytes?: number;
  times?: number;
}

export class WebhookReceiver {
  readonly messages: ReceivedMessage[] = [];
  /** Set this to watch messages arrive (the demo prints them). */
  onMessage?: (message: ReceivedMessage) => void;
  private readonly faults: Record<ReceiverChannel, ReceiverFault[]> = { slack: [], teams: [] };
  private readonly slackPath = `/services/T${hex(4)}/B${hex(4)}/${hex(12)}`;
  private readonly teamsPath = `/workflows/${hex(16)}/triggers/manual/paths/invoke`;
  private readonly teamsSignature = hex(16);
  private server?: Server;
  private baseUrl = '';
  /** How many bytes of its last `bodyBytes` answer were written before the client stopped reading. */
  streamedBytes = 0;
  private readonly holding: Array<() => void> = [];
  private held = 0;

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    const server = createServer((req, res) => void receiver.handle(req, res));
    receiver.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return receiver;
  }

  /** Secret-looking like the real ones, so tests can check they never leak. */
  get slackUrl(): string {
    return `${this.baseUrl}${this.slackPath}`;
  }

  get teamsUrl(): string {
    return `${this.baseUrl}${this.teamsPath}?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${this.teamsSignature}`;
  }

  /** Resolves once a request is being held by a `hang` fault. */
  async nextHeld(): Promise<void> {
    if (this.held > 0) {
      this.held -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.holding.push(resolve));
  }

  failNext(channel: ReceiverChannel, fault: ReceiverFault): void {
    this.faults[channel].push({ times: 1, ...fault });
  }

  received(channel: ReceiverChannel): ReceivedMessage[] {
    return this.messages.filter((m) => m.channel === channel);
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', this.baseUrl);
    const channel: ReceiverChannel | undefined =
      url.pathname === this.slackPath
        ? 'slack'
        : url.pathname === this.teamsPath && url.searchParams.get('sig') === this.teamsSignature
          ? 'teams'
          : undefined;
    if (!channel || req.method !== 'POST') return reply(res, 404, channel === 'teams' ? teamsError('WorkflowNotFound') : 'no_service');

    const fault = this.takeFault(channel);
    if (fault?.dropConnection) return void req.socket.destroy();
    if (fault?.hang) {
      const wake = this.holding.shift();
      if (wake) wake();
      else this.held += 1;
      return;
    }
    if (fault?.bodyBytes !== undefined) {
      this.streamedBytes = 0;
      return streamBody(res, fault.status, fault.bodyBytes, (bytes) => {
        this.streamedBytes += bytes;
      });
    }
    if (fault?.body !== undefined) return reply(res, fault.status, fault.body);
    if (fault) {
      const headers: Record<string, string> =
        fault.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(fault.retryAfterSeconds) };
      return reply(
        res,
        fault.status,
        channel === 'slack' ? (fault.error ?? 'internal_error') : teamsError(fault.error ?? 'InternalServerError'),
        headers,
      );
    }

    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return reply(res, 400, channel === 'slack' ? 'invalid_payload' : teamsError('InvalidRequestContent'));
    }
    const problem = channel === 'slack' ? slackProblem(body) : teamsProblem(body, Buffer.byteLength(raw));
    if (problem) return reply(res, 400, channel === 'slack' ? problem : teamsError(problem));

    const message = { channel, body, bytes: Buffer.byteLength(raw), receivedAt: new Date() };
    this.messages.push(message);
    this.onMessage?.(message);
    return channel === 'slack' ? reply(res, 200, 'ok') : reply(res, 202, '');
  }

  private takeFault(channel: ReceiverChannel): ReceiverFault | undefined {
    const fault = this.faults[channel][0];
    if (!fault) return undefined;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) this.faults[channel].shift();
    return fault;
  }
}

/** The parts of a posted block the limits look at; anything may be missing in a bad payload. */
interface SlackBlockShape {
  type?: unknown;
  text?: { text?: unknown };
  fields?: unknown[];
  elements?: Array<{ type?: unknown; text?: { text?: unknown } }>;
}

/** Slack's documented limits; the real API answers invalid_blocks when one is broken. */
function slackProblem(body: unknown): string | undefined {
  const { text, blocks } = (body ?? {}) as { text?: unknown; blocks?: SlackBlockShape[] };
  if (typeof text !== 'string' && !Array.isArray(blocks)) return 'no_text';
  if (!blocks) return undefined;
  if (blocks.length > 50) return 'invalid_blocks';
  for (const block of blocks) {
    if (block.type === 'header' && String(block.text?.text ?? '').length > 150) return 'invalid_blocks';
    if (block.type === 'section' && String(block.text?.text ?? '').length > 3000) return 'invalid_blocks';
    if (block.type === 'section' && (block.fields?.length ?? 0) > 10) return 'invalid_blocks';
    if (block.type === 'actions' && (block.elements?.length ?? 0) > 25) return 'invalid_blocks';
    for (const element of block.elements ?? []) {
      if (element.type === 'button' && String(element.text?.text ?? '').length > 75) return 'invalid_blocks';
    }
  }
  return undefined;
}

/** What the Workflows trigger (with "Post card in a chat or channel") needs to post a card. */
function teamsProblem(body: unknown, bytes: number): string | undefined {
  const message = (body ?? {}) as {
    type?: unknown;
    attachments?: Array<{ contentType?: unknown; content?: { type?: unknown; version?: unknown } }>;
  };
  if (bytes > 28 * 1024) return 'MessageTooLarge';
  if (message.type !== 'message' || !Array.isArray(message.attachments) || message.attachments.length === 0)
    return 'TriggerInputSchemaMismatch';
  const [attachment] = message.attachments;
  if (attachment?.contentType !== 'application/vnd.microsoft.card.adaptive') return 'TriggerInputSchemaMismatch';
  if (attachment.content?.type !== 'AdaptiveCard' || typeof attachment.content.version !== 'string') return 'InvalidAdaptiveCard';
  return undefined;
}

function teamsError(code: string): string {
  return JSON.stringify({ error: { code, message: `The request failed: ${code}.` } });
}

function reply(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  const json = body.startsWith('{');
  res.writeHead(status, { 'Content-Type': json ? 'application/json' : 'text/html', ...headers });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex').toUpperCase();
}

/** `bytes` bytes of text, written in 64 KiB pieces as the client reads them. */
function streamBody(res: ServerResponse, status: number, bytes: number, wrote: (bytes: number) => void): void {
  res.writeHead(status, { 'Content-Type': 'text/plain' });
  const piece = Buffer.alloc(64 * 1024, 'x');
  let left = bytes;
  const write = () => {
    while (left > 0) {
      const chunk = left >= piece.length ? piece : piece.subarray(0, left);
      left -= chunk.length;
      wrote(chunk.length);
      if (!res.write(chunk)) return void res.once('drain', write);
    }
    res.end();
  };
  res.on('close', () => {
    left = 0;
  });
  write();
}

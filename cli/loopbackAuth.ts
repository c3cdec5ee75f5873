/**
 * `auth` without --code, for a server-based client: the loopback flow `gh auth login` and
 * `az login` use (RFC 8252). Zoho's consent page opens in the browser with the scopes the
 * settings need; Zoho sends the browser back to http://localhost:<port>/callback with a grant
 * code and, for a multi-DC client, the `location` and `accounts-server` of the user's org,
 * which the code must be exchanged at. The callback listens on loopback only, checks `state`,
 * and ends at the first answer or the deadline.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CodedError } from '../shared/errors';
import { outsideText } from '../shared/secrets';
import { DATA_CENTRE_NAMES, DATA_CENTRES, type DataCentre } from '../shared/zoho/datacentres';

const CONSENT_DEADLINE_MS = 5 * 60_000;

export interface Consent {
  code: string;
  redirectUri: string;
  /** The user's data centre and accounts server, from Zoho's redirect (multi-DC). */
  dc: DataCentre;
  accountsUrl: string;
}

export interface ConsentRequest {
  accountsUrl: string;
  clientId: string;
  scopes: string[];
  port: number;
  openBrowser: boolean;
  say: (text: string) => void;
  deadlineMs?: number;
}

class ConsentError extends CodedError {
  constructor(message: string, hint: string) {
    super('ZOHO_CONSENT_FAILED', message, hint);
  }
}

export async function consentInBrowser(request: ConsentRequest): Promise<Consent> {
  const state = randomBytes(16).toString('hex');
  const redirectUri = `http://localhost:${request.port}/callback`;
  const consentUrl = new URL(`${request.accountsUrl}/oauth/v2/auth`);
  for (const [name, value] of Object.entries({
    response_type: 'code',
    client_id: request.clientId,
    scope: request.scopes.join(','),
    redirect_uri: redirectUri,
    // offline + consent: Zoho gives a refresh token on every consent, not only the first.
    access_type: 'offline',
    prompt: 'consent',
    state,
  }))
    consentUrl.searchParams.set(name, value);
  let settle: { resolve: (c: Consent) => void; reject: (e: Error) => void } | undefined;
  const answered = new Promise<Consent>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const servers = await listenOnLoopback(request.port, (req, res) => {
    const outcome = callbackOutcome(req, { state, redirectUri, accountsUrl: request.accountsUrl });
    if (!outcome) return finishPage(res, 404, 'Not found', 'This is the zoho-backup-notifier sign-in callback.');
    if (outcome instanceof Error) {
      finishPage(res, 400, 'Not authorized', `${outcome.message} Return to the terminal.`);
      return settle?.reject(outcome);
    }
    finishPage(res, 200, 'Authorized', 'zoho-backup-notifier has the grant code. You can close this tab and return to the terminal.');
    settle?.resolve(outcome);
  });
  request.say(`Open this page to let zoho-backup-notifier read your org's backups (it waits ${CONSENT_DEADLINE_MS / 60_000} minutes):`);
  request.say(consentUrl.toString());
  if (request.openBrowser) openInBrowser(consentUrl.toString());
  const deadline = setTimeout(
    () =>
      settle?.reject(
        new ConsentError(
          'no answer came from the browser in time.',
          'Run auth again and accept within 5 minutes, or use "auth --code" with a Self Client.',
        ),
      ),
    request.deadlineMs ?? CONSENT_DEADLINE_MS,
  );
  try {
    return await answered;
  } finally {
    clearTimeout(deadline);
    for (const server of servers) server.close();
    for (const server of servers) server.closeAllConnections();
  }
}

/** The consent's result from a request to the callback: undefined for any other path. */
function callbackOutcome(
  req: IncomingMessage,
  expected: { state: string; redirectUri: string; accountsUrl: string },
): Consent | ConsentError | undefined {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET' || url.pathname !== '/callback') return undefined;
  const q = url.searchParams;
  if (q.get('state') !== expected.state)
    return new ConsentError('the answer to the consent did not come from the page this run opened (state differs).', 'Run auth again.');
  const error = q.get('error');
  if (error)
    return new ConsentError(
      `Zoho did not authorize it (${outsideText(error, undefined, 60)}).`,
      'Run auth again and choose Accept; the client must list this redirect URI in the API console.',
    );
  const code = q.get('code');
  const location = (q.get('location') ?? 'us').toLowerCase();
  if (!code) return new ConsentError('Zoho sent the browser back without a grant code.', 'Run auth again.');
  if (!(DATA_CENTRE_NAMES as string[]).includes(location))
    return new ConsentError(
      `Zoho named an unknown data centre (${outsideText(location, undefined, 20)}).`,
      'Run auth again, or use "auth --code".',
    );
  const dc = location as DataCentre;
  const accountsUrl = trustedAccountsServer(q.get('accounts-server'), dc, expected.accountsUrl);
  if (!accountsUrl)
    return new ConsentError(
      "the redirect named an accounts server that is not Zoho's: the grant code is not sent there.",
      'Run auth again from the link this command prints.',
    );
  return { code, redirectUri: expected.redirectUri, dc, accountsUrl };
}

/** The code goes with the client secret: only to Zoho's accounts server for that data centre, or the one configured. */
function trustedAccountsServer(named: string | null, dc: DataCentre, configured: string): string | undefined {
  if (named === null) return configured;
  const origin = URL.canParse(named) ? new URL(named).origin : '';
  return [DATA_CENTRES[dc].accountsUrl, new URL(configured).origin].includes(origin) ? origin : undefined;
}

function finishPage(res: ServerResponse, status: number, title: string, text: string): void {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)}</p></body></html>`;
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': "default-src 'none'",
    'Cache-Control': 'no-store',
  });
  res.end(html);
}

/** Both loopback addresses: a browser may resolve localhost to either. Never a public interface. */
async function listenOnLoopback(port: number, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server[]> {
  const listen = (host: string) =>
    new Promise<Server>((resolve, reject) => {
      const server = createServer(handler);
      server.once('error', reject);
      server.listen(port, host, () => resolve(server));
    });
  let v4: Server;
  try {
    v4 = await listen('127.0.0.1');
  } catch (error) {
    throw new ConsentError(
      `port ${port} on this machine is taken (${(error as NodeJS.ErrnoException).code ?? 'cannot listen'}).`,
      `Stop what uses it, or run auth --port <another>, and list http://localhost:<that port>/callback as a redirect URI of the client.`,
    );
  }
  const v6 = await listen('::1').catch(() => undefined);
  return v6 ? [v4, v6] : [v4];
}

function openInBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['rundll32', ['url.dll,FileProtocolHandler', url]] // not cmd's start, which reads & in the URL
        : ['xdg-open', [url]];
  // No browser (a server, a container) is fine: the link is printed above.
  const child = spawn(command, args, { stdio: 'ignore', detached: true });
  child.on('error', () => {});
  child.unref();
}

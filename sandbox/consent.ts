/**
 * The sandbox's consent page, as Zoho's accounts server shows one to a server-based client's
 * user: GET /oauth/v2/auth with the client, scopes and redirect URI shows what is asked; the
 * user's Accept sends the browser back to the redirect URI with a single-use grant code, the
 * `location` (data centre) and `accounts-server` of the user's org, and the `state` as given;
 * Deny sends `error=access_denied`. So `zoho-backup-notifier auth` can be tried with no account.
 */
import type { SandboxUser } from './model';

export interface ConsentAnswer {
  status: number;
  body: string;
  headers: Record<string, string>;
}

export interface ConsentDesk {
  clientId: string;
  /** Where the org lives, as Zoho's redirect says it (us, eu, in, ...). */
  location: string;
  accountsServer: string;
  user: SandboxUser;
  issueGrantCode(scope: string, redirectUri: string): string;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const page = (status: number, title: string, content: string): ConsentAnswer => ({
  status,
  headers: { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': "default-src 'none'; form-action 'self'" },
  body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${content}</body></html>`,
});

/** GET shows the request; POST (the form's Accept or Deny) redirects to the client. */
export function answerConsent(method: string, params: URLSearchParams, desk: ConsentDesk): ConsentAnswer {
  const clientId = params.get('client_id') ?? '';
  const redirectUri = params.get('redirect_uri') ?? '';
  const scope = params.get('scope') ?? '';
  if (clientId !== desk.clientId) return page(400, 'Invalid client', '<p>No client has this client_id.</p>');
  if (!/^https?:\/\//.test(redirectUri)) return page(400, 'Invalid redirect URI', '<p>redirect_uri is missing.</p>');
  if (method === 'GET') {
    if (params.get('response_type') !== 'code' || !scope)
      return page(400, 'Invalid request', '<p>response_type=code and scope are required.</p>');
    const fields = ['client_id', 'redirect_uri', 'scope', 'state', 'access_type']
      .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(params.get(name) ?? '')}">`)
      .join('');
    return page(
      200,
      'Zoho sandbox: allow access?',
      `<p>${escapeHtml(desk.user.name)} (sandbox org in ${escapeHtml(desk.location)}), the client ${escapeHtml(clientId)} asks for:</p>` +
        `<ul>${scope
          .split(/[ ,]+/)
          .map((s) => `<li>${escapeHtml(s)}</li>`)
          .join('')}</ul>` +
        `<form method="post" action="/oauth/v2/auth">${fields}<button name="decision" value="accept">Accept</button> <button name="decision" value="deny">Deny</button></form>`,
    );
  }
  const back = new URL(redirectUri);
  const state = params.get('state');
  if (state !== null) back.searchParams.set('state', state);
  if (params.get('decision') !== 'accept') back.searchParams.set('error', 'access_denied');
  else {
    back.searchParams.set('code', desk.issueGrantCode(scope, redirectUri));
    back.searchParams.set('location', desk.location);
    back.searchParams.set('accounts-server', desk.accountsServer);
  }
  return { status: 302, headers: { 'Content-Type': 'text/html; charset=utf-8', Location: back.toString() }, body: '' };
}

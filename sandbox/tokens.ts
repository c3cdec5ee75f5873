/** The sandbox's accounts server: mints access tokens for its one refresh token, and checks them. */
import { randomBytes } from 'node:crypto';
import type { SandboxCredentials } from './model';

export class TokenDesk {
  minted = 0;
  /** Every access token handed out, so tests can look for them where they must not be. */
  readonly issued: string[] = [];
  private readonly live = new Map<string, number>();
  private readonly revoked = new Set<string>();
  private readonly grantCodes = new Map<string, { scope: string; redirectUri?: string }>();

  constructor(
    private readonly credentials: SandboxCredentials,
    private readonly lifetimeSeconds: number,
  ) {}

  /**
   * POST /oauth/v2/token, form-urlencoded or multipart/form-data (Zoho's TypeScript SDK sends
   * the latter; Zoho accepts both). Zoho answers refused grants with HTTP 200 and `error`.
   */
  async grant(method: string | undefined, contentType: string | undefined, body: string, apiDomain: string): Promise<[number, unknown]> {
    if (method !== 'POST') return [405, { error: 'invalid_request' }];
    const form = await readForm(body, contentType);
    const grantType = form.get('grant_type');
    if (grantType !== 'refresh_token' && grantType !== 'authorization_code') return [200, { error: 'unsupported_grant_type' }];
    if (form.get('client_id') !== this.credentials.clientId) return [200, { error: 'invalid_client' }];
    if (form.get('client_secret') !== this.credentials.clientSecret) return [200, { error: 'invalid_client' }];
    if (grantType === 'authorization_code') return this.exchangeCode(form.get('code') ?? '', form.get('redirect_uri'), apiDomain);
    const refreshToken = form.get('refresh_token') ?? '';
    if (refreshToken !== this.credentials.refreshToken || this.revoked.has(refreshToken)) return [200, { error: 'invalid_code' }];
    return [200, this.mintAccessToken(apiDomain)];
  }

  /**
   * A grant code, good for one exchange: a Self Client's from the API console, or the consent
   * page's, which only an exchange naming the same redirect URI may use (as Zoho checks).
   */
  issueGrantCode(scope: string, redirectUri?: string): string {
    const code = `1000.${randomBytes(16).toString('hex')}.${randomBytes(16).toString('hex')}`;
    this.grantCodes.set(code, { scope, ...(redirectUri ? { redirectUri } : {}) });
    return code;
  }

  /** grant_type=authorization_code: a refresh token (and a first access token) for an unused code. */
  private exchangeCode(code: string, redirectUri: string | null, apiDomain: string): [number, unknown] {
    const grant = this.grantCodes.get(code);
    if (grant === undefined) return [200, { error: 'invalid_code' }];
    if (grant.redirectUri !== undefined && grant.redirectUri !== redirectUri) return [200, { error: 'invalid_redirect_uri' }];
    this.grantCodes.delete(code);
    const { scope } = grant;
    this.revoked.clear();
    return [200, { ...this.mintAccessToken(apiDomain), refresh_token: this.credentials.refreshToken, scope }];
  }

  private mintAccessToken(apiDomain: string) {
    const accessToken = `1000.${randomBytes(16).toString('hex')}.${randomBytes(16).toString('hex')}`;
    this.live.set(accessToken, Date.now() + this.lifetimeSeconds * 1000);
    this.minted += 1;
    this.issued.push(accessToken);
    return { access_token: accessToken, api_domain: apiDomain, token_type: 'Bearer', expires_in: this.lifetimeSeconds };
  }

  isAuthorized(header: string | undefined): boolean {
    const token = header?.match(/^Zoho-oauthtoken (\S+)$/)?.[1];
    const expiresAt = token ? this.live.get(token) : undefined;
    return expiresAt !== undefined && expiresAt > Date.now();
  }

  /** Every access token stops working, as when an admin revokes them. */
  revokeAccessTokens(): void {
    this.live.clear();
  }

  /** The refresh token is revoked: the token endpoint answers invalid_code from now on. */
  revokeRefreshToken(): void {
    this.revoked.add(this.credentials.refreshToken);
  }

  /** The refresh token works again (as if the user had set a new, valid one). */
  restoreRefreshToken(): void {
    this.revoked.clear();
  }
}

/** The grant's fields from either encoding; undici's Response parses multipart bodies. */
async function readForm(body: string, contentType: string | undefined): Promise<URLSearchParams> {
  if (!contentType?.toLowerCase().startsWith('multipart/form-data')) return new URLSearchParams(body);
  const fields = new URLSearchParams();
  try {
    const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
    for (const [name, value] of form.entries()) if (typeof value === 'string') fields.set(name, value);
  } catch {
    // A broken multipart body: no fields, so the grant is refused as Zoho would.
  }
  return fields;
}

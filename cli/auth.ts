/**
 * `auth`: gets a refresh token, writes it into ./.env (mode 0600), and proves it by reading the
 * backup history. With --code, from a Self Client's grant code; without, for a server-based
 * client, from the consent the user gives in the browser (loopbackAuth.ts), at the accounts
 * server of the user's data centre. Never prints a secret.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { type AuthSettings, loadAuthSettings, loadRegistrySettings } from '../shared/config/partial';
import { CodedError } from '../shared/errors';
import { createRetryingHttp, parseJson } from '../shared/http';
import { SecretScrubber } from '../shared/secrets';
import { ZohoBackupClient } from '../shared/zoho/client';
import { type DataCentre, resolveZohoHosts } from '../shared/zoho/datacentres';
import { zohoTokenError } from '../shared/zoho/errors';
import { refreshTokenLimitWarning } from '../shared/zoho/refreshTokenLimit';
import { ZohoTokenProvider } from '../shared/zoho/tokens';
import type { Io } from './commands';
import { consentInBrowser } from './loopbackAuth';
import { EXIT } from './usage';

const REQUIRED_SCOPE = 'ZohoCRM.bulk.backup.READ';
const ARCHIVE_SCOPE = 'ZohoFiles.files.ALL';

const grantAnswer = z.union([
  z.object({ refresh_token: z.string().check(z.minLength(1)), access_token: z.optional(z.string()), scope: z.optional(z.string()) }),
  z.object({ error: z.string() }),
]);

class GrantCodeError extends CodedError {
  constructor() {
    super(
      'ZOHO_INVALID_GRANT_CODE',
      'Zoho refused the grant code (invalid_code): it was used already, has expired, or belongs to another data centre.',
      `Generate a new code in the API console (Self Client > Generate Code, scope ${REQUIRED_SCOPE}) and run auth again within its time; check ZOHO_DC.`,
    );
  }
}

export interface AuthOptions {
  /** A Self Client's grant code; without one, the browser's consent. */
  code?: string;
  port: number;
  openBrowser: boolean;
}

export async function authCommand(io: Io, options: AuthOptions, dir: string): Promise<number> {
  const { settings, code, redirectUri } = await grantOf(io, options);
  const scrubber = new SecretScrubber([settings.clientSecret, code]);
  const answer = await exchange(settings, code, scrubber, redirectUri);
  scrubber.add(answer.refresh_token);
  writeDotEnv(join(dir, '.env'), { ZOHO_REFRESH_TOKEN: answer.refresh_token, ZOHO_DC: settings.dc });
  const rows = await historyWith(settings, answer.refresh_token, scrubber);
  const scopes = answer.scope?.split(/[ ,]+/).filter(Boolean);
  const missing = scopes && settings.archiveEnabled && !scopes.includes(ARCHIVE_SCOPE) ? [ARCHIVE_SCOPE] : [];
  const report = {
    ok: true,
    wrote: ['ZOHO_REFRESH_TOKEN', 'ZOHO_DC'],
    file: join(dir, '.env'),
    dc: settings.dc,
    historyRows: rows,
    scopes: scopes ?? null,
    missingScopes: missing,
  };
  if (io.json) io.out(JSON.stringify(report, null, 2));
  else describeAuth(io, report, settings.archiveEnabled);
  const warning = await refreshTokenWarning(io, settings.clientId);
  if (warning) io.err(`warning: ${warning}`);
  return EXIT.ok;
}

/**
 * The grant code and where to exchange it: a Self Client's code at ZOHO_DC's accounts server,
 * or the browser consent's at the accounts server of the data centre Zoho's redirect names
 * (a user's org may live in another than ZOHO_DC says).
 */
async function grantOf(io: Io, options: AuthOptions): Promise<Grant> {
  const configured = loadAuthSettings(io.settings);
  if (options.code) return { settings: configured, code: options.code };
  return consentGrant(io, configured, options, io.settings.ZOHO_API_DOMAIN || undefined);
}

interface Grant {
  settings: AuthSettings;
  code: string;
  redirectUri?: string;
}

async function consentGrant(
  io: Io,
  configured: AuthSettings,
  options: Omit<AuthOptions, 'code'>,
  apiDomain: string | undefined,
): Promise<Grant> {
  const scopes = [REQUIRED_SCOPE, ...(configured.archiveEnabled ? [ARCHIVE_SCOPE] : [])];
  const consent = await consentInBrowser({
    ...configured,
    scopes,
    port: options.port,
    openBrowser: options.openBrowser,
    say: io.json ? io.err : io.out,
  });
  const hosts = resolveZohoHosts(consent.dc, { accountsUrl: consent.accountsUrl, apiDomain });
  return { settings: { ...configured, dc: consent.dc, ...hosts }, code: consent.code, redirectUri: consent.redirectUri };
}

function describeAuth(
  io: Io,
  report: { file: string; dc: string; historyRows: number; scopes: string[] | null; missingScopes: string[] },
  archiveEnabled: boolean,
): void {
  const { file, dc, historyRows: rows, scopes, missingScopes: missing } = report;
  io.out(`Saved ZOHO_REFRESH_TOKEN and ZOHO_DC=${dc} in ${file} (readable by you only).`);
  io.out(`The token works: Zoho's backup history answered with ${rows} row${rows === 1 ? '' : 's'} for the past year.`);
  io.out(scopes ? `Scopes: ${scopes.join(', ')}` : `Scopes: Zoho did not list them; ${REQUIRED_SCOPE} is proven by the history call.`);
  if (missing.length > 0) io.err(`warning: ARCHIVE_ENABLED=true needs ${missing.join(', ')}: run auth again and grant it.`);
  else if (!scopes && archiveEnabled)
    io.out(`With ARCHIVE_ENABLED=true the code also needs ${ARCHIVE_SCOPE}; the first archived part proves it.`);
  io.out('Next: npx zoho-backup-notifier test-notify, then npx zoho-backup-notifier check.');
}

/** orgs add: a refresh token for an org of a file from its admin's consent in the browser, and the data centre Zoho named. */
export async function authorizeInBrowser(
  io: Io,
  client: AuthSettings,
  options: Omit<AuthOptions, 'code'>,
  apiDomain: string | undefined,
): Promise<{ refreshToken: string; dc: DataCentre }> {
  const { settings, code, redirectUri } = await consentGrant(io, client, options, apiDomain);
  const answer = await exchange(settings, code, new SecretScrubber([settings.clientSecret, code]), redirectUri);
  return { refreshToken: answer.refresh_token, dc: settings.dc };
}

/**
 * Each consent makes a refresh token, and Zoho keeps 20 per user per client. A deployment with
 * a registry (ZOHO_ORGS_VAULT_URI) knows how many orgs use this client; without one, or when
 * it cannot be read (no az login), there is nothing to count and nothing is said.
 */
async function refreshTokenWarning(io: Io, clientId: string): Promise<string | undefined> {
  const registry = loadRegistrySettings(io.settings);
  if (!registry) return undefined;
  const { openRegistry } = require('../shared/orgs/registry') as typeof import('../shared/orgs/registry');
  const orgs = await openRegistry(registry, undefined)
    .registry.list()
    .catch(() => undefined);
  const onClient = orgs?.filter((o) => o.entry.clientId === clientId).length;
  return onClient === undefined ? undefined : refreshTokenLimitWarning(onClient + 1, clientId);
}

async function exchange(settings: AuthSettings, code: string, scrubber: SecretScrubber, redirectUri: string | undefined) {
  const http = createRetryingHttp({ retries: 1 });
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    client_id: settings.clientId,
    client_secret: settings.clientSecret,
    code,
    // A code from the consent page is exchanged only with the redirect URI it was sent to.
    ...(redirectUri ? { redirect_uri: redirectUri } : {}),
  });
  const response = await http
    .post(`${settings.accountsUrl}/oauth/v2/token`, form.toString(), {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      validateStatus: () => true,
    })
    .catch(() => {
      throw new CodedError(
        'ZOHO_UNREACHABLE',
        `Zoho's accounts server ${settings.accountsUrl} could not be reached.`,
        'Check ZOHO_DC (or ZOHO_ACCOUNTS_URL) and the network.',
      );
    });
  const parsed = parseJson(response.data);
  const answer = grantAnswer.safeParse(parsed.ok ? parsed.value : undefined);
  if (!answer.success)
    throw new CodedError(
      'ZOHO_BAD_RESPONSE',
      `Zoho's accounts server answered HTTP ${response.status} without a refresh token.`,
      'Check ZOHO_DC (or ZOHO_ACCOUNTS_URL).',
    );
  if ('error' in answer.data)
    throw answer.data.error === 'invalid_code' ? new GrantCodeError() : zohoTokenError(answer.data.error, scrubber);
  return answer.data;
}

async function historyWith(settings: AuthSettings, refreshToken: string, scrubber: SecretScrubber): Promise<number> {
  const http = createRetryingHttp({ retries: 1 });
  const tokens = new ZohoTokenProvider({ ...settings, refreshToken }, { http, scrubber });
  const client = new ZohoBackupClient({ apiDomain: settings.apiDomain, apiVersion: settings.apiVersion, tokens, http, scrubber });
  return (await client.listHistory()).length;
}

/** Sets `values` in a .env file, keeping every other line; creates it if needed, readable by its owner only. */
function writeDotEnv(path: string, values: Record<string, string>): void {
  const lines = existsSync(path) ? readFileSync(path, 'utf8').split('\n') : [];
  for (const [name, value] of Object.entries(values)) {
    const line = `${name}=${value}`;
    const index = lines.findIndex((l) => new RegExp(`^\\s*(export\\s+)?${name}\\s*=`).test(l));
    if (index >= 0) lines[index] = line;
    else lines.splice(lines.at(-1) === '' ? lines.length - 1 : lines.length, 0, line);
  }
  writeFileSync(path, `${lines.join('\n').replace(/\n*$/, '')}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

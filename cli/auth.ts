/**
 * `auth --code <grant code>`: turns a Self Client grant code into a refresh token at the data
 * centre's accounts server, writes it into ./.env (mode 0600), and proves it by reading the
 * backup history. Never prints a secret.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { ConfigError } from '../shared/config';
import { type AuthSettings, loadAuthSettings } from '../shared/config/partial';
import { CodedError } from '../shared/errors';
import { createRetryingHttp, parseJson } from '../shared/http';
import { SecretScrubber } from '../shared/secrets';
import { ZohoBackupClient } from '../shared/zoho/client';
import { zohoTokenError } from '../shared/zoho/errors';
import { ZohoTokenProvider } from '../shared/zoho/tokens';
import type { Io } from './commands';
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

export async function authCommand(io: Io, code: string | undefined, dir: string): Promise<number> {
  if (!code) throw new ConfigError(['auth needs --code <grant code>: generate one in the API console (Self Client > Generate Code)']);
  const settings = loadAuthSettings(io.settings);
  const scrubber = new SecretScrubber([settings.clientSecret, code]);
  const answer = await exchange(settings, code, scrubber);
  scrubber.add(answer.refresh_token);
  writeDotEnv(join(dir, '.env'), { ZOHO_REFRESH_TOKEN: answer.refresh_token, ZOHO_DC: settings.dc });
  const rows = await historyWith(settings, answer.refresh_token, scrubber);
  const scopes = answer.scope?.split(/[ ,]+/).filter(Boolean);
  const missing = scopes && settings.archiveEnabled && !scopes.includes(ARCHIVE_SCOPE) ? [ARCHIVE_SCOPE] : [];
  const report = {
    ok: true,
    wrote: ['ZOHO_REFRESH_TOKEN', 'ZOHO_DC'],
    file: join(dir, '.env'),
    historyRows: rows,
    scopes: scopes ?? null,
    missingScopes: missing,
  };
  if (io.json) io.out(JSON.stringify(report, null, 2));
  else {
    io.out(`Saved ZOHO_REFRESH_TOKEN and ZOHO_DC=${settings.dc} in ${report.file} (readable by you only).`);
    io.out(`The token works: Zoho's backup history answered with ${rows} row${rows === 1 ? '' : 's'} for the past year.`);
    io.out(scopes ? `Scopes: ${scopes.join(', ')}` : `Scopes: Zoho did not list them; ${REQUIRED_SCOPE} is proven by the history call.`);
    if (missing.length > 0)
      io.err(`warning: ARCHIVE_ENABLED=true needs ${missing.join(', ')}: generate a new code with it and run auth again.`);
    else if (!scopes && settings.archiveEnabled)
      io.out(`With ARCHIVE_ENABLED=true the code also needs ${ARCHIVE_SCOPE}; the first archived part proves it.`);
    io.out('Next: zoho-backup-notifier test-notify, then zoho-backup-notifier check.');
  }
  return EXIT.ok;
}

async function exchange(settings: AuthSettings, code: string, scrubber: SecretScrubber) {
  const http = createRetryingHttp({ retries: 1 });
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    client_id: settings.clientId,
    client_secret: settings.clientSecret,
    code,
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

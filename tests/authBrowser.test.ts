/**
 * `auth` for a server-based client, as a user runs it: the command line as a child process
 * prints Zoho's consent link; "the browser" (real HTTP over sockets) opens the sandbox's
 * consent page, accepts or denies, and follows Zoho's redirect to the command's loopback
 * callback. A multi-DC org: the client is set up for us, the user's org lives in eu.
 */
import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ZohoSandbox } from '../sandbox/zohoSandbox';
import { answerConsent, freePort, type RunningCli, startCli } from './support/consent';
import { tempFolders } from './support/tempFolders';

const tempFolder = tempFolders();

let zoho: ZohoSandbox;
let cwd: string;

beforeEach(async () => {
  zoho = await ZohoSandbox.start({ location: 'eu' });
  cwd = tempFolder('auth-browser-');
});
afterEach(() => zoho.close());

function startAuth(args: string[]): RunningCli {
  const { ZOHO_REFRESH_TOKEN: _none, ...settings } = zoho.settings;
  return startCli(['auth', '--no-browser', ...args], { ...settings, ZOHO_DC: 'us' }, cwd);
}

describe('zoho-backup-notifier auth in the browser (a server-based client)', () => {
  it("asks for the scopes the settings need, takes the code on loopback, exchanges it in the org's data centre, and saves the token", async () => {
    const port = await freePort();
    const auth = startAuth(['--port', String(port)]);
    const link = await auth.link;
    expect(link.origin).toBe(zoho.url);
    expect(Object.fromEntries(link.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: zoho.settings.ZOHO_CLIENT_ID,
      scope: 'ZohoCRM.bulk.backup.READ',
      redirect_uri: `http://localhost:${port}/callback`,
      access_type: 'offline',
      prompt: 'consent',
      state: expect.stringMatching(/^[0-9a-f]{32}$/),
    });

    const { page, callback } = await answerConsent(link, 'accept');
    expect(page).toContain('ZohoCRM.bulk.backup.READ');
    expect(callback.status).toBe(200);
    expect(await callback.text()).toContain('You can close this tab');
    expect(await auth.exited).toBe(0);

    const dotenv = readFileSync(join(cwd, '.env'), 'utf8');
    expect(dotenv).toContain(`ZOHO_REFRESH_TOKEN=${zoho.settings.ZOHO_REFRESH_TOKEN}`);
    expect(dotenv).toContain('ZOHO_DC=eu'); // as Zoho's redirect said, not ZOHO_DC=us
    expect(statSync(join(cwd, '.env')).mode & 0o777).toBe(0o600);
    expect(auth.output.stdout).toContain('The token works');
    const grant = zoho.requests.find((r) => r.endpoint === 'token');
    expect(grant).toBeDefined();
    for (const secret of [zoho.settings.ZOHO_REFRESH_TOKEN ?? '', zoho.settings.ZOHO_CLIENT_SECRET ?? ''])
      expect(auth.output.stdout + auth.output.stderr).not.toContain(secret);
  });

  it('a denied consent, or an answer the page this run opened did not send, ends with ZOHO_CONSENT_FAILED and saves nothing', async () => {
    const denied = startAuth(['--port', String(await freePort()), '--json']);
    await answerConsent(await denied.link, 'deny');
    expect(await denied.exited).toBe(1);
    expect(JSON.parse(denied.output.stdout)).toMatchObject({
      ok: false,
      error: { code: 'ZOHO_CONSENT_FAILED', message: expect.stringContaining('access_denied') },
    });

    const port = await freePort();
    const forged = startAuth(['--port', String(port)]);
    await forged.link;
    const answer = await fetch(`http://localhost:${port}/callback?code=1000.forged&state=not-this-run`);
    expect(answer.status).toBe(400);
    expect(await forged.exited).toBe(1);
    expect(forged.output.stderr).toMatch(/did not come from the page this run opened/);
    expect(() => statSync(join(cwd, '.env'))).toThrow();
  });

  it('a taken port is said, with what to do', async () => {
    const busy = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => busy.listen(port, '127.0.0.1', resolve));
    try {
      const auth = startAuth(['--port', String(port)]);
      expect(await auth.exited).toBe(1);
      expect(auth.output.stderr).toMatch(new RegExp(`port ${port} on this machine is taken.*--port`, 's'));
    } finally {
      busy.close();
    }
  });
});

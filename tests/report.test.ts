/**
 * The report page, in a real browser: headless Chromium (Debian's, driven by playwright-core)
 * opens `zoho-backup-notifier serve` (the command line as a child process) and the
 * backupReport function handler over real sockets. The page loads with no console error and no
 * blocked or failed request, shows the sandbox story's backups, the records drop and each
 * archived backup's generation; without a sign-in the function answers 401 and shows nothing.
 * The page's safety is checked on hostile data too: markup and bidi names, an unreadable org,
 * no backups, a backup with no inspection, ten thousand links.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { type Browser, chromium, type Page } from 'playwright-core';
import { backupReportHandler } from '../functions/backupReport';
import { SANDBOX_MODULES } from '../sandbox/backupFiles';
import type { ZohoSandbox } from '../sandbox/zohoSandbox';
import { type ArchivedBackup, archiveReaderOf } from '../shared/archive/catalog';
import { gatherReport } from '../shared/report/gather';
import { renderReport } from '../shared/report/page';
import { FileStateStore } from '../shared/state/fileStore';
import type { StatusView } from '../shared/status';
import { CLI, cli, cliWorldPerTest } from './support/cli';
import { tempFolders } from './support/tempFolders';
import { hoursAgo, startWorld } from './support/world';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const tempFolder = tempFolders();
let zoho: ZohoSandbox;
let cwd: string;
let env: Record<string, string>;
cliWorldPerTest({ teams: false, folder: () => tempFolder('report-') }, (world) => {
  ({ zoho, cwd, env } = world);
});

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 60_000);
afterAll(() => browser?.close());

/** Opens `url`; every console error, failed request and request to another origin is collected. */
async function open(url: string, headers: Record<string, string> = {}): Promise<{ page: Page; problems: string[]; status: number }> {
  const context = await browser.newContext({ extraHTTPHeaders: headers });
  const page = await context.newPage();
  const problems: string[] = [];
  const origin = new URL(url).origin;
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));
  page.on('request', (r) => !r.url().startsWith(origin) && !r.url().startsWith('data:') && problems.push(`elsewhere: ${r.url()}`));
  const response = await page.goto(url);
  return { page, problems, status: response?.status() ?? 0 };
}

function serve(args: string[], settings: Record<string, string>, folder: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { cwd: folder, env: { PATH: process.env.PATH ?? '', ...settings } });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1];
      if (url) resolve({ url, child });
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
}

describe('the report page in a browser', () => {
  it('serve: the sandbox story, with the Contacts drop and each backup generation, and no console error or outside request', async () => {
    const vault = join(cwd, 'vault');
    mkdirSync(vault);
    const archiveEnv = { ...env, ARCHIVE_DIR: vault, ZOHO_DOWNLOAD_HOSTS: zoho.url, NOTIFY_TIMEZONE: 'UTC' };
    zoho.completeBackup({ at: hoursAgo(30) });
    expect((await cli(['check'], archiveEnv, cwd)).code).toBe(0);
    zoho.completeBackup({ at: hoursAgo(2), records: { ...SANDBOX_MODULES, Contacts: 310 } });
    expect((await cli(['check'], archiveEnv, cwd)).code).toBe(0);
    zoho.failBackup(new Date()); // after the first check: news (an older failure is history)
    expect((await cli(['check'], archiveEnv, cwd)).code).toBe(0);

    const { url, child } = await serve(['--port', '0'], archiveEnv, cwd);
    try {
      const { page, problems, status } = await open(url);
      expect(status).toBe(200);
      const body = await page.locator('body').textContent();
      expect(body).toContain('Zoho CRM');
      expect(body).toMatch(/Archived backups, newest first/);
      expect(body).toContain('yearly');
      expect(await page.locator('table.numbers').textContent()).toMatch(/Contacts[\s\S]*810[\s\S]*310/);
      expect(await page.locator('svg circle.drop').count()).toBe(1);
      const timeline = (await page.locator('table', { hasText: 'The past year' }).textContent()) ?? '';
      expect(timeline).toMatch(/Backup failed[\s\S]*Records dropped[\s\S]*Backup completed/);
      expect(await page.locator('script').count()).toBe(0);
      await page.screenshot({ path: process.env.REPORT_SCREENSHOT ?? join(cwd, 'report.png'), fullPage: true });
      // On a phone the page does not scroll sideways: wide tables scroll inside themselves.
      await page.setViewportSize({ width: 390, height: 800 });
      expect(Number(await page.evaluate('document.documentElement.scrollWidth'))).toBeLessThanOrEqual(390);
      expect(problems).toEqual([]);
      // Asked for by another name (DNS rebinding), it answers nothing.
      const rebound = await new Promise<number>((resolve, reject) =>
        get(url, { headers: { Host: 'evil.example' } }, (res) => resolve(res.resume().statusCode ?? 0)).on('error', reject),
      );
      expect(rebound).toBe(421);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('backupReport: 401 and nothing of the page without a sign-in; the page for a signed-in owner', async () => {
    const world = await startWorld({ channels: ['slack'] });
    let server: Server | undefined;
    try {
      world.sandbox.completeBackup({ at: hoursAgo(1) });
      await world.check();
      const runtime = world.runtime();
      const answer = async (settings: Record<string, string>, url: string, headers: Record<string, string>) => {
        const request = new HttpRequest({ method: 'GET', url, headers });
        return backupReportHandler(
          () => runtime,
          async () => undefined,
          settings,
        )(request, new InvocationContext({ functionName: 'backupReport' }));
      };
      let settings: Record<string, string> = {};
      server = createServer((req, res) => {
        const headers = Object.fromEntries(Object.entries(req.headers).filter((e): e is [string, string] => typeof e[1] === 'string'));
        answer(settings, `http://localhost${req.url}`, headers).then((r) =>
          res.writeHead(r.status ?? 200, r.headers as Record<string, string>).end(r.body as string),
        );
      });
      await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/report`;
      const principal = { 'x-ms-client-principal': Buffer.from('{"auth_typ":"aad"}').toString('base64') };

      const anonymous = await open(url);
      expect(anonymous.status).toBe(401);
      expect(await anonymous.page.locator('body').textContent()).toBe('Sign-in required.');
      // The header alone proves nothing while the platform's authentication is off (anyone can send it).
      expect((await open(url, principal)).status).toBe(401);

      settings = { WEBSITE_AUTH_ENABLED: 'True' };
      expect((await open(url)).status).toBe(401);
      const owner = await open(url, principal);
      expect(owner.status).toBe(200);
      expect(await owner.page.locator('h2', { hasText: 'Zylker Inc' }).count()).toBe(1);
      expect(owner.problems).toEqual([]);
    } finally {
      server?.close();
      await world.close();
    }
  });
});

describe('the report page on hostile and awkward data', () => {
  const status = (over: Partial<StatusView>): StatusView =>
    ({
      org: 'x',
      state: 's',
      backup: null,
      alerts: [],
      health: { consecutiveFailures: 0, incident: null },
      schedule: null,
      lastCheck: null,
      lastSuccessAt: null,
      lastError: null,
      checkInProgress: false,
      zohoApi: null,
      contents: null,
      lastVerified: null,
      channels: {},
      history: [],
      ...over,
    }) as StatusView;
  const model = (orgs: Parameters<typeof renderReport>[0]['orgs']) => ({
    generatedAt: new Date('2026-12-02T12:00:00Z'),
    timeZone: 'UTC',
    orgs,
    dropPercent: 10,
  });
  const none = () => undefined;

  it('escapes markup and shows bidi controls as code points; an unreadable org says so and the others render', () => {
    const page = renderReport(
      model([
        {
          name: '<img src=x onerror=alert(1)>Acme',
          status: status({
            alerts: [{ kind: 'k', occurrence: 'o', raisedAt: '2026-12-01T00:00:00Z', summary: '<script>x</script>', deliveries: {} }],
          }),
          archived: [],
          lastDrill: none,
        },
        { name: 'evil\u202Etxt.exe', problem: 'STATE_INVALID: the watch record is not one this app writes', archived: [], lastDrill: none },
        {
          name: 'Quiet Org',
          status: status({
            channels: {
              slack: {
                consecutiveFailures: 2,
                incident: { since: '2026-12-01T08:00:00Z', code: 'SLACK_REJECTED', message: 'm', alerted: true },
              },
              teams: { consecutiveFailures: 0, incident: null },
            },
          }),
          archived: [],
          lastDrill: none,
        },
      ]),
    );
    expect(page).not.toMatch(/<img|<script/);
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;Acme');
    expect(page).toContain('evil[U+202E]txt.exe');
    expect(page).toContain('could not be read: STATE_INVALID');
    expect(page).toContain('No backup announced yet.');
    expect(page).toContain(
      'Slack: <span class="bad">refusing messages since 2026-12-01 08:00 (SLACK_REJECTED)</span>; Teams: <span class="ok">ok</span>',
    );
    expect(page).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-[^']+'/);
  });

  it('a backup with no inspection and ten thousand links renders, with no link query (a token) in it', () => {
    const links = Array.from({ length: 10_000 }, (_, i) => `https://download.zoho.eu/v2/crm/1/backup/2/Data_${i}.zip?token=SECRET${i}`);
    const backup = {
      historyId: 'h',
      completedAt: '2026-12-01T00:00:00Z',
      expiresAt: '2026-12-08T00:00:00Z',
      expires: '',
      expired: false,
      announced: true,
      links: { data: links, attachments: [] },
      deliveries: {},
      archive: null,
    };
    const archived: ArchivedBackup[] = [
      {
        prefix: '1/2026-12-01_2',
        manifest: {
          org: 'Acme',
          historyId: 'h',
          backupCompletedAt: '2026-12-01T00:00:00Z',
          parts: [{ file: 'Data_001.zip', size: 10, sha256: 'a'.repeat(64) }],
        },
      },
    ];
    const page = renderReport(model([{ name: 'Acme', status: status({ backup }), archived, lastDrill: none }]));
    expect(page).toContain('not inspected');
    expect(page).not.toContain('SECRET');
    expect(page.match(/<li><a href=/g)).toHaveLength(10_000);
  });

  it('with more than 25 orgs: the overview only, from each org folder newest manifest and its count', async () => {
    const root = tempFolder('report-many-');
    const orgs = Array.from({ length: 26 }, (_, i) => ({ key: `k${i}`, name: `Client ${i}` }));
    for (const [i, org] of orgs.entries())
      for (const day of ['2026-11-01', '2026-11-08']) {
        const folder = join(root, String(9000 + i), `${day}_${i}`);
        mkdirSync(folder, { recursive: true });
        const manifest = {
          org: org.name,
          historyId: `${i}`,
          backupCompletedAt: `${day}T02:00:00Z`,
          parts: [{ file: 'Data_001.zip', size: 1, sha256: 'b'.repeat(64) }],
        };
        writeFileSync(join(folder, 'manifest.json'), JSON.stringify(manifest));
      }
    const store = new FileStateStore(join(root, 'state.json'));
    const model = await gatherReport({ store, orgs, archive: archiveReaderOf({ folder: root }), timeZone: 'UTC' });
    expect(model.orgs.map((o) => [o.archived.map((b) => b.manifest.backupCompletedAt.slice(0, 10)), o.archivedCount])[0]).toEqual([
      ['2026-11-08'],
      2,
    ]);
    const page = renderReport(model);
    expect(page).toContain('Many orgs: name one');
    expect(page).not.toContain('id="org-0"');
    const one = await gatherReport({ store, orgs: orgs.slice(3, 4), archive: archiveReaderOf({ folder: root }), timeZone: 'UTC' });
    expect(one.orgs[0]?.archived).toHaveLength(2);
  });
});

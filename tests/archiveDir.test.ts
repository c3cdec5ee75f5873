/**
 * ARCHIVE_DIR: `check` on the command line (a child process) archives each newly announced
 * backup into a real folder, verified and inspected, with the same layout, manifest and
 * messages as Blob storage; a missing folder or a cut download loses nothing and the next
 * check finishes the job.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SANDBOX_MODULES } from '../sandbox/backupFiles';
import type { WebhookReceiver } from '../sandbox/webhookReceiver';
import type { ZohoSandbox } from '../sandbox/zohoSandbox';
import { cli, cliWorldPerTest } from './support/cli';
import { tempFolders } from './support/tempFolders';
import { hoursAgo } from './support/world';

const tempFolder = tempFolders();
let zoho: ZohoSandbox;
let chat: WebhookReceiver;
let cwd: string;
let env: Record<string, string>;
cliWorldPerTest({ teams: false, folder: () => tempFolder('archive-dir-') }, (world) => {
  ({ zoho, chat, cwd, env } = world);
});

const titles = () =>
  chat.received('slack').map((m) => (m.body as { blocks?: Array<{ text?: { text?: string } }> }).blocks?.[0]?.text?.text);
const archiveEnv = (dir: string) => ({ ...env, ARCHIVE_DIR: dir, ZOHO_DOWNLOAD_HOSTS: zoho.url });

/** Every file under `dir`, relative, sorted. */
function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? filesUnder(dir, join(prefix, entry.name)) : [join(prefix, entry.name)]))
    .sort();
}

it('archives the announced backup into <ARCHIVE_DIR>/<zgid>/<date>_<job id>/ before it exits, with its manifest and message', async () => {
  const dir = join(cwd, 'vault');
  mkdirSync(dir);
  const at = hoursAgo(2);
  const { jobId } = zoho.completeBackup({ at, dataParts: 2, attachmentParts: 1 });
  const run = await cli(['check'], archiveEnv(dir), cwd);
  expect(run).toMatchObject({ code: 0, stderr: '' });
  expect(run.stdout).toContain('Archive Data_002.zip: archived');

  const folder = `${zoho.zgid}/${at.toISOString().slice(0, 10)}_${jobId}`;
  expect(filesUnder(dir)).toEqual(['Attachments_001.zip', 'Data_001.zip', 'Data_002.zip', 'manifest.json'].map((f) => join(folder, f)));
  const manifest = JSON.parse(readFileSync(join(dir, folder, 'manifest.json'), 'utf8'));
  expect(manifest.location).toBe(join(dir, folder));
  expect(manifest.modules).toEqual(
    expect.arrayContaining(Object.entries(SANDBOX_MODULES).map(([module, records]) => ({ module, records }))),
  );
  expect(titles()).toEqual(['Zoho CRM backup ready', 'Zoho CRM backup archived']);

  // The next check finds it archived: nothing downloaded again, nothing sent.
  const downloads = zoho.requests.filter((r) => r.endpoint === 'download').length;
  expect((await cli(['check'], archiveEnv(dir), cwd)).code).toBe(0);
  expect(zoho.requests.filter((r) => r.endpoint === 'download')).toHaveLength(downloads);
  expect(chat.received('slack')).toHaveLength(2);
});

it('a missing ARCHIVE_DIR: a named error, one alert per part, the announcement stands, and the next check archives', async () => {
  const dir = join(cwd, 'not-mounted');
  zoho.completeBackup({ at: hoursAgo(2), dataParts: 1, attachmentParts: 0 });
  const first = await cli(['check'], archiveEnv(dir), cwd);
  expect(first.code).toBe(1);
  expect(first.stdout).toContain(
    `Archive Data_001.zip: failed (ARCHIVE_DIR_UNAVAILABLE: ARCHIVE_DIR ${dir}: does not exist (is the drive or share mounted?))`,
  );
  expect(existsSync(dir)).toBe(false); // never created under a share that is not there
  expect(titles()).toEqual(['Zoho CRM backup ready', 'Zoho CRM backup part not archived']);

  expect((await cli(['check'], archiveEnv(dir), cwd)).code).toBe(1);
  expect(titles()).toHaveLength(2); // the same failure is not alerted twice

  mkdirSync(dir);
  const fixed = await cli(['check'], archiveEnv(dir), cwd);
  expect(fixed.code).toBe(0);
  expect(titles()).toEqual(['Zoho CRM backup ready', 'Zoho CRM backup part not archived', 'Zoho CRM backup archived']);
});

it('a download cut mid-way leaves no file under its name; the next check clears what was left and completes', async () => {
  const dir = join(cwd, 'vault');
  const at = hoursAgo(2);
  const { jobId } = zoho.completeBackup({ at, dataParts: 1, attachmentParts: 0, partSize: 3 * 1024 * 1024 });
  const folder = join(dir, zoho.zgid, `${at.toISOString().slice(0, 10)}_${jobId}`);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'Data_001.zip.partial-0badc0ffee00'), 'left by a run that was killed');
  zoho.inject({ endpoint: 'download', dropAfterBytes: 1024 * 1024 });

  const cut = await cli(['check'], archiveEnv(dir), cwd);
  expect(cut.code).toBe(1);
  expect(readdirSync(folder)).toEqual([]);

  expect((await cli(['check'], archiveEnv(dir), cwd)).code).toBe(0);
  expect(readdirSync(folder).sort()).toEqual(['Data_001.zip', 'manifest.json']);
});

it('a manifest that cannot be written leaves every part archived; the next check finishes the backup, with one message', async () => {
  const dir = join(cwd, 'vault');
  const at = hoursAgo(2);
  const { jobId } = zoho.completeBackup({ at, dataParts: 1, attachmentParts: 0 });
  const folder = join(dir, zoho.zgid, `${at.toISOString().slice(0, 10)}_${jobId}`);
  // A folder where the manifest goes: its rename fails, as a full disk or a lost share would.
  mkdirSync(join(folder, 'manifest.json'), { recursive: true });
  const failed = await cli(['check'], archiveEnv(dir), cwd);
  expect(failed.code).toBe(1);
  expect(readdirSync(folder).sort()).toEqual(['Data_001.zip', 'manifest.json']);
  expect(titles()).toEqual(['Zoho CRM backup ready', 'Zoho CRM backup part not archived']);

  rmSync(join(folder, 'manifest.json'), { recursive: true });
  const downloads = zoho.requests.filter((r) => r.endpoint === 'download').length;
  const finished = await cli(['check'], archiveEnv(dir), cwd);
  expect(finished.code).toBe(0);
  expect(zoho.requests.filter((r) => r.endpoint === 'download')).toHaveLength(downloads); // the part was kept
  expect(JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')).parts).toHaveLength(1);
  expect((await cli(['status', '--json'], archiveEnv(dir), cwd)).stdout).toContain('"status": "archived"');
  expect(titles().filter((t) => t === 'Zoho CRM backup archived')).toHaveLength(1);
  await cli(['check'], archiveEnv(dir), cwd);
  expect(titles().filter((t) => t === 'Zoho CRM backup archived')).toHaveLength(1);
});

it('refuses ARCHIVE_DIR together with ARCHIVE_ENABLED=true', async () => {
  const run = await cli(['check'], { ...archiveEnv(cwd), ARCHIVE_ENABLED: 'true', AzureWebJobsStorage: 'UseDevelopmentStorage=true' }, cwd);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain('ARCHIVE_DIR and ARCHIVE_ENABLED=true are both set');
});

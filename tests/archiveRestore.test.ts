/**
 * Getting a backup back out, as users run it: `check` archives into a real folder (ARCHIVE_DIR)
 * and `archive list|get|verify` (the command line as a child process) read it back, every part
 * verified against its manifest; a tampered copy, a name that matches nothing, a folder with
 * the user's files and a missing manifest each get their code, and nothing is overwritten with
 * unverified bytes. The same commands read the app's Blob container (Azurite).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import type { ZohoSandbox } from '../sandbox/zohoSandbox';
import { azuriteConnectionString } from './support/azurite';
import { cli, cliWorldPerTest } from './support/cli';
import { tempFolders } from './support/tempFolders';
import { hoursAgo } from './support/world';

const tempFolder = tempFolders();
let zoho: ZohoSandbox;
let cwd: string;
let env: Record<string, string>;
cliWorldPerTest({ teams: false, folder: () => tempFolder('archive-restore-') }, (world) => {
  ({ zoho, cwd, env } = world);
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A backup archived by `check` into a folder: where it is, and its job id. */
async function archivedBackup(): Promise<{ vault: string; folder: string; jobId: string; archiveEnv: Record<string, string> }> {
  const vault = join(cwd, 'vault');
  mkdirSync(vault);
  const at = hoursAgo(2);
  const { jobId } = zoho.completeBackup({ at, dataParts: 2, attachmentParts: 1 });
  const archiveEnv = { ...env, ARCHIVE_DIR: vault, ZOHO_DOWNLOAD_HOSTS: zoho.url };
  expect((await cli(['check'], archiveEnv, cwd)).code).toBe(0);
  return { vault, folder: join(vault, `${zoho.zgid}/${at.toISOString().slice(0, 10)}_${jobId}`), jobId, archiveEnv };
}

describe('archive list | get | verify on ARCHIVE_DIR', () => {
  it('lists the backup, gets it back verified (and resumes), and the drill reads it again', async () => {
    const { folder, jobId, archiveEnv } = await archivedBackup();
    const listed = await cli(['archive', 'list', '--json'], archiveEnv, cwd);
    expect(listed.code).toBe(0);
    const [entry] = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
    expect(entry).toEqual({
      org: 'Zoho CRM',
      jobId,
      date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      parts: expect.arrayContaining([
        { file: 'Data_001.zip', bytes: expect.any(Number), sha256: sha256(readFileSync(join(folder, 'Data_001.zip'))) },
      ]),
      records: 2310,
      verified: true,
      generation: 'yearly',
      expires: expect.stringMatching(/^\d{4}-/),
      lastVerified: null,
    });

    const target = join(cwd, 'restored');
    const got = await cli(['archive', 'get', 'latest', '--to', target], archiveEnv, cwd);
    expect(got).toMatchObject({ code: 0 });
    expect(got.stderr).toContain('Data_002.zip');
    for (const file of ['Data_001.zip', 'Data_002.zip', 'Attachments_001.zip'])
      expect(readFileSync(join(target, file)).equals(readFileSync(join(folder, file)))).toBe(true);
    expect(readdirSync(target).sort()).toEqual(['Attachments_001.zip', 'Data_001.zip', 'Data_002.zip', 'manifest.json']);
    // Again, by job id: every part is there and verified, nothing copied.
    const again = await cli(['archive', 'get', jobId, '--to', target, '--json'], archiveEnv, cwd);
    expect((JSON.parse(again.stdout) as { parts: Array<{ outcome: string }> }).parts.map((p) => p.outcome)).toEqual([
      'already there',
      'already there',
      'already there',
    ]);

    const drill = await cli(['archive', 'verify', '--all'], archiveEnv, cwd);
    expect(drill).toMatchObject({ code: 0, stdout: expect.stringMatching(/1 backup read again \(.*\): every part matches its manifest/) });
    const status = JSON.parse((await cli(['status', '--json'], archiveEnv, cwd)).stdout) as { lastVerified: { at: string; ok: boolean } };
    expect(status.lastVerified).toEqual({ at: expect.any(String), ok: true });
    expect((await cli(['status'], archiveEnv, cwd)).stdout).toMatch(/Last drill: .*every part still matches its manifest/);
    const relisted = JSON.parse((await cli(['archive', 'list', '--json'], archiveEnv, cwd)).stdout) as Array<{ lastVerified: unknown }>;
    expect(relisted[0]?.lastVerified).toEqual({ at: expect.any(String), ok: true });
  });

  it('the drill takes turns: each run reads the backup verified longest ago, within its budget', async () => {
    const { vault, folder, archiveEnv } = await archivedBackup();
    const org = folder.split('/').slice(-2)[0] as string;
    const earlier = join(vault, org, '2026-01-01_1');
    mkdirSync(earlier);
    for (const file of readdirSync(folder)) writeFileSync(join(earlier, file), readFileSync(join(folder, file)));
    const manifest = JSON.parse(readFileSync(join(earlier, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(earlier, 'manifest.json'), JSON.stringify({ ...manifest, jobId: '1', backupCompletedAt: '2026-01-01T02:00:00Z' }));
    const run = async () => {
      const out = JSON.parse((await cli(['archive', 'verify', '--budget', '0.000001', '--json'], archiveEnv, cwd)).stdout) as {
        verified: Array<{ jobId: string }>;
      };
      return out.verified.map((v) => v.jobId);
    };
    const first = await run();
    expect(first).toEqual(['1']); // never verified, and the oldest
    const second = await run();
    expect(second).toHaveLength(1);
    expect(second).not.toEqual(first);
    expect(await run()).toEqual(first);
  });

  it('a tampered copy: get writes nothing under its name, verify says which part, both exit 1', async () => {
    const { folder, archiveEnv } = await archivedBackup();
    const part = join(folder, 'Data_002.zip');
    const bytes = readFileSync(part);
    const middle = Math.floor(bytes.length / 2);
    bytes.writeUInt8(bytes.readUInt8(middle) ^ 0xff, middle);
    writeFileSync(part, bytes);
    const target = join(cwd, 'restored');
    const got = await cli(['archive', 'get', 'latest', '--to', target, '--json'], archiveEnv, cwd);
    expect(got.code).toBe(1);
    expect(JSON.parse(got.stdout)).toMatchObject({
      ok: false,
      error: { code: 'ARCHIVE_COPY_MISMATCH', message: expect.stringContaining('Data_002.zip') },
    });
    expect(existsSync(join(target, 'Data_002.zip'))).toBe(false);
    expect(readdirSync(target).filter((f) => f.includes('.partial-'))).toEqual([]);
    const drill = await cli(['archive', 'verify'], archiveEnv, cwd);
    expect(drill.code).toBe(1);
    expect(drill.stdout).toMatch(/Data_002\.zip: (unreadable|mismatch)/);
  });

  it('refuses a name that matches nothing, a folder with your files (unless --force, and keeps them), and a missing manifest', async () => {
    const { folder, jobId, archiveEnv } = await archivedBackup();
    const none = await cli(['archive', 'get', '1999-01-01', '--to', join(cwd, 'x'), '--json'], archiveEnv, cwd);
    expect(JSON.parse(none.stdout)).toMatchObject({ ok: false, error: { code: 'ARCHIVE_NOT_FOUND' } });

    const target = join(cwd, 'mine');
    mkdirSync(target);
    writeFileSync(join(target, 'notes.txt'), 'my notes');
    const refused = await cli(['archive', 'get', 'latest', '--to', target, '--json'], archiveEnv, cwd);
    expect(JSON.parse(refused.stdout)).toMatchObject({
      ok: false,
      error: { code: 'ARCHIVE_TARGET_NOT_EMPTY', message: expect.stringContaining('notes.txt') },
    });
    expect(readdirSync(target)).toEqual(['notes.txt']);
    expect((await cli(['archive', 'get', 'latest', '--to', target, '--force'], archiveEnv, cwd)).code).toBe(0);
    expect(readFileSync(join(target, 'notes.txt'), 'utf8')).toBe('my notes');

    rmSync(join(folder, 'manifest.json'));
    const unmanifested = await cli(['archive', 'get', jobId, '--to', join(cwd, 'y'), '--json'], archiveEnv, cwd);
    expect(JSON.parse(unmanifested.stdout)).toMatchObject({ ok: false, error: { code: 'ARCHIVE_MANIFEST_INVALID' } });
    expect((await cli(['archive', 'list'], archiveEnv, cwd)).stderr).toMatch(/no manifest\.json/);
  });
});

describe('archive prune on ARCHIVE_DIR', () => {
  it('lists what retention lets go, removes it only with --yes, and keeps the newest, the unreadable and the pre-generation ones', async () => {
    const { vault, folder, archiveEnv } = await archivedBackup();
    const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    const org = folder.split('/').slice(-2)[0] as string;
    const older = (name: string, daysAgo: number, changes: Record<string, unknown>, inOrg = org) => {
      const at = new Date(Date.now() - daysAgo * 86_400_000).toISOString();
      mkdirSync(join(vault, inOrg, name), { recursive: true });
      writeFileSync(
        join(vault, inOrg, name, 'manifest.json'),
        JSON.stringify({ ...manifest, backupCompletedAt: at, completedAt: at, ...changes }),
      );
    };
    older('2026-01-01_1', 60, { jobId: '1', generation: 'daily' }); // past 35 days: goes
    older('2026-01-02_2', 60, { jobId: '2', generation: 'monthly' }); // within 372 days: stays
    older('2026-01-03_3', 400, { jobId: '3', generation: undefined }); // archived before generations: stays
    mkdirSync(join(vault, org, '2026-01-04_4')); // no manifest: stays
    older('2026-01-05_5', 60, { jobId: '5', generation: 'daily', org: 'Other Org' }, '900000009'); // past its time, but Other Org's newest: stays

    const dry = await cli(['archive', 'prune', '--json'], archiveEnv, cwd);
    expect(dry.code).toBe(0);
    const plan = JSON.parse(dry.stdout) as {
      wouldRemove: Array<{ prefix: string }>;
      removed: unknown[];
      kept: Array<{ prefix: string; reason: string }>;
    };
    expect(plan.wouldRemove.map((r) => r.prefix)).toEqual([`${org}/2026-01-01_1`]);
    expect(plan.removed).toEqual([]);
    expect(existsSync(join(vault, org, '2026-01-01_1'))).toBe(true);
    expect(plan.kept.map((k) => k.prefix).sort()).toEqual(
      [
        `${org}/2026-01-02_2`,
        `${org}/2026-01-03_3`,
        `${org}/2026-01-04_4`,
        '900000009/2026-01-05_5',
        folder.split('/').slice(-2).join('/'),
      ].sort(),
    );
    expect(plan.kept.find((k) => k.prefix === '900000009/2026-01-05_5')?.reason).toBe('kept: the newest backup of Other Org');

    const done = await cli(['archive', 'prune', '--yes'], archiveEnv, cwd);
    expect(done).toMatchObject({ code: 0, stdout: expect.stringContaining('removed') });
    expect(existsSync(join(vault, org, '2026-01-01_1'))).toBe(false);
    expect(existsSync(join(vault, org, '2026-01-02_2'))).toBe(true);

    // Stricter settings apply to what is there, as Azure's rules do; each org's newest still stays.
    const strict = await cli(
      ['archive', 'prune', '--yes', '--json'],
      { ...archiveEnv, ARCHIVE_KEEP_DAILY_DAYS: '1', ARCHIVE_KEEP_MONTHLY_MONTHS: '0', ARCHIVE_KEEP_YEARLY_YEARS: '0' },
      cwd,
    );
    expect((JSON.parse(strict.stdout) as { removed: Array<{ prefix: string }> }).removed.map((r) => r.prefix)).toEqual([
      `${org}/2026-01-02_2`,
    ]);
    expect(existsSync(folder)).toBe(true);
  });
});

describe('archive get from the Blob container', () => {
  it('reads the backup the folder archive wrote, copied into Blob storage, and refuses a blob changed since', async () => {
    const { folder, archiveEnv } = await archivedBackup();
    const container = BlobServiceClient.fromConnectionString(azuriteConnectionString()).getContainerClient(`r${Date.now().toString(36)}`);
    await container.create();
    const prefix = folder.split('/').slice(-2).join('/');
    for (const file of readdirSync(folder)) await container.getBlockBlobClient(`${prefix}/${file}`).uploadFile(join(folder, file));
    const blobEnv = { ...env, AzureWebJobsStorage: azuriteConnectionString(), ARCHIVE_CONTAINER: container.containerName };
    const target = join(cwd, 'from-blob');
    expect((await cli(['archive', 'get', 'latest', '--to', target], blobEnv, cwd)).code).toBe(0);
    expect(readFileSync(join(target, 'Data_001.zip')).equals(readFileSync(join(folder, 'Data_001.zip')))).toBe(true);

    const tampered = readFileSync(join(folder, 'Attachments_001.zip'));
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 30) ^ 0x01, tampered.length - 30);
    await container.getBlockBlobClient(`${prefix}/Attachments_001.zip`).uploadData(tampered);
    const got = await cli(['archive', 'get', 'latest', '--to', join(cwd, 'again'), '--json'], blobEnv, cwd);
    expect(JSON.parse(got.stdout)).toMatchObject({ ok: false, error: { code: 'ARCHIVE_COPY_MISMATCH' } });
    expect(archiveEnv.ARCHIVE_DIR).toBeDefined();
  });
});

/**
 * The archive over the Zoho sandbox (generated zip bytes, with and without Content-Length,
 * dropped connections) and Azurite (queue and blobs).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { patternBytes, patternChunks } from '../sandbox/zohoSandbox';
import { archiveContainer, type BlobArchiveStorage } from '../shared/archive/container';
import { isTrustedDownloadUrl } from '../shared/archive/plan';
import { archivePart, reportArchiveFailure } from '../shared/archive/worker';
import { PartInspector } from '../shared/inspect/partInspector';
import type { Logger } from '../shared/log';
import { readStatus } from '../shared/status';
import { hoursAgo, startWorld, type World } from './support/world';
import { writeOnceContainer } from './support/writeOnceContainer';

const MB = 1024 * 1024;
let world: World;
afterEach(async () => {
  await world?.close();
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

function workerDeps(w: World, lines: string[] = []) {
  const log: Logger = {
    info: (m, p) => lines.push(`INFO ${m} ${JSON.stringify(p ?? {})}`),
    warn: (m, p) => lines.push(`WARN ${m} ${JSON.stringify(p ?? {})}`),
    error: (m, p) => lines.push(`ERROR ${m} ${JSON.stringify(p ?? {})}`),
  };
  // The runtime's own log, scrubbed, writing to these lines.
  const runtime = w.runtime(log);
  return { deps: { ...runtime.archive!, log: runtime.log }, runtime };
}

async function blobBytes(w: World, path: string): Promise<Buffer> {
  const { deps } = workerDeps(w);
  return archiveContainer(deps.storage).getBlockBlobClient(path).downloadToBuffer();
}

// The archive tests compare blobs with these bytes: they must tell a lost, repeated or
// reordered chunk, and one part from another.
describe("the sandbox's part bytes", () => {
  it('are repeatable, a sound zip of exactly the size asked, and differ in every 1 MiB chunk and between parts', async () => {
    const chunks = [...patternChunks('Data_001.zip', 3 * MB + 5)];
    expect(chunks.reduce((sum, c) => sum + c.length, 0)).toBe(3 * MB + 5);
    const data = chunks.slice(1, -1);
    expect(new Set(data.map((c) => sha256(c))).size).toBe(data.length);
    expect(Buffer.concat(chunks).equals(patternBytes('Data_001.zip', 3 * MB + 5))).toBe(true);
    expect(patternBytes('Data_002.zip', 3 * MB + 5).equals(Buffer.concat(chunks))).toBe(false);
    const inspector = new PartInspector('Data_001.zip', 3 * MB + 5);
    for (const chunk of chunks) await inspector.write(chunk);
    await expect(inspector.end()).resolves.toEqual({ entries: 1, modules: {}, attachments: { files: 0, bytes: 0 } });
  });
});

describe('isTrustedDownloadUrl', () => {
  it.each([
    ['https://download-accl.zoho.com/v2/crm/1/backup/2/Data_001.zip', 'us', true],
    ['https://download.zoho.com/v2/crm/1/backup/2/Data_001.zip', 'us', true],
    ['https://download.zoho.eu/v2/crm/1/backup/2/Data_001.zip', 'eu', true],
    ['https://download.zoho.eu/v2/crm/1/backup/2/Data_001.zip', 'us', false],
    ['http://download-accl.zoho.com/Data_001.zip', 'us', false],
    ['https://download-accl.zoho.com:8443/Data_001.zip', 'us', false],
    ['https://download.zoho.com.evil.example/Data_001.zip', 'us', false],
    ['https://evil.example/download.zoho.com/Data_001.zip', 'us', false],
    ['https://www.zohoapis.com/Data_001.zip', 'us', false],
  ] as const)('%s for %s: %s', (url, dc, trusted) => {
    expect(isTrustedDownloadUrl(url, dc, [])).toBe(trusted);
  });

  it('trusts exactly the configured origins when ZOHO_DOWNLOAD_HOSTS is set', () => {
    expect(isTrustedDownloadUrl('http://127.0.0.1:4000/v2/x.zip', 'us', ['http://127.0.0.1:4000'])).toBe(true);
    expect(isTrustedDownloadUrl('http://127.0.0.1:4001/v2/x.zip', 'us', ['http://127.0.0.1:4000'])).toBe(false);
    expect(isTrustedDownloadUrl('https://download-accl.zoho.com/x.zip', 'us', ['http://127.0.0.1:4000'])).toBe(false);
  });
});

describe('the archive', () => {
  it('queues one message per part when a backup is announced, and says so in the message', async () => {
    world = await startWorld({ archive: true, channels: ['slack'] });
    const backup = world.sandbox.completeBackup({ at: hoursAgo(1), dataParts: 2, attachmentParts: 1 });
    await world.check();
    const messages = await world.takeArchiveMessages();
    expect(messages.map((m) => m.fileName).sort()).toEqual(['Attachments_001.zip', 'Data_001.zip', 'Data_002.zip']);
    expect(messages[0]?.prefix).toMatch(new RegExp(`^${world.sandbox.zgid}/\\d{4}-\\d{2}-\\d{2}_${backup.jobId}$`));
    expect(JSON.stringify(world.receiver.received('slack')[0]?.body)).toContain(
      `being copied to ${world.settings.ARCHIVE_CONTAINER}/${messages[0]?.prefix}/`,
    );
    expect((await world.watchState())?.backup?.archive?.parts).toMatchObject({ 'Data_001.zip': { status: 'queued' } });
    await world.check();
    expect(await world.takeArchiveMessages()).toEqual([]); // queued once
  });

  it('stores every part byte-identical, with its hash, a manifest, and one follow-up message', async () => {
    world = await startWorld({ archive: true, channels: ['slack'] });
    const size = 9 * MB + 123; // more than one 8 MiB block
    world.sandbox.completeBackup({ at: hoursAgo(1), dataParts: 2, attachmentParts: 1, partSize: size });
    await world.check();
    const lines: string[] = [];
    const { deps, runtime } = workerDeps(world, lines);
    const messages = await world.takeArchiveMessages();
    for (const message of messages) await expect(archivePart(deps, message)).resolves.toBe('archived');

    const prefix = messages[0]!.prefix;
    for (const file of ['Data_001.zip', 'Data_002.zip', 'Attachments_001.zip']) {
      const expected = patternBytes(file, size);
      const stored = await blobBytes(world, `${prefix}/${file}`);
      expect(stored.equals(expected)).toBe(true);
      const blob = archiveContainer(deps.storage).getBlockBlobClient(`${prefix}/${file}`);
      // Marked as it was written (an immutable blob takes no later change): its source, and its generation as an index tag.
      expect((await blob.getProperties()).metadata).toMatchObject({
        historyid: messages[0]!.historyId,
        source: expect.stringContaining(file),
      });
      expect((await blob.getTags()).tags).toEqual({ generation: 'yearly' }); // the org's first archived backup
    }
    const manifest = JSON.parse((await blobBytes(world, `${prefix}/manifest.json`)).toString('utf8'));
    expect(manifest).toMatchObject({
      location: `${world.settings.ARCHIVE_CONTAINER}/${prefix}`,
      totalSize: 3 * size,
      generation: 'yearly',
      keptUntil: expect.stringMatching(/^\d{4}-/),
    });
    expect(Date.parse(manifest.keptUntil) - Date.parse(manifest.completedAt)).toBe(7 * 366 * 86_400_000);
    expect(manifest.parts).toEqual(
      expect.arrayContaining([
        {
          file: 'Data_002.zip',
          size,
          sha256: sha256(patternBytes('Data_002.zip', size)),
          entries: 1,
          source: expect.stringMatching(/\/Data_002\.zip$/),
        },
      ]),
    );
    // Each part was read inside as it was copied: one file under Attachments/, no module.
    expect(manifest).toMatchObject({ modules: [], attachments: { files: 1, bytes: size - 144 } }); // the part less its zip records

    const archived = world.receiver
      .received('slack')
      .map((m) => JSON.stringify(m.body))
      .filter((t) => t.includes('"Zoho CRM backup archived"'));
    expect(archived).toHaveLength(1);
    expect(archived[0]).toContain('27.0 MB');
    const status = await readStatus(world.store, runtime.org);
    expect(status.backup?.archive?.completedAt).toBeDefined();
    expect(Object.values(status.backup!.archive!.parts).every((p) => p.status === 'archived')).toBe(true);

    const secrets = [world.settings.ZOHO_CLIENT_SECRET!, world.settings.ZOHO_REFRESH_TOKEN!, world.receiver.slackUrl];
    const tokens = world.sandbox.requests.map((r) => r.authorization?.split(' ')[1]).filter((t): t is string => !!t);
    const text = [JSON.stringify(manifest), ...lines].join('\n');
    for (const secret of [...secrets, ...tokens]) expect(text).not.toContain(secret);
  });

  it('archives a part served without Content-Length', async () => {
    world = await startWorld({ archive: true, channels: ['slack'] });
    world.sandbox.completeBackup({ at: hoursAgo(1), dataParts: 1, attachmentParts: 0, partSize: 3 * MB + 1, withoutContentLength: true });
    await world.check();
    const { deps } = workerDeps(world);
    const [message] = await world.takeArchiveMessages();
    await expect(archivePart(deps, message!)).resolves.toBe('archived');
    expect((await blobBytes(world, `${message!.prefix}/Data_001.zip`)).equals(patternBytes('Data_001.zip', 3 * MB + 1))).toBe(true);
  });

  it('commits nothing when the connection drops mid-stream, and completes on the retry', async () => {
    world = await startWorld({ archive: true, channels: ['slack'] });
    const size = 10 * MB;
    world.sandbox.completeBackup({ at: hoursAgo(1), dataParts: 1, attachmentParts: 0, partSize: size });
    await world.check();
    const { deps } = workerDeps(world);
    const [message] = await world.takeArchiveMessages();
    world.sandbox.inject({ endpoint: 'download', dropAfterBytes: 4 * MB });

    await expect(archivePart(deps, message!)).rejects.toThrow();
    const blob = archiveContainer(deps.storage).getBlockBlobClient(`${message!.prefix}/Data_001.zip`);
    await expect(blob.exists()).resolves.toBe(false);
    expect((await world.watchState())?.backup?.archive?.parts['Data_001.zip']?.status).toBe('queued');

    await expect(archivePart(deps, message!)).resolves.toBe('archived');
    expect((await blob.downloadToBuffer()).equals(patternBytes('Data_001.zip', size))).toBe(true);
  });

  it('neither duplicates nor corrupts a part when its message is delivered again, even to two workers at once', async () => {
    world = await startWorld({ archive: true, channels: ['slack'] });
    const size = 9 * MB;
    world.sandbox.completeBackup({ at: hoursAgo(1), dataParts: 1, attachmentParts: 0, partSize: size });
    await world.check();
    const [message] = await world.takeArchiveMessages();
    const first = workerDeps(world).deps;
    const second = workerDeps(world).deps;

    const racing = await Promise.allSettled([archivePart(first, message!), archivePart(second, message!)]);
    expect(racing.some((r) => r.status === 'fulfilled')).toBe(true);
    await expect(archivePart(first, message!)).resolves.toBe('already-archived');

    const blob = archiveContainer(first.storage).getBlockBlobClient(`${message!.prefix}/Data_001.zip`);
    expect((await blob.downloadToBuffer()).equals(patternBytes('Data_001.zip', size))).toBe(true);
    const blobs = [];
    for await (const item of archiveContainer(first.storage).listBlobsFlat({ prefix: message!.prefix })) blobs.push(item.name);
    expect(blobs.sort()).toEqual([`${message!.prefix}/Data_001.zip`, `${message!.prefix}/manifest.json`]);
    const archived = world.receiver.received('slack').filter((m) => JSON.stringify(m.body).includes('"Zoho CRM backup archived"'));
    expect(archived).toHaveLength(1);
  });

  it("refuses a link to a host that is not Zoho's: no token sent, nothing downloaded, one alert", async () => {
    world = await startWorld({ archive: true, channels: ['slack'] });
    world.sandbox.completeBackup({ at: hoursAgo(1), dataParts: 1, attachmentParts: 0 });
    await world.check();
    const [message] = await world.takeArchiveMessages();
    const seen: IncomingHttpHeaders[] = [];
    const elsewhere = createServer((req, res) => {
      seen.push(req.headers);
      res.end('PK');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    const foreign = { ...message!, url: `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/v2/crm/1/backup/2/Data_001.zip` };
    try {
      await expect(archivePart(workerDeps(world).deps, foreign)).resolves.toBe('refused');
      expect(seen).toHaveLength(0);
      const alert = world.receiver
        .received('slack')
        .map((m) => JSON.stringify(m.body))
        .filter((t) => t.includes('"Zoho CRM backup part not archived"'));
      expect(alert).toHaveLength(1);
      expect(alert[0]).toContain('Refused to send the Zoho token to 127.0.0.1');
      expect((await world.watchState())?.backup?.archive?.parts['Data_001.zip']?.status).toBe('refused');
    } finally {
      await new Promise<void>((resolve) => elsewhere.close(() => resolve()));
    }
  });

  it('alerts once for a part that landed in the poison queue, and the reminder still comes for an unarchived backup', async () => {
    world = await startWorld({ archive: true, channels: ['slack'] });
    world.sandbox.completeBackup({ at: hoursAgo(1), dataParts: 1, attachmentParts: 0 });
    await world.check();
    const [message] = await world.takeArchiveMessages();
    const { deps } = workerDeps(world);
    await reportArchiveFailure(deps, message!);
    await reportArchiveFailure(deps, message!);
    const alerts = world.receiver.received('slack').filter((m) => JSON.stringify(m.body).includes('"Zoho CRM backup part not archived"'));
    expect(alerts).toHaveLength(1);
    expect(JSON.stringify(alerts[0]?.body)).toContain('download Data_001.zip yourself');
    const state = await world.watchState();
    expect(state?.backup?.archived).toBeFalsy();
    const expiresAt = Date.parse(state!.backup!.expiresAt);
    await expect(world.check({ now: new Date(expiresAt - 23 * 3_600_000) })).resolves.toMatchObject({
      alerts: [expect.objectContaining({ kind: 'links-expiring' })],
    });
  });

  it('writes each part once under its final name: a re-delivered message and two workers on one part need no delete and no overwrite', async () => {
    world = await startWorld({ archive: true, channels: ['slack'] });
    world.sandbox.completeBackup({ at: hoursAgo(1), dataParts: 2, attachmentParts: 1, partSize: MB + 7 });
    await world.check();
    const refused: string[] = [];
    const { deps } = workerDeps(world);
    const storage = { ...(deps.storage as BlobArchiveStorage) };
    storage.client = writeOnceContainer(archiveContainer(storage), refused);
    const writeOnce = { ...deps, storage };
    const [first, ...rest] = await world.takeArchiveMessages();
    // Two workers take the same message at once (scale-out and at-least-once delivery).
    const outcomes = await Promise.all([archivePart(writeOnce, first!), archivePart(writeOnce, first!)]);
    expect(outcomes.sort()).toEqual(expect.arrayContaining(['archived']));
    for (const message of rest) await expect(archivePart(writeOnce, message)).resolves.toBe('archived');
    // Every message again, after the backup finished (its manifest is written once too).
    for (const message of [first!, ...rest]) await expect(archivePart(writeOnce, message)).resolves.toBe('already-archived');
    expect(refused).toEqual([]);
    const state = await world.watchState();
    expect(state?.backup?.archive).toMatchObject({ finishedAt: expect.any(String), generation: 'yearly' });
    const archived = world.receiver.received('slack').filter((m) => JSON.stringify(m.body).includes('archived'));
    expect(archived).toHaveLength(1);
  });
});

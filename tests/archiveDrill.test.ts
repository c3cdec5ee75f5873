/**
 * The weekly drill on Azure (functions/archiveDrill.ts), on Azurite: it reads the archived
 * backup again and records it; once a blob no longer matches what was archived, it alerts once
 * in the org's channels, and status says the last drill failed.
 */
import { InvocationContext, type Timer } from '@azure/functions';
import { archiveDrillHandler } from '../functions/archiveDrill';
import { archiveContainer } from '../shared/archive/container';
import { archivePart } from '../shared/archive/worker';
import { readStatus } from '../shared/status';
import { hoursAgo, startWorld, type World } from './support/world';

let world: World | undefined;
afterEach(() => world?.close());

const timer = { isPastDue: false } as unknown as Timer;
const context = (lines: string[]) =>
  new InvocationContext({ functionName: 'archiveDrill', logHandler: (level, ...args) => lines.push(`${level} ${args.join(' ')}`) });
const alerts = (w: World) => w.receiver.received('slack').filter((m) => JSON.stringify(m.body).includes('archived copy no longer reads'));

describe('archiveDrill (timer)', () => {
  it('reads the archive again, records it, and alerts once when a copy no longer matches', async () => {
    world = await startWorld({ archive: true, channels: ['slack'] });
    world.sandbox.completeBackup({ at: hoursAgo(1), dataParts: 1, attachmentParts: 1 });
    await world.check();
    const runtime = world.runtime();
    const messages = await world.takeArchiveMessages();
    for (const message of messages) await archivePart({ ...runtime.archive!, log: runtime.log }, message);
    const drill = archiveDrillHandler(
      () => runtime,
      async () => undefined,
      world.settings,
    );
    const lines: string[] = [];

    await drill(timer, context(lines));
    expect(lines.join('\n')).toMatch(/read 1 backups again \(\d+ bytes\), 0 no longer read/);
    expect((await readStatus(runtime.store, runtime.org)).lastVerified).toEqual({ at: expect.any(String), ok: true });

    // Someone with the account key changes a part (what the immutability policy stops on Azure).
    const part = archiveContainer(runtime.archive!.storage).getBlockBlobClient(`${messages[0]!.prefix}/${messages[0]!.fileName}`);
    const bytes = await part.downloadToBuffer();
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 40) ^ 0x10, bytes.length - 40);
    await part.uploadData(bytes);
    await drill(timer, context(lines));
    await drill(timer, context(lines));
    expect(alerts(world)).toHaveLength(1);
    expect(JSON.stringify(alerts(world)[0]?.body)).toContain(messages[0]!.fileName);
    expect((await readStatus(runtime.store, runtime.org)).lastVerified).toMatchObject({
      ok: false,
      problems: [expect.stringContaining(messages[0]!.fileName)],
    });
  });

  it('does nothing without ARCHIVE_ENABLED', async () => {
    const lines: string[] = [];
    await archiveDrillHandler(
      () => undefined,
      async () => undefined,
      {},
    )(timer, context(lines));
    expect(lines).toEqual([]);
  });
});

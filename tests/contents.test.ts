/**
 * What is inside each archived backup, end to end: the sandbox serves realistic parts (yazl:
 * BOMs, quoted line breaks, a module across two parts, zip64 data descriptors), the archive
 * worker copies them into Azurite's Blob storage, and the manifest, the archived message and
 * the data-loss alarm say what they hold.
 */
import { SANDBOX_MODULES } from '../sandbox/backupFiles';
import { archiveContainer } from '../shared/archive/container';
import type { StartStallTimer } from '../shared/archive/copy';
import { archivePart } from '../shared/archive/worker';
import { recordDrops } from '../shared/inspect/backupContents';
import type { Logger } from '../shared/log';
import { WatchStateRepository } from '../shared/state/repository';
import { readStatus } from '../shared/status';
import { hoursAgo, startWorld, type World } from './support/world';

let world: World;
afterEach(async () => {
  await world?.close();
});

const silent: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/** Runs a check, then the archive worker over every part it queued. */
async function checkAndArchive(w: World): Promise<{ outcomes: string[]; prefix?: string }> {
  await w.check();
  const runtime = w.runtime(silent);
  const deps = { ...runtime.archive!, log: runtime.log };
  const messages = await w.takeArchiveMessages();
  const outcomes: string[] = [];
  for (const message of messages) outcomes.push(await archivePart(deps, message));
  return { outcomes, prefix: messages[0]?.prefix };
}

async function manifestOf(w: World, prefix: string) {
  const runtime = w.runtime(silent);
  const blob = archiveContainer(runtime.archive!.storage).getBlockBlobClient(`${prefix}/manifest.json`);
  return JSON.parse((await blob.downloadToBuffer()).toString('utf8'));
}

const titled = (w: World, title: string) =>
  (['slack', 'teams'] as const).flatMap((channel) =>
    w.receiver
      .received(channel)
      .map((m) => JSON.stringify(m.body))
      .filter((text) => text.includes(`"${title}"`)),
  );

describe('recordDrops', () => {
  const contents = (records: Record<string, number>) => ({
    modules: Object.entries(records).map(([module, n]) => ({ module, records: n })),
    attachments: { files: 0, bytes: 0 },
  });
  const settings = { recordDropPercent: 10, recordDropMin: 50 };
  it.each<[string, Record<string, number>, Record<string, number>, string[]]>([
    ['a drop of 10% and 50 records', { Leads: 500 }, { Leads: 450 }, ['Leads 500->450']],
    ['10% but 49 records', { Leads: 490 }, { Leads: 441 }, []],
    ['50 records but under 10%', { Leads: 5000 }, { Leads: 4950 }, []],
    ['a module of 50 that vanished', { Leads: 10, Cases: 50 }, { Leads: 10 }, ['Cases 50->0']],
    ['a module of 49 that vanished', { Cases: 49 }, {}, []],
    ['growth and a new module', { Leads: 100 }, { Leads: 900, Cases: 3 }, []],
  ])('%s', (_case, before, after, expected) => {
    const drops = recordDrops(contents(before), contents(after), settings);
    expect(drops.map((d) => `${d.module} ${d.before}->${d.after}`)).toEqual(expected);
  });
  it('is off with either threshold at 0', () => {
    expect(recordDrops(contents({ Leads: 500 }), contents({}), { recordDropPercent: 0, recordDropMin: 50 })).toEqual([]);
    expect(recordDrops(contents({ Leads: 500 }), contents({}), { recordDropPercent: 10, recordDropMin: 0 })).toEqual([]);
  });
});

describe('the contents of an archived backup', () => {
  it('counts the records per module over both Data parts and the attachments, into the manifest and the message', async () => {
    world = await startWorld({ archive: true });
    world.sandbox.completeBackup({ at: hoursAgo(30), dataParts: 2, attachmentParts: 1 });
    const { outcomes, prefix } = await checkAndArchive(world);
    expect(outcomes).toEqual(['archived', 'archived', 'archived']);

    const manifest = await manifestOf(world, prefix!);
    const expected = Object.entries(SANDBOX_MODULES)
      .map(([module, records]) => ({ module, records }))
      .sort((a, b) => a.module.localeCompare(b.module));
    expect(manifest.modules).toEqual(expected);
    expect(manifest.attachments).toEqual({ files: 2, bytes: expect.any(Number) });
    expect(manifest.parts.map((p: { entries: number }) => p.entries)).toEqual([4, 3, 2]);

    const archived = titled(world, 'Zoho CRM backup archived');
    expect(archived).toHaveLength(2); // Slack and Teams, once each
    for (const text of archived)
      expect(text).toContain('4 modules, 2,310 records: Leads 1,200, Contacts 810, Notes 300, Deals 0; 2 attachments');
    expect(titled(world, 'Zoho CRM records missing')).toEqual([]);
  });

  it('alarms once, in every channel, when a module lost records since the previous backup; growth says nothing', async () => {
    world = await startWorld({ archive: true });
    world.sandbox.completeBackup({ at: hoursAgo(24 * 6), dataParts: 2, attachmentParts: 0 });
    await checkAndArchive(world);
    // The next backup: Contacts lost 500 of 810 (62%); Leads grew.
    world.sandbox.completeBackup({
      at: hoursAgo(1),
      dataParts: 2,
      attachmentParts: 0,
      records: { ...SANDBOX_MODULES, Leads: 1_320, Contacts: 310 },
    });
    const { outcomes } = await checkAndArchive(world);
    expect(outcomes).toEqual(['archived', 'archived']);

    const archived = titled(world, 'Zoho CRM backup archived');
    const changes = 'Leads 1,320 (+120), Contacts 310 (-500), Notes 300 (±0), Deals 0 (±0)';
    expect(archived.filter((text) => text.includes(changes))).toHaveLength(2); // the second backup's, in each channel
    const alarms = titled(world, 'Zoho CRM records missing');
    expect(alarms).toHaveLength(2);
    for (const text of alarms) {
      expect(text).toContain('Contacts 810 → 310 (-62%)');
      expect(text).not.toContain('Leads 1,200 →');
      expect(text).toContain('Recycle Bin');
    }
    const status = await readStatus(world.store, world.runtime(silent).org);
    expect(status.contents).toMatchObject({
      records: 1_930,
      modules: expect.arrayContaining([{ module: 'Contacts', records: 310, change: -500 }]),
    });
    // Delivered again (a re-delivered queue message): no second alarm, no second message.
    const again = await checkAndArchive(world);
    expect(again.outcomes).toEqual([]);
    expect(titled(world, 'Zoho CRM records missing')).toHaveLength(2);
  });

  it('says nothing with the alarm turned off (ALERT_RECORD_DROP_MIN=0)', async () => {
    world = await startWorld({ archive: true, settings: { ALERT_RECORD_DROP_MIN: '0' } });
    world.sandbox.completeBackup({ at: hoursAgo(24 * 6), dataParts: 1, attachmentParts: 0 });
    await checkAndArchive(world);
    world.sandbox.completeBackup({ at: hoursAgo(1), dataParts: 1, attachmentParts: 0, records: { Leads: 0 } });
    await checkAndArchive(world);
    expect(titled(world, 'Zoho CRM records missing')).toEqual([]);
  });

  it('refuses a part damaged at Zoho: nothing stored, one alert naming the part and the entry, the announcement stands', async () => {
    world = await startWorld({ archive: true, channels: ['slack'] });
    world.sandbox.completeBackup({ at: hoursAgo(1), dataParts: 1, attachmentParts: 0 });
    world.sandbox.inject({ endpoint: 'download', flipByteAt: 600 });
    const { outcomes, prefix } = await checkAndArchive(world);
    expect(outcomes).toEqual(['damaged']);
    const runtime = world.runtime(silent);
    const blob = archiveContainer(runtime.archive!.storage).getBlockBlobClient(`${prefix}/Data_001.zip`);
    expect(await blob.exists()).toBe(false);
    const alerts = titled(world, 'Zoho CRM backup part not archived');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatch(/Data_001\.zip: Data\/\w+_001\.csv (fails its CRC-32 check|does not inflate)/);
    expect(titled(world, 'Zoho CRM backup ready')).toHaveLength(1);
    expect((await world.watchState())?.backup?.archive?.parts['Data_001.zip']).toMatchObject({ status: 'failed' });
  });

  it('gives up a part still coming after its time in all (25 min) and stores nothing (the queue retries it)', async () => {
    world = await startWorld({ archive: true, channels: ['slack'] });
    world.sandbox.completeBackup({ at: hoursAgo(1), dataParts: 1, attachmentParts: 0, partSize: 6 * 1024 * 1024 });
    await world.check();
    const [message] = await world.takeArchiveMessages();
    const runtime = world.runtime(silent);
    // The total timer fires once the first bytes have come, as 25 minutes would.
    const timers: Record<number, () => void> = {};
    const start: StartStallTimer = (fire, ms) => {
      timers[ms] = fire;
      return { refresh: () => setImmediate(() => timers[25 * 60_000]?.()), clear: () => {} };
    };
    const deps = { ...runtime.archive!, log: runtime.log, stall: { ms: 60_000, totalMs: 25 * 60_000, start } };
    await expect(archivePart(deps, message!)).rejects.toMatchObject({
      code: 'ARCHIVE_STALLED',
      message: expect.stringContaining('after 25 min'),
    });
    const blob = archiveContainer(deps.storage).getBlockBlobClient(`${message!.prefix}/Data_001.zip`);
    expect(await blob.exists()).toBe(false);
  });

  it('reads a stored part again when the worker that copied it stopped before the state had its contents', async () => {
    world = await startWorld({ archive: true, channels: ['slack'] });
    world.sandbox.completeBackup({ at: hoursAgo(2), dataParts: 1, attachmentParts: 0 });
    await world.check();
    const runtime = world.runtime(silent);
    const deps = { ...runtime.archive!, log: runtime.log };
    const [message] = await world.takeArchiveMessages();
    await expect(archivePart(deps, message!)).resolves.toBe('archived');
    // As if the worker had died after the commit: the state still says "queued", and nothing was finished.
    const repo = new WatchStateRepository(world.store, runtime.org.key);
    await repo.mutate((state) => {
      const archive = state.backup?.archive;
      if (!state.backup || !archive) return undefined;
      const parts = { 'Data_001.zip': { status: 'queued' as const, at: archive.queuedAt } };
      return {
        ...state,
        inspected: undefined,
        backup: { ...state.backup, archived: false, archive: { ...archive, parts, finishedAt: undefined } },
      };
    });
    const downloads = world.sandbox.requests.filter((r) => r.endpoint === 'download').length;
    await expect(archivePart(deps, message!)).resolves.toBe('already-archived');
    expect(world.sandbox.requests.filter((r) => r.endpoint === 'download')).toHaveLength(downloads); // read from the blob, not Zoho
    const manifest = await manifestOf(world, message!.prefix);
    expect(manifest.modules).toEqual(expect.arrayContaining([{ module: 'Leads', records: SANDBOX_MODULES.Leads }]));
  });
});

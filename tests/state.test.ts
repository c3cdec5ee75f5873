import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { FileLock } from '../shared/state/fileLock';
import { FileStateStore } from '../shared/state/fileStore';
import { WatchStateRepository } from '../shared/state/repository';
import { StateConflictError, type StateStore } from '../shared/state/store';
import { StoredTokenCache } from '../shared/state/tokenCache';
import type { WatchState } from '../shared/state/watchState';
import { countingTableStore, freshTableStore } from './support/azurite';
import { tempFolders } from './support/tempFolders';

const tempFolder = tempFolders();

const stores: Array<[string, () => StateStore]> = [
  ['TableStateStore (Azurite)', freshTableStore],
  ['FileStateStore', () => new FileStateStore(join(tempFolder('state-'), 'state.json'))],
];

describe.each(stores)('%s', (_name, makeStore) => {
  let store: StateStore;
  beforeEach(() => {
    store = makeStore();
  });

  it('reads nothing from a store that does not exist yet, then creates it on the first write', async () => {
    // A fresh table name / a path in an empty folder: neither exists before this test.
    await expect(store.read('org-a', 'watch')).resolves.toBeUndefined();
    await store.write('org-a', 'watch', { created: true }, undefined);
    await expect(store.read('org-a', 'watch')).resolves.toMatchObject({ value: { created: true } });
  });

  it('lists no orgs before the store exists, and lets one of three first writers win while it is created', async () => {
    await expect(store.orgs('watch')).resolves.toEqual([]);
    const results = await Promise.allSettled(
      ['run-1', 'run-2', 'run-3'].map((owner) => store.write('org-a', 'watch', { owner }, undefined)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof StateConflictError)).toHaveLength(2);
    await expect(store.orgs('watch')).resolves.toEqual(['org-a']);
  });

  it('writes, reads back, and updates with the ETag it read', async () => {
    const etag = await store.write('org-a', 'watch', { step: 1 }, undefined);
    await expect(store.read('org-a', 'watch')).resolves.toEqual({ value: { step: 1 }, etag });
    const next = await store.write('org-a', 'watch', { step: 2 }, etag);
    expect(next).not.toBe(etag);
    await expect(store.read('org-a', 'watch')).resolves.toEqual({ value: { step: 2 }, etag: next });
  });

  it('keeps a state far larger than one Table property (300 K characters: many links and modules), and shrinks it again', async () => {
    // ASCII: Azurite 3.35 decodes a large body's chunks apart, breaking a character split between two.
    const modules = Array.from({ length: 3000 }, (_, i) => ({ module: `Custom_Module_${i}_${'x'.repeat(60)}`, records: i }));
    const etag = await store.write('org-a', 'watch', { inspected: { modules } }, undefined);
    await expect(store.read('org-a', 'watch')).resolves.toEqual({ value: { inspected: { modules } }, etag });
    const small = await store.write('org-a', 'watch', { step: 2 }, etag);
    await expect(store.read('org-a', 'watch')).resolves.toEqual({ value: { step: 2 }, etag: small });
  });

  it('keeps orgs and kinds apart', async () => {
    await store.write('org-a', 'watch', { a: true }, undefined);
    await store.write('org-b', 'watch', { b: true }, undefined);
    await store.write('org-a', 'token', { t: true }, undefined);
    expect((await store.read('org-b', 'watch'))?.value).toEqual({ b: true });
    expect((await store.read('org-a', 'token'))?.value).toEqual({ t: true });
  });

  it('refuses a create when the record exists and an update with a stale ETag', async () => {
    const first = await store.write('org-a', 'watch', { v: 1 }, undefined);
    await expect(store.write('org-a', 'watch', { v: 'again' }, undefined)).rejects.toBeInstanceOf(StateConflictError);
    await store.write('org-a', 'watch', { v: 2 }, first);
    await expect(store.write('org-a', 'watch', { v: 'stale' }, first)).rejects.toBeInstanceOf(StateConflictError);
    expect((await store.read('org-a', 'watch'))?.value).toEqual({ v: 2 });
  });

  it('lets exactly one of three writers racing on one ETag win', async () => {
    const etag = await store.write('org-a', 'watch', { owner: 'nobody' }, undefined);
    const results = await Promise.allSettled(['run-1', 'run-2', 'run-3'].map((owner) => store.write('org-a', 'watch', { owner }, etag)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof StateConflictError)).toHaveLength(2);
  });

  it('backs the token cache, so a later run finds the token', async () => {
    const token = { accessToken: '1000.abc.def', expiresAt: Date.now() + 3_600_000, credentialFingerprint: 'f' };
    await new StoredTokenCache(store, 'org-a').save(token);
    await expect(new StoredTokenCache(store, 'org-a').load()).resolves.toEqual(token);
    const later = new StoredTokenCache(store, 'org-a');
    await later.load();
    await later.save({ ...token, accessToken: '1000.new.one' });
    await expect(new StoredTokenCache(store, 'org-a').load()).resolves.toMatchObject({ accessToken: '1000.new.one' });
  });
});

describe('FileStateStore across processes', () => {
  it('lets exactly one of several processes racing on one ETag win', async () => {
    const path = join(tempFolder('state-'), 'state.json');
    const etag = await new FileStateStore(path).write('org', 'watch', { owner: 'nobody' }, undefined);
    const storeModule = resolve(__dirname, '../dist/shared/state/fileStore.js');
    const script = `
      const { FileStateStore } = require(${JSON.stringify(storeModule)});
      new FileStateStore(process.argv[1]).write('org', 'watch', { owner: process.pid }, process.argv[2])
        .then(() => console.log('won'), (e) => console.log(e.code));`;
    const run = promisify(execFile);
    const outputs = await Promise.all(Array.from({ length: 4 }, () => run(process.execPath, ['-e', script, path, etag])));
    const verdicts = outputs.map((o) => o.stdout.trim()).sort();
    expect(verdicts).toEqual(['STATE_CONFLICT', 'STATE_CONFLICT', 'STATE_CONFLICT', 'won']);
  });

  it('keeps the file private to its owner, since it caches an access token', async () => {
    const path = join(tempFolder('state-'), 'state.json');
    await new FileStateStore(path).write('org', 'token', { accessToken: 'x' }, undefined);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('says which file is corrupt instead of starting over silently', async () => {
    const path = join(tempFolder('state-'), 'state.json');
    require('node:fs').writeFileSync(path, '{ not json');
    await expect(new FileStateStore(path).read('org', 'watch')).rejects.toMatchObject({
      code: 'STATE_UNAVAILABLE',
      message: expect.stringContaining('state.json is not valid JSON'),
    });
  });
});

describe('FileLock (the file store across processes)', () => {
  const lockPath = () => join(tempFolder('lock-'), 'state.json.lock');
  const noWait = async () => {};
  const age = (path: string, ms: number) => utimesSync(path, new Date(Date.now() - ms), new Date(Date.now() - ms));

  it('breaks a lock left by a crashed run, then holds its own', async () => {
    const path = lockPath();
    writeFileSync(path, 'crashed-run');
    age(path, 60_000);
    const release = await new FileLock(path, { timeoutMs: 1_000, staleMs: 30_000, pause: noWait }).acquire();
    expect(readFileSync(path, 'utf8')).not.toBe('crashed-run');
    await release();
    expect(existsSync(path)).toBe(false);
  });

  it('never removes a fresh lock: a waiter gives up with STATE_UNAVAILABLE instead', async () => {
    const path = lockPath();
    const holder = await new FileLock(path, { timeoutMs: 1_000, staleMs: 30_000 }).acquire();
    const held = readFileSync(path, 'utf8');
    await expect(new FileLock(path, { timeoutMs: 0, staleMs: 30_000, pause: noWait }).acquire()).rejects.toMatchObject({
      code: 'STATE_UNAVAILABLE',
    });
    expect(readFileSync(path, 'utf8')).toBe(held);
    await holder();
  });

  it('releases only its own lock, never one that replaced it', async () => {
    const path = lockPath();
    const release = await new FileLock(path, { timeoutMs: 1_000, staleMs: 30_000 }).acquire();
    writeFileSync(path, 'someone-else');
    await release();
    expect(readFileSync(path, 'utf8')).toBe('someone-else');
  });

  it('leaves a fresh lock alone while another run holds the breaker', async () => {
    const path = lockPath();
    writeFileSync(path, 'crashed-run');
    age(path, 60_000);
    writeFileSync(`${path}.break`, 'busy-breaker'); // fresh: another run is breaking right now
    await expect(new FileLock(path, { timeoutMs: 0, staleMs: 30_000, pause: noWait }).acquire()).rejects.toMatchObject({
      code: 'STATE_UNAVAILABLE',
    });
    expect(readFileSync(path, 'utf8')).toBe('crashed-run');
  });
});

describe('WatchStateRepository (on Table storage)', () => {
  it('writes a change from the record it last read or wrote, without reading it again', async () => {
    // A change from what the run holds should not need a read.
    const { store, counts } = countingTableStore();
    const repo = new WatchStateRepository(store, 'org-a');
    await repo.read();
    await repo.mutate((s) => ({ ...s, watchingSince: '2026-11-01T00:00:00.000Z' }));
    await repo.mutate((s) => ({ ...s, lastSuccessAt: '2026-11-02T00:00:00.000Z' }));
    expect(counts.reads).toBe(1);
    expect(await new WatchStateRepository(store, 'org-a').read()).toEqual({
      watchingSince: '2026-11-01T00:00:00.000Z',
      lastSuccessAt: '2026-11-02T00:00:00.000Z',
    });
  });

  it('re-decides on a fresh read when another run wrote since, keeping both changes', async () => {
    const store = freshTableStore();
    const mine = new WatchStateRepository(store, 'org-a');
    const other = new WatchStateRepository(store, 'org-a');
    await mine.read();
    await other.mutate((s) => ({ ...s, watchingSince: 'other' }));
    await mine.mutate((s) => ({ ...s, lastSuccessAt: 'mine' }));
    expect(await other.read()).toEqual({ watchingSince: 'other', lastSuccessAt: 'mine' });
  });

  it('trusts "nothing to write" only on a fresh read', async () => {
    const store = freshTableStore();
    const mine = new WatchStateRepository(store, 'org-a');
    const other = new WatchStateRepository(store, 'org-a');
    await mine.read();
    await other.mutate((s): WatchState => ({ ...s, claim: { owner: 'run-1', until: 'later' } }));
    // On what mine holds there is no claim to release; on the fresh state there is.
    await mine.mutate((s) => (s.claim ? { ...s, claim: undefined } : undefined));
    expect((await other.read()).claim).toBeUndefined();
  });
});

/**
 * StateStore in one local JSON file (STATE_FILE, and the CLI's default). Writes go to a temp
 * file renamed over the old one, so a crash never leaves half a file; a lock file serialises
 * the read-compare-write across processes, so two CLI runs get the same conditional-write
 * guarantee as Table storage.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { StateConflictError, type StateKind, type StateStore, StateStoreError, type StoredRecord } from './store';

interface FileRecord {
  version: number;
  value: unknown;
}

type StateFile = Record<string, FileRecord>;

export interface FileStateStoreOptions {
  /** How long to wait for another process's lock. */
  lockTimeoutMs?: number;
  /** A lock older than this was left by a crashed process and is broken. */
  staleLockMs?: number;
}

export class FileStateStore implements StateStore {
  private readonly lockPath: string;
  private readonly lockTimeoutMs: number;
  private readonly staleLockMs: number;

  constructor(
    private readonly path: string,
    options: FileStateStoreOptions = {},
  ) {
    this.lockPath = `${path}.lock`;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
    this.staleLockMs = options.staleLockMs ?? 30_000;
  }

  async read<T>(org: string, kind: StateKind): Promise<StoredRecord<T> | undefined> {
    const record = (await this.load())[recordKey(org, kind)];
    return record && { value: record.value as T, etag: String(record.version) };
  }

  async write<T>(org: string, kind: StateKind, value: T, etag: string | undefined): Promise<string> {
    return this.withLock(async () => {
      const file = await this.load();
      const key = recordKey(org, kind);
      const current = file[key];
      if ((current ? String(current.version) : undefined) !== etag) throw new StateConflictError(org, kind);
      const version = (current?.version ?? 0) + 1;
      file[key] = { version, value };
      await this.save(file);
      return String(version);
    });
  }

  private async load(): Promise<StateFile> {
    let text: string;
    try {
      text = await fs.readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new StateStoreError(
        `cannot read ${this.path} (${(error as NodeJS.ErrnoException).code})`,
        'Check STATE_FILE and its permissions.',
      );
    }
    try {
      return JSON.parse(text) as StateFile;
    } catch {
      throw new StateStoreError(
        `${this.path} is not valid JSON`,
        'Restore it from a copy or delete it (the next check then announces the latest backup again).',
      );
    }
  }

  private async save(file: StateFile): Promise<void> {
    await fs.mkdir(dirname(this.path), { recursive: true });
    const temp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    // 0600: the file holds a cached Zoho access token.
    await fs.writeFile(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    await fs.rename(temp, this.path);
  }

  private async withLock<R>(work: () => Promise<R>): Promise<R> {
    await this.acquireLock();
    try {
      return await work();
    } finally {
      await fs.rm(this.lockPath, { force: true });
    }
  }

  private async acquireLock(): Promise<void> {
    const deadline = Date.now() + this.lockTimeoutMs;
    await fs.mkdir(dirname(this.lockPath), { recursive: true });
    for (;;) {
      try {
        await fs.writeFile(this.lockPath, String(process.pid), { flag: 'wx' });
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      await this.breakStaleLock();
      if (Date.now() > deadline) {
        throw new StateStoreError(
          `${this.lockPath} is held by another process`,
          'Another run is still writing; if none is, delete the lock file.',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 20));
    }
  }

  private async breakStaleLock(): Promise<void> {
    const stat = await fs.stat(this.lockPath).catch(() => undefined);
    if (stat && Date.now() - stat.mtimeMs > this.staleLockMs) await fs.rm(this.lockPath, { force: true });
  }
}

function recordKey(org: string, kind: StateKind): string {
  return `${org}/${kind}`;
}

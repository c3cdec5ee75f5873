/**
 * StateStore in one local JSON file (STATE_FILE, and the CLI's default). Writes go to a temp
 * file renamed over the old one, so a crash never leaves half a file; a lock file serialises
 * the read-compare-write across processes, so two CLI runs get the same conditional-write
 * guarantee as Table storage.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { fileStateError } from './fileErrors';
import { FileLock } from './fileLock';
import { StateConflictError, type StateKind, type StateStore, StateStoreError, type StoredRecord } from './store';

interface FileRecord {
  version: number;
  value: unknown;
}

type StateFile = Record<string, FileRecord>;

interface FileStateStoreOptions {
  /** How long to wait for another process's lock. */
  lockTimeoutMs?: number;
  /** A lock older than this was left by a crashed process and is broken. */
  staleLockMs?: number;
}

export class FileStateStore implements StateStore {
  private readonly locks: FileLock;
  readonly location: string;

  constructor(
    private readonly path: string,
    options: FileStateStoreOptions = {},
  ) {
    this.location = path;
    this.locks = new FileLock(`${path}.lock`, { timeoutMs: options.lockTimeoutMs ?? 10_000, staleMs: options.staleLockMs ?? 30_000 });
  }

  async read<T>(org: string, kind: StateKind): Promise<StoredRecord<T> | undefined> {
    const record = (await this.load())[recordKey(org, kind)];
    return record && { value: record.value as T, etag: String(record.version) };
  }

  async orgs(kind: StateKind): Promise<string[]> {
    const suffix = `/${kind}`;
    return Object.keys(await this.load())
      .filter((key) => key.endsWith(suffix))
      .map((key) => key.slice(0, -suffix.length));
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
      throw fileStateError(this.path, 'read', error);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw this.unusable('is not valid JSON');
    }
    if (!isStateFile(parsed)) throw this.unusable("does not hold this app's state (an old or foreign file)");
    return parsed;
  }

  private unusable(problem: string): StateStoreError {
    return new StateStoreError(
      `the state file ${this.path} ${problem}`,
      `Make it readable and writable by this user, or move it aside (the next check then announces the latest backup again), or set STATE_FILE to another path.`,
    );
  }

  private async save(file: StateFile): Promise<void> {
    const temp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await fs.mkdir(dirname(this.path), { recursive: true });
      // 0600: the file holds a cached Zoho access token.
      await fs.writeFile(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
      await fs.rename(temp, this.path);
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw fileStateError(this.path, 'written', error);
    }
  }

  private async withLock<R>(work: () => Promise<R>): Promise<R> {
    const release = await this.locks.acquire();
    try {
      return await work();
    } finally {
      await release();
    }
  }
}

function isStateFile(value: unknown): value is StateFile {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  return Object.values(value).every(
    (record) => !!record && typeof record === 'object' && typeof (record as FileRecord).version === 'number' && 'value' in record,
  );
}

function recordKey(org: string, kind: StateKind): string {
  return `${org}/${kind}`;
}

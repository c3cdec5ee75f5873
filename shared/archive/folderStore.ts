/**
 * The archive in a folder (ARCHIVE_DIR): `<folder>/<zgid>/<date>_<job id>/<part>`, the same
 * layout as the Blob container. A part is written under `<part>.partial-<random>`, flushed to
 * disk, and renamed to its name only once it proved sound: an interrupted run leaves no
 * partial file under a final name, and the next run starts the part again.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CodedError } from '../errors';
import { type CopiedPart, DEFAULT_STALL, watchForStall } from './copy';
import type { ArchiveStore, PartToWrite, StoredPart } from './stores';
import { readStored, VerifyingStream } from './verifyingStream';

/** ARCHIVE_DIR is missing, not a folder, not writable or full: named, with what to do. */
class ArchiveFolderError extends CodedError {
  constructor(folder: string, problem: string, cause?: unknown) {
    super(
      'ARCHIVE_DIR_UNAVAILABLE',
      `ARCHIVE_DIR ${folder}: ${problem}`,
      'Check that the folder exists (a NAS share is mounted), that this user may write to it and that it has room; the next check archives the backup again.',
      cause,
    );
  }
}

const REASONS: Record<string, string> = {
  ENOENT: 'does not exist (is the drive or share mounted?)',
  ENOTDIR: 'is not a folder',
  EACCES: 'is not writable by this user',
  EPERM: 'is not writable by this user',
  EROFS: 'is on a read-only file system',
  ENOSPC: 'is full',
  EFBIG: 'is full (a file size limit)',
  EDQUOT: 'is over its disk quota',
};

/** The rename itself reaches the disk only with its folder: after a power cut, a part recorded archived is there. */
async function syncFolder(folder: string): Promise<void> {
  const handle = await fs.open(folder, 'r').catch(() => undefined);
  // Some file systems (and Windows) cannot sync a folder: the rename is as durable as they make it.
  await handle
    ?.sync()
    .catch(() => undefined)
    .finally(() => handle.close());
}

export class FolderArchiveStore implements ArchiveStore {
  private readonly root: string;

  constructor(folder: string) {
    this.root = resolve(folder);
  }

  location(prefix: string): string {
    return join(this.root, prefix);
  }

  async storedPart(path: string, fileName: string): Promise<StoredPart | undefined> {
    await this.checkRoot();
    const file = this.inside(path);
    const size = await fs.stat(file).then(
      (stat) => stat.size,
      () => undefined,
    );
    // Read again (hash and inspection in one pass) whatever the state says: a copy changed since is copied anew.
    return size === undefined ? undefined : readStored(createReadStream(file), fileName, size);
  }

  async writePart(path: string, source: Readable, part: PartToWrite): Promise<CopiedPart> {
    await this.checkRoot();
    const file = this.inside(path);
    const partial = `${file}.partial-${randomBytes(6).toString('hex')}`;
    await this.attempt(() => fs.mkdir(dirname(file), { recursive: true }));
    await this.removePartials(file);
    const verifying = new VerifyingStream(part.fileName, part.expectedBytes);
    // No total time limit here: the command line has no host timeout, and a slow link is no bomb (the size cap is).
    const watchdog = watchForStall(source, part.fileName, part.stall ?? { ...DEFAULT_STALL, totalMs: undefined });
    try {
      const out = createWriteStream(partial, { flags: 'wx', mode: 0o600 });
      await pipeline(source, verifying, out).catch((error: unknown) => {
        throw (error as NodeJS.ErrnoException).syscall ? this.folderError(error) : error;
      });
      await this.attempt(async () => {
        const handle = await fs.open(partial, 'r+');
        await handle.sync().finally(() => handle.close());
        await fs.rename(partial, file);
        await syncFolder(dirname(file));
      });
    } catch (error) {
      await fs.rm(partial, { force: true });
      throw error;
    } finally {
      watchdog.clear();
    }
    return { size: verifying.bytes, sha256: verifying.digest(), inspection: verifying.inspection as CopiedPart['inspection'] };
  }

  async writeManifest(path: string, body: string): Promise<void> {
    await this.checkRoot();
    const file = this.inside(path);
    const partial = `${file}.partial-${randomBytes(6).toString('hex')}`;
    try {
      await this.attempt(async () => {
        await fs.writeFile(partial, body, { mode: 0o600 });
        await fs.rename(partial, file);
        await syncFolder(dirname(file));
      });
    } catch (error) {
      await fs.rm(partial, { force: true });
      throw error;
    }
  }

  /** The folder must be there: a share that is not mounted must not fill the disk under it. */
  private async checkRoot(): Promise<void> {
    const stat = await fs.stat(this.root).catch((error: unknown) => {
      throw this.folderError(error);
    });
    if (!stat.isDirectory()) throw new ArchiveFolderError(this.root, REASONS.ENOTDIR as string);
  }

  /** Every path is the root's: the prefix and the file name come from Zoho's links. */
  private inside(path: string): string {
    const file = resolve(this.root, path);
    if (!file.startsWith(this.root + sep)) throw new ArchiveFolderError(this.root, `${basename(path)} would be written outside it`);
    return file;
  }

  private async removePartials(file: string): Promise<void> {
    const name = `${basename(file)}.partial-`;
    const left = await fs.readdir(dirname(file)).catch(() => []);
    await Promise.all(left.filter((f) => f.startsWith(name)).map((f) => fs.rm(join(dirname(file), f), { force: true })));
  }

  private async attempt<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.folderError(error);
    }
  }

  private folderError(error: unknown): ArchiveFolderError {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    return new ArchiveFolderError(this.root, REASONS[code] ?? `could not be written (${code || 'unknown error'})`, error);
  }
}

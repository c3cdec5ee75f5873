/**
 * Where the archive keeps backups: a Blob container (on Azure) or a folder (ARCHIVE_DIR, the
 * command line). The worker does the same steps on either; each store commits a part only
 * whole and verified, under its final name.
 */
import { Readable } from 'node:stream';
import type { BlockBlobClient, ContainerClient } from '@azure/storage-blob';
import type { PartInspection } from '../inspect/partInspector';
import type { ArchivePart } from '../state/watchState';
import { type ArchiveStorage, archiveContainer } from './container';
import { type CopiedPart, DEFAULT_STALL, type StallWatch, streamToBlob } from './copy';
import { FolderArchiveStore } from './folderStore';
import type { Generation } from './retention';
import { readStored } from './verifyingStream';

export interface StoredPart {
  size: number;
  sha256: string;
  /** What it holds, when it was read again (the state does not have it). */
  inspection?: PartInspection;
}

export interface ArchiveStore {
  /** Where a backup is, as people read it: container/prefix, or the folder's path. */
  location(prefix: string): string;
  /** The part at `path`, if it is stored whole already: `known` when it matches, else read again. */
  storedPart(path: string, fileName: string, known: StoredPart | undefined): Promise<StoredPart | undefined>;
  writePart(path: string, source: Readable, part: PartToWrite): Promise<CopiedPart>;
  writeManifest(path: string, body: string, generation: Generation): Promise<void>;
}

export interface PartToWrite {
  fileName: string;
  expectedBytes: number | undefined;
  historyId: string;
  /** The link it came from, without its query. */
  source: string;
  stall?: StallWatch;
  generation: Generation;
}

/** What the state knows of a stored part, when it knows all of it: the store then need not read it again. */
export function storedFromState(part: ArchivePart | undefined): StoredPart | undefined {
  return part?.status === 'archived' && part.inspection && part.sha256 && part.size !== undefined
    ? { size: part.size, sha256: part.sha256, inspection: part.inspection }
    : undefined;
}

class BlobArchiveStore implements ArchiveStore {
  private created?: Promise<unknown>;

  constructor(private readonly container: ContainerClient) {}

  location(prefix: string): string {
    return `${this.container.containerName}/${prefix}`;
  }

  /**
   * A blob here is whole and sound: Put Blob and a block list commit only once the part proved
   * sound, and never over another blob. The state's record of it stands when the size agrees;
   * without one (the worker stopped before recording it), it is read again, hash and contents.
   */
  async storedPart(path: string, fileName: string, known: StoredPart | undefined): Promise<StoredPart | undefined> {
    await this.ensureContainer();
    const existing = await this.blob(path)
      .getProperties()
      .catch((error: { statusCode?: number }) => {
        if (error.statusCode === 404) return undefined;
        throw error;
      });
    const size = existing?.contentLength;
    if (size === undefined) return undefined;
    if (known && known.size === size) return known;
    const body = (await this.blob(path).download()).readableStreamBody;
    return body ? readStored(Readable.from(body), fileName, size) : undefined;
  }

  /**
   * Once, under its final name: with If-None-Match: *, a blob already there (a second worker on
   * the same part) is never overwritten, which the archive's immutability policy forbids anyway.
   * Metadata and the generation tag go with the upload: an immutable blob takes no later change.
   */
  async writePart(path: string, source: Readable, part: PartToWrite): Promise<CopiedPart> {
    const blob = this.blob(path);
    const metadata = { historyid: part.historyId, source: part.source };
    try {
      return await streamToBlob(
        source,
        blob,
        part.fileName,
        part.expectedBytes,
        { metadata, tags: { generation: part.generation } },
        part.stall ?? DEFAULT_STALL,
      );
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 409) throw error;
      source.destroy();
      const stored = await this.storedPart(path, part.fileName, undefined);
      if (!stored?.inspection) throw error;
      return { size: stored.size, sha256: stored.sha256, inspection: stored.inspection };
    }
  }

  /** Once: a manifest already there is this backup's, written by a worker that stopped before recording it. */
  async writeManifest(path: string, body: string, generation: Generation): Promise<void> {
    await this.blob(path)
      .upload(body, Buffer.byteLength(body), {
        blobHTTPHeaders: { blobContentType: 'application/json' },
        tags: { generation },
        conditions: { ifNoneMatch: '*' },
      })
      .catch((error: { statusCode?: number }) => {
        if (error.statusCode !== 409) throw error;
      });
  }

  private blob(path: string): BlockBlobClient {
    return this.container.getBlockBlobClient(path);
  }

  private ensureContainer(): Promise<unknown> {
    this.created ??= this.container.createIfNotExists().catch((error: unknown) => {
      this.created = undefined;
      throw error;
    });
    return this.created;
  }
}

const stores = new WeakMap<ArchiveStorage, ArchiveStore>();

/** The store of a runtime's archive storage, built on first use and then kept. */
export function archiveStoreOf(storage: ArchiveStorage): ArchiveStore {
  let store = stores.get(storage);
  if (!store) {
    store = 'folder' in storage ? new FolderArchiveStore(storage.folder) : new BlobArchiveStore(archiveContainer(storage));
    stores.set(storage, store);
  }
  return store;
}

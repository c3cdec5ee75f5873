/**
 * Where the archive keeps backups: a Blob container (on Azure) or a folder (ARCHIVE_DIR, the
 * command line). The worker does the same steps on either; each store commits a part only
 * whole and verified, under its final name.
 */
import { Readable } from 'node:stream';
import type { BlockBlobClient, ContainerClient } from '@azure/storage-blob';
import type { PartInspection } from '../inspect/partInspector';
import { type ArchiveStorage, archiveContainer } from './container';
import { type CopiedPart, DEFAULT_STALL, type StallWatch, streamToBlob } from './copy';
import { FolderArchiveStore } from './folderStore';
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
  /** The part at `path`, if it is stored whole already; read again when the state lacks what it holds. */
  storedPart(path: string, fileName: string, readAgain: boolean): Promise<StoredPart | undefined>;
  writePart(path: string, source: Readable, part: PartToWrite): Promise<CopiedPart>;
  writeManifest(path: string, body: string): Promise<void>;
}

export interface PartToWrite {
  fileName: string;
  expectedBytes: number | undefined;
  historyId: string;
  /** The link it came from, without its query. */
  source: string;
  stall?: StallWatch;
}

class BlobArchiveStore implements ArchiveStore {
  private created?: Promise<unknown>;

  constructor(private readonly container: ContainerClient) {}

  location(prefix: string): string {
    return `${this.container.containerName}/${prefix}`;
  }

  async storedPart(path: string, fileName: string, readAgain: boolean): Promise<StoredPart | undefined> {
    await this.ensureContainer();
    const existing = await this.blob(path)
      .getProperties()
      .catch((error: { statusCode?: number }) => {
        if (error.statusCode === 404) return undefined;
        throw error;
      });
    const size = existing?.metadata?.size;
    // The hash lands in metadata only after the commit: a blob without it is not archived yet.
    if (!existing?.metadata?.sha256 || size === undefined || Number(size) !== existing.contentLength) return undefined;
    const stored = { size: Number(size), sha256: existing.metadata.sha256 };
    if (!readAgain) return stored;
    // Committed, but the worker that copied it stopped before the state had its contents: read it once more.
    const body = (await this.blob(path).download()).readableStreamBody;
    const read = body && (await readStored(Readable.from(body), fileName, stored.size));
    return read?.sha256 === stored.sha256 ? read : undefined;
  }

  async writePart(path: string, source: Readable, part: PartToWrite): Promise<CopiedPart> {
    const blob = this.blob(path);
    const metadata = { historyid: part.historyId };
    const copied = await streamToBlob(source, blob, part.fileName, part.expectedBytes, metadata, part.stall ?? DEFAULT_STALL);
    await blob.setMetadata({ ...metadata, sha256: copied.sha256, size: String(copied.size), source: part.source });
    return copied;
  }

  async writeManifest(path: string, body: string): Promise<void> {
    await this.blob(path).upload(body, Buffer.byteLength(body), { blobHTTPHeaders: { blobContentType: 'application/json' } });
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

/**
 * The archive as `archive list|get|verify` read it: each backup's manifest.json (written last,
 * once every part is stored and verified), and its parts as streams, from the Blob container or
 * the ARCHIVE_DIR folder. A manifest is untrusted like everything read back: its shape is
 * checked, and one that does not read is reported by its place, never taken as empty.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ContainerClient } from '@azure/storage-blob';
import * as z from 'zod/mini';
import { mapWithConcurrency } from '../concurrency';
import type { ArchiveStorage } from './container';

const sha256 = z.string().check(z.regex(/^[0-9a-f]{64}$/));
const manifestSchema = z.looseObject({
  org: z.string(),
  historyId: z.string(),
  jobId: z.optional(z.string()),
  zgid: z.optional(z.string()),
  backupCompletedAt: z.string(),
  completedAt: z.optional(z.string()),
  parts: z.array(z.looseObject({ file: z.string().check(z.regex(/^[A-Za-z0-9][\w.-]{0,99}$/)), size: z.number(), sha256 })),
  generation: z.optional(z.enum(['daily', 'monthly', 'yearly'])),
  keptUntil: z.optional(z.string()),
  modules: z.optional(z.array(z.looseObject({ module: z.string(), records: z.number() }))),
});

export type Manifest = z.infer<typeof manifestSchema>;

export interface ArchivedBackup {
  /** `<zgid>/<date>_<job id>`: where its parts are. */
  prefix: string;
  manifest: Manifest;
}

export interface Catalog {
  backups: ArchivedBackup[];
  /** Manifests that do not read: their place, and why. */
  unreadable: Array<{ prefix: string; problem: string }>;
}

export interface ArchiveReader {
  /** Where the archive is, as people read it. */
  readonly location: string;
  catalog(): Promise<Catalog>;
  openPart(prefix: string, file: string): Promise<Readable>;
}

/** At most this much of a manifest is read: one lists parts and module counts, a few kilobytes. */
const MAX_MANIFEST_BYTES = 1024 * 1024;

function parseManifest(prefix: string, text: string): ArchivedBackup | { prefix: string; problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { prefix, problem: 'manifest.json is not JSON' };
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success)
    return { prefix, problem: `manifest.json is not one this app writes (${parsed.error.issues[0]?.path.join('.') || 'its shape'})` };
  return { prefix, manifest: parsed.data };
}

function catalogOf(read: Array<ArchivedBackup | { prefix: string; problem: string }>): Catalog {
  const backups = read.filter((r): r is ArchivedBackup => 'manifest' in r);
  backups.sort((a, b) => Date.parse(a.manifest.backupCompletedAt) - Date.parse(b.manifest.backupCompletedAt));
  return { backups, unreadable: read.filter((r): r is { prefix: string; problem: string } => 'problem' in r) };
}

class FolderReader implements ArchiveReader {
  constructor(readonly location: string) {}

  async catalog(): Promise<Catalog> {
    const prefixes: string[] = [];
    for (const org of await fs.readdir(this.location, { withFileTypes: true })) {
      if (!org.isDirectory()) continue;
      for (const backup of await fs.readdir(join(this.location, org.name), { withFileTypes: true }))
        if (backup.isDirectory()) prefixes.push(`${org.name}/${backup.name}`);
    }
    // A year of a thousand orgs is 52,000 small files: read them a few at a time, not one by one.
    return catalogOf(await mapWithConcurrency(prefixes, 32, (prefix) => this.manifestAt(prefix)));
  }

  private async manifestAt(prefix: string): Promise<ArchivedBackup | { prefix: string; problem: string }> {
    const file = join(this.location, prefix, 'manifest.json');
    const stat = await fs.stat(file).catch(() => undefined);
    if (!stat) return { prefix, problem: 'no manifest.json: the backup was not archived whole' };
    if (stat.size > MAX_MANIFEST_BYTES) return { prefix, problem: 'manifest.json is larger than any this app writes' };
    return parseManifest(prefix, await fs.readFile(file, 'utf8'));
  }

  async openPart(prefix: string, file: string): Promise<Readable> {
    return createReadStream(join(this.location, prefix, file), { highWaterMark: 1 << 20 });
  }
}

class BlobReader implements ArchiveReader {
  readonly location: string;

  constructor(private readonly storage: Exclude<ArchiveStorage, { folder: string }>) {
    this.location = `the Blob container ${storage.container}`;
  }

  /** The Blob SDK loads only for a Blob archive: a folder's commands do without its megabytes. */
  private async container(): Promise<ContainerClient> {
    const { archiveContainer } = await import('./container.js');
    return archiveContainer(this.storage);
  }

  async catalog(): Promise<Catalog> {
    const container = await this.container();
    const manifests: Array<{ name: string; size: number }> = [];
    for await (const blob of container.listBlobsFlat())
      if (blob.name.endsWith('/manifest.json')) manifests.push({ name: blob.name, size: blob.properties.contentLength ?? 0 });
    const read = await mapWithConcurrency(manifests, 16, async ({ name, size }) => {
      const prefix = name.slice(0, -'/manifest.json'.length);
      if (size > MAX_MANIFEST_BYTES) return { prefix, problem: 'manifest.json is larger than any this app writes' };
      return parseManifest(prefix, (await container.getBlockBlobClient(name).downloadToBuffer()).toString('utf8'));
    });
    return catalogOf(read);
  }

  async openPart(prefix: string, file: string): Promise<Readable> {
    const body = (await (await this.container()).getBlockBlobClient(`${prefix}/${file}`).download()).readableStreamBody;
    if (!body) throw new Error(`${prefix}/${file} has no body`);
    // The SDK's body is a Node stream already: wrapping it (Readable.from) would add a promise per chunk.
    return body instanceof Readable ? body : Readable.from(body);
  }
}

export function archiveReaderOf(storage: ArchiveStorage): ArchiveReader {
  return 'folder' in storage ? new FolderReader(storage.folder) : new BlobReader(storage);
}

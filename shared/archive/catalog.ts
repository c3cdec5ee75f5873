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
  /** With `latestOnly`: how many backups each org folder holds (only its newest is read). */
  countsByFolder?: Map<string, number>;
}

export interface CatalogOptions {
  /** Each org folder's newest backup only, and the counts. */
  latestOnly?: boolean;
  /** Only these org folders (zgids). */
  folders?: string[];
}

export interface ArchiveReader {
  /** Where the archive is, as people read it. */
  readonly location: string;
  /** Every backup's manifest; with `latestOnly`, each org folder's newest and the counts (an overview of a thousand orgs). */
  catalog(options?: CatalogOptions): Promise<Catalog>;
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

function catalogOf(read: Array<ArchivedBackup | { prefix: string; problem: string }>, countsByFolder?: Map<string, number>): Catalog {
  const backups = read.filter((r): r is ArchivedBackup => 'manifest' in r);
  backups.sort((a, b) => Date.parse(a.manifest.backupCompletedAt) - Date.parse(b.manifest.backupCompletedAt));
  return {
    backups,
    unreadable: read.filter((r): r is { prefix: string; problem: string } => 'problem' in r),
    ...(countsByFolder ? { countsByFolder } : {}),
  };
}

/**
 * The prefixes whose manifests to read: all, or each org folder's newest (`<date>_<job id>`
 * sorts by date), with each folder's count.
 */
function chosenPrefixes(all: string[], options: CatalogOptions): { read: string[]; counts?: Map<string, number> } {
  const prefixes = options.folders ? all.filter((p) => options.folders?.includes(p.split('/')[0] ?? '')) : all;
  if (!options.latestOnly) return { read: prefixes };
  const newest = new Map<string, string>();
  const counts = new Map<string, number>();
  for (const prefix of prefixes) {
    const folder = prefix.split('/')[0] ?? '';
    counts.set(folder, (counts.get(folder) ?? 0) + 1);
    if ((newest.get(folder) ?? '') < prefix) newest.set(folder, prefix);
  }
  return { read: [...newest.values()], counts };
}

class FolderReader implements ArchiveReader {
  constructor(readonly location: string) {}

  async catalog(options: CatalogOptions = {}): Promise<Catalog> {
    const prefixes: string[] = [];
    for (const org of await fs.readdir(this.location, { withFileTypes: true })) {
      if (!org.isDirectory()) continue;
      for (const backup of await fs.readdir(join(this.location, org.name), { withFileTypes: true }))
        if (backup.isDirectory()) prefixes.push(`${org.name}/${backup.name}`);
    }
    // A year of a thousand orgs is 52,000 small files: read them a few at a time, not one by one.
    const { read, counts } = chosenPrefixes(prefixes, options);
    return catalogOf(await mapWithConcurrency(read, 32, (prefix) => this.manifestAt(prefix)), counts);
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

  async catalog(options: CatalogOptions = {}): Promise<Catalog> {
    const container = await this.container();
    const sizes = new Map<string, number>();
    for await (const blob of container.listBlobsFlat())
      if (blob.name.endsWith('/manifest.json')) sizes.set(blob.name.slice(0, -'/manifest.json'.length), blob.properties.contentLength ?? 0);
    const { read, counts } = chosenPrefixes([...sizes.keys()], options);
    const manifests = await mapWithConcurrency(read, 16, async (prefix) => {
      if ((sizes.get(prefix) ?? 0) > MAX_MANIFEST_BYTES) return { prefix, problem: 'manifest.json is larger than any this app writes' };
      return parseManifest(prefix, (await container.getBlockBlobClient(`${prefix}/manifest.json`).downloadToBuffer()).toString('utf8'));
    });
    return catalogOf(manifests, counts);
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

/**
 * Getting a backup back out (`archive get`) and proving old copies still read (`archive
 * verify`): every part is compared with its manifest, by SHA-256 for a restore, and also
 * through the verifying stream the archive wrote it with (every zip entry inflated and
 * CRC-checked) for the drill. A
 * part is written as `<file>.partial-<random>` and renamed only once it matches, so nothing
 * under a final name is ever unverified bytes, and a second run resumes where one stopped.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { type Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CodedError } from '../errors';
import { sameOrgName } from '../orgName';
import type { ArchivedBackup, ArchiveReader, Catalog, Manifest } from './catalog';
import { readStored } from './verifyingStream';

class ArchiveNotFoundError extends CodedError {
  constructor(message: string, hint: string) {
    super('ARCHIVE_NOT_FOUND', message, hint);
  }
}

const describe = (b: ArchivedBackup) =>
  `${b.manifest.org} ${b.manifest.backupCompletedAt.slice(0, 10)} (job ${b.manifest.jobId ?? b.manifest.historyId})`;

/** The date of a backup as the team reads it (NOTIFY_TIMEZONE). */
export function backupDay(manifest: Manifest, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(manifest.backupCompletedAt),
  );
}

/** `which`: a job id, a backup date (YYYY-MM-DD in the time zone) or `latest`; `org` picks one of several orgs. */
export function selectBackup(catalog: Catalog, which: string, options: { org?: string; timeZone: string }): ArchivedBackup {
  const inOrg = catalog.backups.filter((b) => options.org === undefined || sameOrgName(b.manifest.org, options.org));
  const isIt = (m: Manifest) => m.jobId === which || m.historyId === which || backupDay(m, options.timeZone) === which;
  // A backup named by its job id whose manifest does not read: say that, not "no such backup".
  const unreadable = catalog.unreadable.find((u) => u.prefix.endsWith(`_${which}`));
  if (unreadable && !inOrg.some((b) => isIt(b.manifest)))
    throw new CodedError(
      'ARCHIVE_MANIFEST_INVALID',
      `${unreadable.prefix}: ${unreadable.problem}`,
      'Its parts cannot be verified, so it is not restored: take another backup (README "Restore").',
    );
  if (inOrg.length === 0)
    throw new ArchiveNotFoundError(
      options.org === undefined
        ? 'the archive holds no backup yet'
        : `the archive holds no backup of an org named ${JSON.stringify(options.org.slice(0, 100))}`,
      'Run "zoho-backup-notifier archive list" for what it holds.',
    );
  const orgs = [...new Set(inOrg.map((b) => b.manifest.org))];
  if (which === 'latest' && orgs.length > 1)
    throw new ArchiveNotFoundError(`"latest" is ambiguous: the archive holds ${orgs.join(', ')}`, 'Name the org with --org.');
  const matches = which === 'latest' ? inOrg.slice(-1) : inOrg.filter((b) => isIt(b.manifest));
  if (matches.length === 1) return matches[0] as ArchivedBackup;
  if (matches.length === 0)
    throw new ArchiveNotFoundError(
      `no archived backup is ${JSON.stringify(which.slice(0, 60))}`,
      'Use a job id, a date (YYYY-MM-DD) or latest; "archive list" shows them.',
    );
  throw new ArchiveNotFoundError(
    `${JSON.stringify(which.slice(0, 60))} names ${matches.length} backups: ${matches.map(describe).join('; ')}`,
    'Use the job id, or --org.',
  );
}

export interface PartResult {
  file: string;
  bytes: number;
  outcome: 'copied' | 'already there' | 'verified' | 'mismatch' | 'unreadable';
  problem?: string;
}

/** Reads a part through the verifying stream; `sink`, when given, gets the bytes too. */
/** The drill: the part's SHA-256, and every zip entry inflated and CRC-checked again. */
async function readPart(source: Readable, part: Manifest['parts'][number]): Promise<PartResult> {
  const read = await readStored(source, part.file, part.size);
  if (!read) return { file: part.file, bytes: part.size, outcome: 'unreadable', problem: 'it is cut off, or not the sound zip it was' };
  if (read.sha256 !== part.sha256)
    return {
      file: part.file,
      bytes: read.size,
      outcome: 'mismatch',
      problem: `its SHA-256 is ${read.sha256}, the manifest says ${part.sha256}`,
    };
  return { file: part.file, bytes: read.size, outcome: 'verified' };
}

/**
 * `get`: the SHA-256 and length of the bytes, on their way to `sink`. Bytes that hash as the
 * manifest says are the ones that were inflated and CRC-checked when they were archived, so
 * a restore need not inflate them again (the drill does).
 */
async function hashPart(source: Readable, part: Manifest['parts'][number], sink: Writable): Promise<PartResult> {
  const hash = createHash('sha256');
  let bytes = 0;
  const counting = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(source, counting, sink);
  } catch {
    return { file: part.file, bytes, outcome: 'unreadable', problem: 'it could not be read to its end' };
  }
  const sha256 = hash.digest('hex');
  if (bytes !== part.size || sha256 !== part.sha256)
    return {
      file: part.file,
      bytes,
      outcome: 'mismatch',
      problem: `its ${bytes} bytes hash to ${sha256}, the manifest says ${part.size} bytes, ${part.sha256}`,
    };
  return { file: part.file, bytes, outcome: 'verified' };
}

const discard = () => new Writable({ write: (_chunk, _encoding, done) => done() });

/** Every part of `backup`, read and compared with its manifest (the drill, `archive verify`). */
export async function verifyBackup(reader: ArchiveReader, backup: ArchivedBackup): Promise<PartResult[]> {
  const results: PartResult[] = [];
  for (const part of backup.manifest.parts) {
    const source = await reader.openPart(backup.prefix, part.file).catch(() => undefined);
    results.push(source ? await readPart(source, part) : { file: part.file, bytes: 0, outcome: 'unreadable', problem: 'it is missing' });
  }
  return results;
}

/**
 * The backup's parts and manifest into `target`. A folder holding anything but this backup's
 * own files is refused unless `force` (and even then nothing of the user's is deleted); a part
 * already there whole and matching is kept; one that does not match is never renamed into place.
 */
export async function restoreBackup(
  reader: ArchiveReader,
  backup: ArchivedBackup,
  target: string,
  options: { force: boolean; onPart?: (result: PartResult) => void },
): Promise<PartResult[]> {
  const own = new Set([...backup.manifest.parts.map((p) => p.file), 'manifest.json']);
  await fs.mkdir(target, { recursive: true });
  const others = (await fs.readdir(target)).filter((name) => !own.has(name) && !/\.partial-[0-9a-f]{12}$/.test(name));
  if (others.length > 0 && !options.force)
    throw new CodedError(
      'ARCHIVE_TARGET_NOT_EMPTY',
      `${target} holds other files (${others.slice(0, 3).join(', ')}${others.length > 3 ? ', ...' : ''})`,
      'Choose an empty folder, or add --force to write beside them (nothing of yours is removed).',
    );
  const results: PartResult[] = [];
  for (const part of backup.manifest.parts) {
    const result = await restorePart(reader, backup, part, target);
    options.onPart?.(result);
    results.push(result);
    if (result.outcome === 'mismatch' || result.outcome === 'unreadable')
      throw new CodedError(
        'ARCHIVE_COPY_MISMATCH',
        `${backup.prefix}/${part.file}: ${result.problem}; nothing was written under its name`,
        'This copy no longer matches what was archived: take a copy from another generation, or from Zoho while its links last.',
      );
  }
  await fs.writeFile(join(target, 'manifest.json'), `${JSON.stringify(backup.manifest, null, 2)}\n`);
  return results;
}

async function restorePart(
  reader: ArchiveReader,
  backup: ArchivedBackup,
  part: Manifest['parts'][number],
  target: string,
): Promise<PartResult> {
  const file = join(target, part.file);
  const there = await fs.stat(file).catch(() => undefined);
  if (there?.size === part.size) {
    const check = await hashPart(createReadStream(file), part, discard());
    if (check.outcome === 'verified') return { ...check, outcome: 'already there' };
  }
  const partial = `${file}.partial-${randomBytes(6).toString('hex')}`;
  try {
    const result = await hashPart(await reader.openPart(backup.prefix, part.file), part, createWriteStream(partial, { flags: 'wx' }));
    if (result.outcome !== 'verified') return result;
    await fs.rename(partial, file);
    return { ...result, outcome: 'copied' };
  } finally {
    await fs.rm(partial, { force: true });
  }
}

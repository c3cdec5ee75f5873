/**
 * Streams one zip part from Zoho straight into a block blob: never whole in memory or on
 * disk. The hashing stream in between counts bytes, computes SHA-256 and inspects the zip
 * (every entry inflated and CRC-checked, records counted) on the same bytes, in one pass, and
 * fails the stream (so nothing is committed) when the byte count does not match
 * Content-Length or the part is not a sound zip.
 *  - With a Content-Length (Zoho sends one), one Put Blob streams the body through: no copy
 *    into block buffers, and the blob appears whole or not at all. `npm run bench` measured
 *    the block path at 1.7x the CPU per GiB of a bare socket/SHA-256/sink pipeline.
 *  - Without one, or above Put Blob's size limit, uploadStream stages blocks in parallel from a
 *    bounded set of buffers and commits the block list only when the stream ends cleanly.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { pipeline, type Readable } from 'node:stream';
import type { BlockBlobClient } from '@azure/storage-blob';
import { CodedError } from '../errors';
import type { PartInspection } from '../inspect/partInspector';
import { VerifyingStream } from './verifyingStream';

/** Block size and how many blocks upload at once: live buffer memory is their product (bench:archive: 4 at once cost ~20 MB more RSS for no throughput). */
const BLOCK_SIZE = 4 * 1024 * 1024;
const UPLOAD_CONCURRENCY = 2;
/** Put Blob takes up to 5,000 MiB in one request (service version 2019-12-12 and later). */
const MAX_SINGLE_PUT_BYTES = 5000 * 1024 * 1024;

/** The part kept coming past its time: an entry inflating to terabytes within the size cap, or a trickle. */
class SlowPartError extends CodedError {
  constructor(fileName: string, totalMs: number) {
    super(
      'ARCHIVE_STALLED',
      `${fileName}: still not copied and read after ${Math.round(totalMs / 60_000)} min; nothing was stored`,
      'The download or its inspection took too long; the archive retries it. If it keeps failing, download the part from the links yourself.',
    );
  }
}

/** No byte came for a while after the headers: a download that would otherwise never end. */
class StalledDownloadError extends CodedError {
  constructor(fileName: string, stallMs: number) {
    super(
      'ARCHIVE_STALLED',
      `${fileName}: no byte arrived for ${Math.round(stallMs / 1000)} s; nothing was stored`,
      'The download stalled; the archive retries it.',
    );
  }
}

export function contentLength(headers: IncomingHttpHeaders | Record<string, unknown>): number | undefined {
  const raw = headers['content-length'];
  const value = typeof raw === 'string' ? Number(raw) : undefined;
  return value !== undefined && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/** The watchdog of a download: calls `onStall` once `ms` pass without a refresh. */
export type StartStallTimer = (onStall: () => void, ms: number) => { refresh(): void; clear(): void };

/** Each chunk restarts the one timer (refresh), rather than making a new one per socket read. */
const realStallTimer: StartStallTimer = (onStall, ms) => {
  const timer = setTimeout(onStall, ms);
  return { refresh: () => timer.refresh(), clear: () => clearTimeout(timer) };
};

/** How long a download may go without a byte, and in all; and the timer that watches it (tests inject one). */
export interface StallWatch {
  ms: number;
  /** A part that is still coming after this long is given up (a bomb within the size cap, a trickle). */
  totalMs?: number;
  start: StartStallTimer;
}

export interface CopiedPart {
  size: number;
  sha256: string;
  inspection: PartInspection;
}

/** A stalled server keeps the socket open without a byte: `source` fails after stall.ms of silence. */
export function watchForStall(source: Readable, fileName: string, stall: StallWatch): { clear(): void } {
  const watchdog = stall.start(() => source.destroy(new StalledDownloadError(fileName, stall.ms)), stall.ms);
  source.on('data', () => watchdog.refresh());
  const { totalMs } = stall;
  const limit = totalMs === undefined ? undefined : stall.start(() => source.destroy(new SlowPartError(fileName, totalMs)), totalMs);
  return {
    clear: () => {
      watchdog.clear();
      limit?.clear();
    },
  };
}

/** A minute of silence; 25 minutes in all, within host.json's functionTimeout of 30, so the reason is told. */
export const DEFAULT_STALL: StallWatch = { ms: 60_000, totalMs: 25 * 60_000, start: realStallTimer };

/** Uploads `source` to `blob`; resolves with its size, SHA-256 and what is inside once the blob is committed. */
export async function streamToBlob(
  source: Readable,
  blob: BlockBlobClient,
  fileName: string,
  expectedBytes: number | undefined,
  marks: { metadata: Record<string, string>; tags: Record<string, string> },
  stall: StallWatch = DEFAULT_STALL,
): Promise<CopiedPart> {
  const hashing = new VerifyingStream(fileName, expectedBytes);
  const watchdog = watchForStall(source, fileName, stall);
  // pipeline() carries a source error (a dropped connection) into the hashing stream, which
  // uploadStream sees as a failed stream: it rejects without committing the block list.
  pipeline(source, hashing, () => {});
  // The HTTP client does not watch its body for errors: a failed download must abort the upload.
  const abort = new AbortController();
  let failure: unknown;
  hashing.once('error', (error) => {
    failure = error;
    abort.abort();
  });
  // Never over an existing blob (If-None-Match: *): a part is written once, under its final name.
  const options = {
    blobHTTPHeaders: { blobContentType: 'application/zip' },
    ...marks,
    conditions: { ifNoneMatch: '*' },
    abortSignal: abort.signal,
  };
  try {
    // A stream, not a factory: the SDK cannot replay it, so a failed upload is the queue's to retry.
    if (expectedBytes !== undefined && expectedBytes <= MAX_SINGLE_PUT_BYTES) await blob.upload(hashing, expectedBytes, options);
    else await blob.uploadStream(hashing, BLOCK_SIZE, UPLOAD_CONCURRENCY, options);
  } catch (error) {
    throw failure ?? error;
  } finally {
    watchdog.clear();
  }
  return { size: hashing.bytes, sha256: hashing.digest(), inspection: hashing.inspection as PartInspection };
}

/**
 * The bytes of one part on their way to the archive: counted, hashed (SHA-256) and inspected
 * (every entry inflated and CRC-checked, records counted) in the same pass. The stream fails
 * when the count does not match Content-Length or the part is not a sound zip, and it holds
 * the latest chunk back until the next arrives, so a store that commits on the last byte
 * (Put Blob, a rename after the end) never commits a damaged part.
 */
import { createHash } from 'node:crypto';
import { type Readable, Transform, type TransformCallback, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CodedError } from '../errors';
import { PartDamagedError } from '../inspect/partDamaged';
import { type PartInspection, PartInspector } from '../inspect/partInspector';

const HASHING_BUFFER_BYTES = 1024 * 1024;

class TruncatedDownloadError extends CodedError {
  constructor(fileName: string, received: number, expected: number | undefined) {
    super(
      'ARCHIVE_TRUNCATED',
      expected === undefined
        ? `${fileName}: the download ended after ${received} bytes, before its zip did (no Content-Length); nothing was stored`
        : `${fileName}: received ${received} of ${expected} bytes (Content-Length); nothing was stored`,
      'The download was cut short; the archive retries it.',
    );
  }
}

export class VerifyingStream extends Transform {
  private readonly hash = createHash('sha256');
  private readonly inspector: PartInspector;
  /** The latest chunk, kept back until the next: the part's last bytes go up only once it proved sound. */
  private held?: Buffer;
  bytes = 0;
  inspection?: PartInspection;

  constructor(
    private readonly fileName: string,
    private readonly expected: number | undefined,
  ) {
    // 1 MiB between the download and the upload: with a slower store, a 16 KiB buffer made the
    // pipeline pause and resume for every socket read, which cost more CPU than the bytes did
    // (2.0x the bare pipeline's CPU per GiB); 1 MiB measured 1.17-1.24x, as 4 MiB did, in less memory.
    super({ highWaterMark: HASHING_BUFFER_BYTES });
    this.inspector = new PartInspector(fileName, expected);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (this.held) this.push(this.held);
    this.held = chunk;
    this.inspector.write(chunk).then(() => done(), done);
  }

  override _flush(done: TransformCallback): void {
    if (this.expected !== undefined && this.bytes !== this.expected) {
      done(new TruncatedDownloadError(this.fileName, this.bytes, this.expected));
      return;
    }
    this.inspector.end().then(
      (inspection) => {
        this.inspection = inspection;
        // A damaged part never sends its last bytes, so Put Blob never commits it.
        done(null, this.held);
      },
      (error: unknown) => {
        // Without a Content-Length, a zip that stops short is most likely a cut connection: retried, not refused.
        const cut = this.expected === undefined && error instanceof PartDamagedError && error.endedEarly;
        done(cut ? new TruncatedDownloadError(this.fileName, this.bytes, undefined) : (error as Error));
      },
    );
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

/** Hashes and inspects a stored copy; undefined when it is not sound. */
export async function readStored(
  source: Readable,
  fileName: string,
  size: number,
): Promise<{ size: number; sha256: string; inspection?: PartInspection } | undefined> {
  const verifying = new VerifyingStream(fileName, size);
  try {
    await pipeline(source, verifying, new Writable({ write: (_chunk, _encoding, done) => done() }));
  } catch {
    return undefined;
  }
  return { size: verifying.bytes, sha256: verifying.digest(), inspection: verifying.inspection };
}

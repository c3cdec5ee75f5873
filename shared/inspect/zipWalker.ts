/**
 * Reads a zip part front to back, in one pass, as its bytes arrive: local headers, each entry
 * inflated (Node's zlib) and checked against its CRC-32 and sizes, data descriptors (plain and
 * zip64), then the central directory, which must agree with what was read. Nothing is kept
 * but the headers; an entry's bytes go to the visitor and are gone.
 *
 * Why our own: a reader that needs no random access (the part streams from Zoho to the store)
 * and checks every CRC. Of the streaming readers, unzipper 0.12.5 failed on zip64 data
 * descriptors (Python's zipfile and Info-ZIP's), hung on a cut-off part and passed a flipped
 * byte; fflate 0.8.3 read them all but passed the flipped byte too, and inflates at 2.1x the
 * CPU of zlib. yauzl reads the central directory first, so it needs the whole file.
 */
import { crc32 } from 'node:zlib';
import { EntryInflater } from './entryInflater';
import { PartDamagedError } from './partDamaged';
import { type EntryHeader, readCentralHeader, readDescriptor, readEndRecord, readLocalHeader, SIGNATURE } from './zipRecords';

export type { EntryHeader } from './zipRecords';

/** What the walker tells about each entry; `data` receives its inflated bytes in order. */
interface ZipVisitor {
  entry(header: EntryHeader): { data(chunk: Buffer): void; end(): void };
}

interface ReadEntry {
  name: string;
  offset: number;
  crc: number;
  compressedSize: number;
  size: number;
}

type Stage = 'record' | 'entry' | 'descriptor' | 'central' | 'done';

export class ZipWalker {
  private pending: Buffer = Buffer.alloc(0);
  /** The part's offset of pending[0]. */
  private offset = 0;
  private stage: Stage = 'record';
  private current?: { header: EntryHeader; sink: ReturnType<ZipVisitor['entry']>; crc: number; size: number; compressed: number };
  private inflater?: EntryInflater;
  private centralStart?: number;
  private centralCount = 0;
  readonly entries: ReadEntry[] = [];

  constructor(
    private readonly fileName: string,
    private readonly visitor: ZipVisitor,
    /** The most an entry may inflate to: a bomb stops here. */
    private readonly maxEntryBytes: number,
  ) {}

  async write(chunk: Buffer): Promise<void> {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (await this.step()) {}
  }

  /** The part's end: anything but a complete zip is damage. */
  async end(): Promise<ReadEntry[]> {
    if (this.stage !== 'done') {
      const where = this.current ? `inside ${this.current.header.name}` : 'before its central directory ended';
      throw new PartDamagedError(this.fileName, `the part ends early, ${where}`, this.current?.header.name, true);
    }
    return this.entries;
  }

  /** One record or one slice of entry data; false when more bytes are needed. */
  private async step(): Promise<boolean> {
    switch (this.stage) {
      case 'record':
        return this.readRecord();
      case 'entry':
        return this.readEntryData();
      case 'descriptor':
        return this.readEntryDescriptor();
      case 'central':
        return this.readCentral();
      case 'done':
        if (this.pending.length > 0) throw this.damaged(`${this.pending.length} bytes follow the end of the zip`);
        return false;
    }
  }

  private readRecord(): boolean {
    if (this.pending.length < 4) return false;
    const signature = this.pending.readUInt32LE(0);
    if (signature === SIGNATURE.central) {
      this.centralStart = this.offset;
      this.stage = 'central';
      return true;
    }
    if (signature !== SIGNATURE.local) throw this.damaged(`no zip record at byte ${this.offset} (not a zip, or damaged)`);
    const read = readLocalHeader(this.pending, this.offset, (problem) => this.damaged(problem));
    if (!read) return false;
    const { header, length } = read;
    if (header.method !== 0 && header.method !== 8)
      throw this.damaged(`${header.name} uses compression method ${header.method}`, header.name);
    if (header.method === 0 && header.compressedSize === undefined)
      throw this.damaged(`${header.name} is stored with its size after the data, which no one-pass reader can find`, header.name);
    this.consume(length);
    this.current = { header, sink: this.visitor.entry(header), crc: 0, size: 0, compressed: 0 };
    if (header.method === 8) this.inflater = new EntryInflater((chunk) => this.inflated(chunk));
    this.stage = 'entry';
    return true;
  }

  private async readEntryData(): Promise<boolean> {
    const entry = this.current as NonNullable<ZipWalker['current']>;
    const known = entry.header.compressedSize;
    if (this.pending.length === 0 && known !== entry.compressed) return false;
    const take = known === undefined ? this.pending.length : Math.min(known - entry.compressed, this.pending.length);
    const slice = this.pending.subarray(0, take);
    if (!this.inflater) {
      this.inflated(slice);
      entry.compressed += take;
      this.consume(take);
    } else {
      const name = entry.header.name;
      const used = await this.inflater.feed(slice).catch((error) => {
        throw this.inflateFailure(name, error);
      });
      entry.compressed += used;
      this.consume(used);
      if (!this.inflater.ended && (known === undefined || entry.compressed < known)) return this.pending.length > 0 && used > 0;
      if (!this.inflater.ended && !(await this.inflater.finish().catch((error) => Promise.reject(this.inflateFailure(name, error)))))
        throw this.damaged(`${name} ends inside its data`, name);
      if (known !== undefined && entry.compressed < known) throw this.damaged(`${name} ends before the size its header says`, name);
    }
    if (known !== undefined && entry.compressed < known) return false;
    this.inflater = undefined;
    entry.sink.end();
    this.stage = entry.header.hasDescriptor ? 'descriptor' : 'record';
    if (!entry.header.hasDescriptor) this.finishEntry(entry.header.crc, entry.header.compressedSize, entry.header.size);
    return true;
  }

  private inflated(chunk: Buffer): void {
    const entry = this.current as NonNullable<ZipWalker['current']>;
    entry.crc = crc32(chunk, entry.crc);
    entry.size += chunk.length;
    if (entry.size > this.maxEntryBytes)
      throw this.damaged(`${entry.header.name} inflates past ${this.maxEntryBytes} bytes (a zip bomb?)`, entry.header.name);
    entry.sink.data(chunk);
  }

  private readEntryDescriptor(): boolean {
    const entry = this.current as NonNullable<ZipWalker['current']>;
    const read = readDescriptor(this.pending, entry.header.zip64, entry.compressed);
    if (!read) return false;
    this.consume(read.length);
    this.finishEntry(read.crc, read.compressedSize, read.size);
    this.stage = 'record';
    return true;
  }

  /** Compares what was read with what the header or the descriptor says. */
  private finishEntry(crc: number | undefined, compressedSize: number | undefined, size: number | undefined): void {
    const entry = this.current as NonNullable<ZipWalker['current']>;
    const name = entry.header.name;
    if (crc !== entry.crc) throw this.damaged(`${name} fails its CRC-32 check (damaged data)`, name);
    if (size !== entry.size || compressedSize !== entry.compressed) throw this.damaged(`${name} is not the size its header says`, name);
    this.entries.push({ name, offset: entry.header.offset, crc: entry.crc, compressedSize: entry.compressed, size: entry.size });
    this.current = undefined;
  }

  private readCentral(): boolean {
    const fail = (problem: string) => this.damaged(problem);
    if (this.pending.length < 4) return false;
    if (this.pending.readUInt32LE(0) === SIGNATURE.central) {
      const read = readCentralHeader(this.pending, fail);
      if (!read) return false;
      const local = this.entries[this.centralCount];
      const agrees =
        local?.name === read.name &&
        local.crc === read.crc &&
        local.size === read.size &&
        local.compressedSize === read.compressedSize &&
        local.offset === read.offset;
      if (!agrees) throw this.damaged(`the central directory does not list ${local?.name ?? read.name} as it was read`, read.name);
      this.centralCount += 1;
      this.consume(read.length);
      return true;
    }
    const end = readEndRecord(this.pending, fail);
    if (!end) return false;
    if (end.entries !== undefined && end.entries !== this.entries.length)
      throw this.damaged(`the central directory counts ${end.entries} entries; the part holds ${this.entries.length}`);
    if (end.centralOffset !== undefined && end.centralOffset !== this.centralStart)
      throw this.damaged('the central directory is not where its end record says');
    if (end.final && this.centralCount !== this.entries.length) throw this.damaged('the central directory misses entries');
    this.consume(end.length);
    if (end.final) this.stage = 'done';
    return true;
  }

  private inflateFailure(name: string, error: unknown): PartDamagedError {
    if (error instanceof PartDamagedError) return error;
    return this.damaged(`${name} does not inflate (${(error as Error).message})`, name);
  }

  private consume(bytes: number): void {
    this.pending = this.pending.subarray(bytes);
    this.offset += bytes;
  }

  private damaged(problem: string, entry?: string): PartDamagedError {
    return new PartDamagedError(this.fileName, problem, entry);
  }
}

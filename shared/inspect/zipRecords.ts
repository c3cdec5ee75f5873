/**
 * The zip records a one-pass reader meets (PKWARE APPNOTE 6.3.10, sections 4.3 and 4.5): each
 * reader takes the bytes at hand and answers the record and its length, or undefined when more
 * bytes are needed. Sizes past 4 GiB come from the zip64 extra field.
 */
export const SIGNATURE = {
  local: 0x04034b50,
  descriptor: 0x08074b50,
  central: 0x02014b50,
  zip64End: 0x06064b50,
  zip64Locator: 0x07064b50,
  end: 0x06054b50,
} as const;

const FLAG_ENCRYPTED = 0x1;
const FLAG_DESCRIPTOR = 0x8;
const FLAG_UTF8 = 0x800;
const ZIP64_EXTRA = 0x0001;
const MAX32 = 0xffffffff;

export interface EntryHeader {
  name: string;
  method: number;
  /** The part's offset of the local header. */
  offset: number;
  /** The sizes and CRC come after the data, in a data descriptor. */
  hasDescriptor: boolean;
  /** The local header has a zip64 extra field: a descriptor's sizes are 8 bytes each. */
  zip64: boolean;
  crc?: number;
  compressedSize?: number;
  size?: number;
}

type Fail = (problem: string) => Error;

const nameOf = (bytes: Buffer, flags: number) => bytes.toString(flags & FLAG_UTF8 ? 'utf8' : 'latin1');

/** The zip64 extra field's 8-byte values, in order. */
function zip64Values(extra: Buffer): bigint[] | undefined {
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const size = extra.readUInt16LE(at + 2);
    if (id === ZIP64_EXTRA) {
      const values: bigint[] = [];
      for (let v = at + 4; v + 8 <= at + 4 + size && v + 8 <= extra.length; v += 8) values.push(extra.readBigUInt64LE(v));
      return values;
    }
    at += 4 + size;
  }
  return undefined;
}

const safeNumber = (value: bigint, fail: Fail): number => {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw fail('a size in the zip is beyond any real file');
  return Number(value);
};

export function readLocalHeader(bytes: Buffer, offset: number, fail: Fail): { header: EntryHeader; length: number } | undefined {
  if (bytes.length < 30) return undefined;
  const flags = bytes.readUInt16LE(6);
  const nameLength = bytes.readUInt16LE(26);
  const length = 30 + nameLength + bytes.readUInt16LE(28);
  if (bytes.length < length) return undefined;
  const name = nameOf(bytes.subarray(30, 30 + nameLength), flags);
  if (flags & FLAG_ENCRYPTED) throw fail(`${name} is encrypted`);
  const wide = zip64Values(bytes.subarray(30 + nameLength, length));
  const hasDescriptor = (flags & FLAG_DESCRIPTOR) !== 0;
  let size = bytes.readUInt32LE(22);
  let compressedSize = bytes.readUInt32LE(18);
  if (wide && (size === MAX32 || compressedSize === MAX32)) {
    size = safeNumber(wide[0] ?? 0n, fail);
    compressedSize = safeNumber(wide[1] ?? 0n, fail);
  }
  const header: EntryHeader = { name, method: bytes.readUInt16LE(8), offset, hasDescriptor, zip64: wide !== undefined };
  if (!hasDescriptor) Object.assign(header, { crc: bytes.readUInt32LE(14), compressedSize, size });
  return { header, length };
}

/**
 * A data descriptor, with or without its optional signature. Its sizes are 8 bytes each after
 * a zip64 local header, and some writers (yazl) use 8 without one: the width that matches the
 * bytes read and is followed by the next record's signature is the one.
 */
export function readDescriptor(
  bytes: Buffer,
  zip64: boolean,
  compressedRead: number,
): { crc: number; compressedSize: number; size: number; length: number } | undefined {
  if (bytes.length < 4) return undefined;
  const signed = bytes.readUInt32LE(0) === SIGNATURE.descriptor ? 4 : 0;
  const readings: Array<{ crc: number; compressedSize: number; size: number; length: number }> = [];
  for (const width of zip64 ? [8, 4] : [4, 8]) {
    const length = signed + 4 + 2 * width;
    // The next record's signature must be in hand to tell the widths apart.
    if (bytes.length < length + 4) return undefined;
    const read = (at: number) => (width === 8 ? Number(bytes.readBigUInt64LE(at)) : bytes.readUInt32LE(at));
    const reading = { crc: bytes.readUInt32LE(signed), compressedSize: read(signed + 4), size: read(signed + 4 + width), length };
    const next = bytes.readUInt32LE(length);
    if (reading.compressedSize === compressedRead && (next === SIGNATURE.local || next === SIGNATURE.central)) return reading;
    readings.push(reading);
  }
  return readings[0];
}

interface CentralEntry {
  name: string;
  crc: number;
  compressedSize: number;
  size: number;
  offset: number;
  length: number;
}

export function readCentralHeader(bytes: Buffer, fail: Fail): CentralEntry | undefined {
  if (bytes.length < 46) return undefined;
  const nameLength = bytes.readUInt16LE(28);
  const extraLength = bytes.readUInt16LE(30);
  const length = 46 + nameLength + extraLength + bytes.readUInt16LE(32);
  if (bytes.length < length) return undefined;
  const wide = zip64Values(bytes.subarray(46 + nameLength, 46 + nameLength + extraLength)) ?? [];
  // Only the fields whose 4-byte value is all ones are in the zip64 field, in this order.
  const fields = [bytes.readUInt32LE(24), bytes.readUInt32LE(20), bytes.readUInt32LE(42)];
  const [size, compressedSize, offset] = fields.map((value) => (value === MAX32 ? safeNumber(wide.shift() ?? 0n, fail) : value));
  return {
    name: nameOf(bytes.subarray(46, 46 + nameLength), bytes.readUInt16LE(8)),
    crc: bytes.readUInt32LE(16),
    compressedSize: compressedSize as number,
    size: size as number,
    offset: offset as number,
    length,
  };
}

/** The zip64 end record, its locator, or the end record (`final`), after the central directory. */
export function readEndRecord(
  bytes: Buffer,
  fail: Fail,
): { length: number; entries?: number; centralOffset?: number; final: boolean } | undefined {
  if (bytes.length < 4) return undefined;
  const signature = bytes.readUInt32LE(0);
  if (signature === SIGNATURE.zip64End) {
    if (bytes.length < 56) return undefined;
    const length = 12 + safeNumber(bytes.readBigUInt64LE(4), fail);
    if (bytes.length < length) return undefined;
    return {
      length,
      entries: safeNumber(bytes.readBigUInt64LE(32), fail),
      centralOffset: safeNumber(bytes.readBigUInt64LE(48), fail),
      final: false,
    };
  }
  if (signature === SIGNATURE.zip64Locator) return bytes.length < 20 ? undefined : { length: 20, final: false };
  if (signature !== SIGNATURE.end) throw fail('the central directory is followed by something that is not its end');
  if (bytes.length < 22) return undefined;
  const length = 22 + bytes.readUInt16LE(20);
  if (bytes.length < length) return undefined;
  const entries = bytes.readUInt16LE(10);
  const centralOffset = bytes.readUInt32LE(16);
  return {
    length,
    ...(entries === 0xffff ? {} : { entries }),
    ...(centralOffset === MAX32 ? {} : { centralOffset }),
    final: true,
  };
}

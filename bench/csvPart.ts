/**
 * A Data part of any size, made on the fly for the benchmarks: one CSV entry, deflated, with
 * a data descriptor and zip64 records (as a Zoho part whose CSV inflates past 4 GiB must be),
 * never held whole. Deflating gigabytes per run would make the sandbox the bottleneck, so a
 * block of CSV rows is deflated once, flushed to a byte boundary and repeated: each copy's
 * back-references stay inside it, so the repeats are one valid deflate stream. Checked with
 * Info-ZIP's `unzip -t` and Python's zipfile on a part that inflates to 4.3 GiB.
 */
import { constants, crc32, deflateRawSync } from 'node:zlib';

const ROWS_PER_BLOCK = 20_000;

function csvBlock(): Buffer {
  const rows: string[] = [];
  for (let i = 0; i < ROWS_PER_BLOCK; i++) {
    const id = 4_876_876_000_000_000 + i * 7919;
    const note = i % 3 === 0 ? '"Met at the fair,\r\nasked for ""pricing"""' : 'Follow up next quarter';
    rows.push(`${id},Lead ${i},Zylker ${i % 97},${(i * 37) % 10_000}.00,${note}\r\n`);
  }
  return Buffer.from(rows.join(''));
}

export interface CsvPart {
  /** The part's bytes, a piece at a time. */
  chunks(): Generator<Buffer>;
  size: number;
  /** The records of its one module, Leads. */
  records: number;
  /** Where the entry's deflate data starts, and its length: the minimal pipeline inflates exactly that. */
  dataStart: number;
  dataLength: number;
  inflatedSize: number;
}

const u64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};

/** A part of about `targetBytes` compressed bytes. */
export function csvPart(targetBytes: number): CsvPart {
  const name = Buffer.from('Data/Leads_001.csv');
  const header = Buffer.from('\uFEFFRecord Id,Last Name,Company,Annual Revenue,Description\r\n');
  const block = csvBlock();
  const sync = { finishFlush: constants.Z_SYNC_FLUSH };
  const [headerDeflated, blockDeflated] = [deflateRawSync(header, sync), deflateRawSync(block, sync)];
  const end = Buffer.from([0x03, 0x00]); // a final, empty fixed-Huffman block
  const repeats = Math.max(1, Math.round((targetBytes - headerDeflated.length) / blockDeflated.length));
  let crc = crc32(header);
  for (let i = 0; i < repeats; i++) crc = crc32(block, crc);
  const dataLength = headerDeflated.length + repeats * blockDeflated.length + end.length;
  const inflatedSize = header.length + repeats * block.length;

  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(45, 4);
  local.writeUInt16LE(0x0808, 6); // sizes in a data descriptor; a UTF-8 name
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(0xffffffff, 18);
  local.writeUInt32LE(0xffffffff, 22);
  local.writeUInt16LE(name.length, 26);
  local.writeUInt16LE(20, 28);
  const localExtra = Buffer.concat([Buffer.from([0x01, 0x00, 16, 0]), u64(0), u64(0)]);
  const head = Buffer.concat([local, name, localExtra]);
  const descriptor = Buffer.concat([Buffer.from([0x50, 0x4b, 0x07, 0x08]), Buffer.alloc(4), u64(dataLength), u64(inflatedSize)]);
  descriptor.writeUInt32LE(crc, 4);

  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(45, 4);
  central.writeUInt16LE(45, 6);
  central.writeUInt16LE(0x0808, 8);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(0xffffffff, 20);
  central.writeUInt32LE(0xffffffff, 24);
  central.writeUInt16LE(name.length, 28);
  central.writeUInt32LE(0, 42); // the local header is at 0: no zip64 offset needed
  const centralExtra = Buffer.concat([Buffer.from([0x01, 0x00, 16, 0]), u64(inflatedSize), u64(dataLength)]);
  central.writeUInt16LE(centralExtra.length, 30);
  const centralRecord = Buffer.concat([central, name, centralExtra]);
  const centralStart = head.length + dataLength + descriptor.length;
  const zip64End = Buffer.alloc(56);
  zip64End.writeUInt32LE(0x06064b50, 0);
  zip64End.writeBigUInt64LE(44n, 4);
  zip64End.writeUInt16LE(45, 12);
  zip64End.writeUInt16LE(45, 14);
  zip64End.writeBigUInt64LE(1n, 24);
  zip64End.writeBigUInt64LE(1n, 32);
  zip64End.writeBigUInt64LE(BigInt(centralRecord.length), 40);
  zip64End.writeBigUInt64LE(BigInt(centralStart), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(centralStart + centralRecord.length), 8);
  locator.writeUInt32LE(1, 16);
  const endRecord = Buffer.alloc(22);
  endRecord.writeUInt32LE(0x06054b50, 0);
  endRecord.writeUInt16LE(1, 8);
  endRecord.writeUInt16LE(1, 10);
  endRecord.writeUInt32LE(centralRecord.length, 12);
  endRecord.writeUInt32LE(0xffffffff, 16);
  const tail = Buffer.concat([descriptor, centralRecord, zip64End, locator, endRecord]);

  // About 1 MiB per chunk, as a socket would carry it.
  const perChunk = Math.max(1, Math.floor((1024 * 1024) / blockDeflated.length));
  const run = Buffer.concat(Array.from({ length: perChunk }, () => blockDeflated));
  return {
    size: head.length + dataLength + tail.length,
    records: repeats * ROWS_PER_BLOCK,
    dataStart: head.length,
    dataLength,
    inflatedSize,
    *chunks() {
      yield Buffer.concat([head, headerDeflated]);
      for (let left = repeats; left > 0; left -= perChunk) yield left >= perChunk ? run : run.subarray(0, left * blockDeflated.length);
      yield Buffer.concat([end, tail]);
    },
  };
}

/**
 * The records of a zip of stored entries with their sizes and CRC up front (no data
 * descriptors, no zip64), for the sandbox's parts of a given size: they must be exact to the
 * byte, and made a chunk at a time. Realistic backups come from yazl (backupFiles.ts).
 */
export function localHeader(name: Buffer, crc: number, size: number): Buffer {
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4); // version needed
  local.writeUInt16LE(0x800, 6); // UTF-8 name
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(size, 18);
  local.writeUInt32LE(size, 22);
  local.writeUInt16LE(name.length, 26);
  return Buffer.concat([local, name]);
}

/** The central directory of one entry at offset 0, and its end record. */
export function centralDirectory(name: Buffer, crc: number, size: number): Buffer {
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(0x800, 8);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(size, 20);
  central.writeUInt32LE(size, 24);
  central.writeUInt16LE(name.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + name.length, 12);
  end.writeUInt32LE(30 + name.length + size, 16);
  return Buffer.concat([central, name, end]);
}

/** Bytes a one-entry zip adds around its data. */
export const zipOverhead = (name: Buffer) => 30 + 46 + 2 * name.length + 22;

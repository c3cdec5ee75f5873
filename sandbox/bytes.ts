/** The bytes the sandbox serves as zip parts of a given size: a stored zip of deterministic pattern bytes. */
import type { ServerResponse } from 'node:http';
import { crc32 } from 'node:zlib';
import { centralDirectory, localHeader, zipOverhead } from './zip';

const PATTERN_CHUNK = 1024 * 1024;
const patternSeeds = new Map<string, Buffer>();

/** One chunk of pseudo-random bytes per seed (a linear congruential generator: cheap, repeatable), made once. */
function patternSeed(seed: string): Buffer {
  const cached = patternSeeds.get(seed);
  if (cached) return cached;
  let x = [...seed].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  const bytes = Buffer.allocUnsafe(PATTERN_CHUNK);
  for (let i = 0; i < PATTERN_CHUNK; i += 4) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    bytes.writeUInt32LE(x, i);
  }
  patternSeeds.set(seed, bytes);
  return bytes;
}

/**
 * Deterministic bytes of any size, a chunk at a time so that a multi-GB part never sits in
 * memory. Every chunk is the seed's random chunk stamped with its own index, so a lost,
 * repeated or reordered chunk changes the bytes; making one costs a copy, not a generator
 * loop, so the sandbox is not the bottleneck of bench:archive.
 */
function* patternData(seed: string, size: number): Generator<Buffer> {
  const base = patternSeed(seed);
  for (let offset = 0, index = 0; offset < size; offset += PATTERN_CHUNK, index += 1) {
    const chunk = Buffer.from(base.subarray(0, Math.min(PATTERN_CHUNK, size - offset)));
    if (chunk.length >= 8) chunk.writeUInt32LE(index, 4);
    yield chunk;
  }
}

const crcs = new Map<string, number>();

function patternCrc(seed: string, size: number): number {
  const key = `${seed}:${size}`;
  let crc = crcs.get(key);
  if (crc === undefined) {
    crc = 0;
    for (const chunk of patternData(seed, size)) crc = crc32(chunk, crc);
    crcs.set(key, crc);
  }
  return crc;
}

/**
 * A sound zip part of exactly `size` bytes (archive tests and the benchmark): one stored entry
 * of pattern bytes, `Data/pattern.bin` or `Attachments/pattern.bin`, a chunk at a time.
 */
export function* patternChunks(seed: string, size: number): Generator<Buffer> {
  const name = Buffer.from(seed.startsWith('Attachments') ? 'Attachments/pattern.bin' : 'Data/pattern.bin');
  const dataSize = size - zipOverhead(name);
  if (dataSize < 0 || size > 0xffffffff) throw new Error(`a sandbox part is ${zipOverhead(name)} bytes to 4 GiB, not ${size}`);
  const crc = patternCrc(seed, dataSize);
  yield localHeader(name, crc, dataSize);
  yield* patternData(seed, dataSize);
  yield centralDirectory(name, crc, dataSize);
}

export function patternBytes(seed: string, size: number): Buffer {
  return Buffer.concat([...patternChunks(seed, size)]);
}

/**
 * Writes chunks with backpressure; with `dropAfter`, cuts the connection after that many
 * bytes, or with `stall`, stops writing there and keeps the connection open.
 */
export async function streamOut(res: ServerResponse, chunks: Iterable<Buffer>, dropAfter?: number, stall = false): Promise<void> {
  let sent = 0;
  for (const chunk of chunks) {
    const piece = dropAfter !== undefined && sent + chunk.length > dropAfter ? chunk.subarray(0, dropAfter - sent) : chunk;
    sent += piece.length;
    if (!res.write(piece)) await new Promise((resolve) => res.once('drain', resolve));
    if (dropAfter !== undefined && sent >= dropAfter) {
      if (!stall) res.socket?.destroy();
      return;
    }
  }
  res.end();
}

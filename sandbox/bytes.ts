/** The bytes the sandbox serves as zip parts: a tiny real zip, or deterministic pattern bytes of any size. */
import type { ServerResponse } from 'node:http';
import { buildZip } from './zip';

export function sampleZip(fileName: string): Buffer {
  const csv = fileName.startsWith('Data') ? 'Record Id,Last Name,Company\n4876876000000400001,Boyle,Zylker\n' : 'attachment placeholder\n';
  return buildZip([{ name: fileName.startsWith('Data') ? 'Leads.csv' : 'Attachments/readme.txt', content: Buffer.from(csv) }]);
}

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
 * memory (archive tests and the benchmark). Every chunk is the seed's random chunk stamped
 * with its own index, so a lost, repeated or reordered chunk changes the bytes; making one
 * costs a copy, not a generator loop, so the sandbox is not the bottleneck of bench:archive.
 * They begin like a zip.
 */
export function* patternChunks(seed: string, size: number): Generator<Buffer> {
  const base = patternSeed(seed);
  for (let offset = 0, index = 0; offset < size; offset += PATTERN_CHUNK, index += 1) {
    const chunk = Buffer.from(base.subarray(0, Math.min(PATTERN_CHUNK, size - offset)));
    if (chunk.length >= 8) chunk.writeUInt32LE(index, 4);
    if (offset === 0) Buffer.from('PK\u0003\u0004').copy(chunk, 0, 0, Math.min(4, chunk.length));
    yield chunk;
  }
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

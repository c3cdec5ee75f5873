/**
 * Counts the records of a CSV (RFC 4180) as its bytes stream by: a line break ends a record
 * only outside quotes, so a quoted field may hold line breaks and doubled quotes; CRLF or LF;
 * blank lines are not records. Counting needs no fields, so it only looks for quotes and line
 * feeds with Buffer.indexOf (native). bench/archive.ts measured csv-parse 7 at 11x the CPU of
 * this count on the same bytes, which would have been most of the archive's CPU; the tests
 * check every count against csv-parse on CSVs written by Python's csv module.
 * It also refuses bytes that are not UTF-8, across chunk boundaries.
 */
import { isUtf8 } from 'node:buffer';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

export class CsvRecordCounter {
  private rows = 0;
  private inQuotes = false;
  /** The current line has something other than CR. */
  private lineHasContent = false;
  /** The bytes of a UTF-8 character cut by the chunk boundary. */
  private carry: Buffer = Buffer.alloc(0);
  private utf8 = true;

  write(chunk: Buffer): void {
    this.checkUtf8(chunk);
    let at = 0;
    let nextQuote = chunk.indexOf(QUOTE);
    while (at < chunk.length) {
      if (this.inQuotes) {
        if (nextQuote < 0) return;
        this.inQuotes = false;
        at = nextQuote + 1;
        nextQuote = chunk.indexOf(QUOTE, at);
        continue;
      }
      const lineEnd = chunk.indexOf(LF, at);
      if (nextQuote >= 0 && (lineEnd < 0 || nextQuote < lineEnd)) {
        this.lineHasContent = true;
        this.inQuotes = true;
        at = nextQuote + 1;
        nextQuote = chunk.indexOf(QUOTE, at);
        continue;
      }
      const stop = lineEnd < 0 ? chunk.length : lineEnd;
      if (stop > at && !(stop === at + 1 && chunk[at] === CR)) this.lineHasContent = true;
      if (lineEnd < 0) return;
      if (this.lineHasContent) this.rows += 1;
      this.lineHasContent = false;
      at = lineEnd + 1;
    }
  }

  /** Records after the header row; undefined when the bytes were not UTF-8. */
  records(): number | undefined {
    if (this.carry.length > 0) this.utf8 = false;
    if (!this.utf8) return undefined;
    return Math.max(0, this.rows + (this.lineHasContent ? 1 : 0) - 1);
  }

  private checkUtf8(chunk: Buffer): void {
    if (!this.utf8) return;
    const bytes = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const whole = completeUtf8Length(bytes);
    this.carry = Buffer.from(bytes.subarray(whole));
    if (!isUtf8(bytes.subarray(0, whole))) this.utf8 = false;
  }
}

/** The length of `bytes` without a UTF-8 sequence cut off at its end. */
function completeUtf8Length(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back] as number;
    if ((byte & 0xc0) === 0x80) continue;
    const needs = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needs > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}

/**
 * Inspecting zip parts made by other writers (tests/fixtures/zips/make.sh: Python's zipfile,
 * streamed with data descriptors and with zip64 forced, Info-ZIP zip, seekable and piped, 7-Zip),
 * fed in chunks of every size from one byte to the whole part. Records are checked against
 * csv-parse reading the same CSVs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { CsvRecordCounter } from '../shared/inspect/csvRecords';
import { type PartInspection, PartInspector } from '../shared/inspect/partInspector';

const FIXTURES = join(__dirname, 'fixtures/zips');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

async function inspect(bytes: Buffer, chunkSize = 4096, name = 'Data_001.zip'): Promise<PartInspection> {
  // A 64 MiB cap on an entry, so that an 80 MiB bomb (80 KB of zip) stands for a terabyte one.
  const inspector = new PartInspector(name, bytes.length, 64 * 1024 * 1024);
  for (let at = 0; at < bytes.length; at += chunkSize) await inspector.write(bytes.subarray(at, at + chunkSize));
  return inspector.end();
}

/** What csv-parse counts in each source CSV: records after the header. */
function expectedModules(): Record<string, number> {
  const entries = readdirSync(join(FIXTURES, 'src/Data')).map((file) => {
    const rows = parse(readFileSync(join(FIXTURES, 'src/Data', file)), { bom: true, skip_empty_lines: true, relax_column_count: true });
    return [file.replace(/_\d+\.csv$/, ''), rows.length - 1] as const;
  });
  return Object.fromEntries(entries);
}

describe('a Data part from another writer', () => {
  const modules = expectedModules();
  it('has records for every module, the header-only one at 0', () => {
    expect(modules).toEqual({ Contacts: 810, Deals: 0, Leads: 1200, Notes: 3000 });
  });

  it.each(['python-stream.zip', 'python-zip64-stream.zip', 'infozip.zip', 'infozip-stream.zip', '7zip.zip'])(
    '%s: every entry inflated and CRC-checked, records as csv-parse counts them, in any chunking',
    async (file) => {
      const bytes = fixture(file);
      for (const chunkSize of [1, 3, 61, 4096, bytes.length]) {
        const inspection = await inspect(bytes, chunkSize);
        expect(inspection.modules).toEqual(modules);
        expect(inspection.attachments).toEqual({ files: 0, bytes: 0 });
      }
    },
  );
});

it('counts the files and bytes of an Attachments part, not its folders', async () => {
  const inspection = await inspect(fixture('python-attachments.zip'), 4096, 'Attachments_001.zip');
  expect(inspection).toEqual({ entries: 3, modules: {}, attachments: { files: 2, bytes: 20_000 + 5_004 } });
});

describe('a damaged part is refused, naming the part and the entry', () => {
  const part = fixture('python-zip64-stream.zip');
  const flipped = (bytes: Buffer, at: number) => {
    const copy = Buffer.from(bytes);
    copy[at] = (copy[at] as number) ^ 0xff;
    return copy;
  };
  const notesData = part.indexOf('Data/Notes_001.csv') + 200;

  it.each<[string, Buffer, RegExp]>([
    [
      'a flipped byte inside an entry',
      flipped(part, notesData),
      /Data_001\.zip: Data\/Notes_001\.csv (fails its CRC-32 check|does not inflate)/,
    ],
    ['a part cut in half', part.subarray(0, part.length >> 1), /the part ends early, inside Data\/Notes_001\.csv/],
    ['a part without its central directory end', part.subarray(0, part.length - 10), /ends early, before its central directory ended/],
    ['bytes after the end', Buffer.concat([part, Buffer.from('junk')]), /4 bytes follow the end of the zip/],
    ['not a zip at all', fixture('not-a-zip.zip'), /no zip record at byte 0 \(not a zip, or damaged\)/],
    ["a method no Zoho part uses (7-Zip's Deflate64)", fixture('7zip-deflate64.zip'), /Data\/Contacts_001\.csv uses compression method 9/],
    ['a CSV that is not UTF-8', fixture('latin1-csv.zip'), /Data\/Accounts_001\.csv is not UTF-8 text/],
    ['an entry named outside its folder', fixture('traversal.zip'), /\.\.\/outside\/Leads_001\.csv is not a name a Zoho backup holds/],
    ['an entry that inflates past the cap (80 MiB from 80 KB)', fixture('bomb.zip'), /Data\/Leads_001\.csv inflates past 67108864 bytes/],
  ])('%s', async (_case, bytes, message) => {
    await expect(inspect(bytes)).rejects.toMatchObject({ code: 'ARCHIVE_PART_DAMAGED', message: expect.stringMatching(message) });
  });

  it('a central directory that lists an entry other than the one read', async () => {
    const at = part.lastIndexOf('Data/Leads_001.csv');
    const renamed = Buffer.from(part);
    renamed.write('Data/Leeds_001.csv', at);
    await expect(inspect(renamed)).rejects.toMatchObject({
      message: expect.stringMatching(/central directory does not list Data\/Leads_001\.csv/),
    });
  });
});

describe('CsvRecordCounter', () => {
  const count = (text: string | Buffer, chunk = 1) => {
    const counter = new CsvRecordCounter();
    const bytes = Buffer.from(text);
    for (let at = 0; at < bytes.length; at += chunk) counter.write(bytes.subarray(at, at + chunk));
    return counter.records();
  };
  it.each<[string, string, number]>([
    ['header only', 'Id,Name\r\n', 0],
    ['header only, no final line break', 'Id,Name', 0],
    ['empty', '', 0],
    ['quoted line breaks and doubled quotes', 'Id,Note\r\n1,"a\r\nb ""c"""\r\n2,"\n"\n', 2],
    ['LF endings and no final break', 'Id\n1\n2', 2],
    ['blank lines are not records', 'Id\r\n\r\n1\r\n\n', 1],
    ['a BOM', '\uFEFFId\r\n1\r\n', 1],
  ])('%s', (_case, text, records) => {
    for (const chunk of [1, 2, 5, 1000]) expect(count(text, chunk)).toBe(records);
  });
  it('counts as csv-parse does on 300 random CSVs, every field quoted or none, at any chunk size and memory offset', () => {
    let seed = 26;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const pieces = ['a', 'Zoë', ',', '""', '\r\n', '\n', ' ', 'x'.repeat(9), '😀'];
    const field = (quoted: boolean) => {
      const text = Array.from({ length: random(6) }, () => pieces[random(pieces.length)]).join('');
      const safe = quoted ? text : text.replace(/[",\r\n]/g, '');
      return quoted ? `"${safe.replace(/""/g, '"').replace(/"/g, '""')}"` : safe;
    };
    for (let n = 0; n < 300; n++) {
      const quoted = random(2) === 0;
      const eol = random(2) === 0 ? '\r\n' : '\n';
      const lines = Array.from({ length: 1 + random(40) }, () => Array.from({ length: 1 + random(5) }, () => field(quoted)).join(','));
      const text = `${lines.join(eol)}${random(2) ? eol : ''}`;
      const expected = Math.max(0, parse(text, { skip_empty_lines: true, relax_column_count: true }).length - 1);
      // A copy at an odd offset in a larger buffer, so that words fall on every alignment.
      const offset = random(4);
      const bytes = Buffer.alloc(Buffer.byteLength(text) + offset).fill(0x22);
      bytes.write(text, offset);
      const counter = new CsvRecordCounter();
      const chunk = 1 + random(64);
      const body = bytes.subarray(offset);
      for (let at = 0; at < body.length; at += chunk) counter.write(body.subarray(at, at + chunk));
      expect({ n, records: counter.records() }).toEqual({ n, records: expected });
    }
  });

  it('accepts UTF-8 cut at any byte and refuses what is not UTF-8', () => {
    expect(count('Id,Nom\r\n1,Zoë 😀\r\n', 1)).toBe(1);
    expect(count(Buffer.from([0x49, 0x64, 0x0a, 0x31, 0xe9, 0x0a]))).toBeUndefined();
    expect(count(Buffer.from([0x49, 0x64, 0x0a, 0xf0, 0x9f]))).toBeUndefined();
  });
});

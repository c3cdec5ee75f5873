/**
 * Realistic backup parts (design §9), written by yazl, a well-kept zip writer: `Data/<Module>_NNN.csv`
 * with a BOM, CRLF, quoted line breaks and doubled quotes, a header-only module, a module
 * that continues in the next part; the second Data part with zip64 records and data
 * descriptors; Attachments parts holding files under `Attachments/`.
 */
import { Readable } from 'node:stream';
import { ZipFile } from 'yazl';

/** Records per module of a sandbox backup, unless the story says otherwise. */
export const SANDBOX_MODULES: Readonly<Record<string, number>> = { Leads: 1_200, Contacts: 810, Deals: 0, Notes: 300 };
const SANDBOX_ATTACHMENTS_PER_PART = 2;

const HEADERS: Record<string, string> = {
  Leads: 'Record Id,Last Name,Company,Description',
  Contacts: 'Record Id,Last Name,Email,Mailing Street',
  Notes: 'Record Id,Note Title,Note Content',
};

function csvRows(module: string, from: number, count: number): string {
  const rows: string[] = [];
  for (let n = from; n < from + count; n++) {
    const id = `48768760000${String(n).padStart(8, '0')}`;
    // Every third record holds a quoted line break, every fifth a doubled quote: a line count would be wrong.
    const note = n % 3 === 0 ? '"first line\r\nsecond line"' : n % 5 === 0 ? '"says ""hello"""' : 'plain';
    rows.push(`${id},${module} ${n},"Zylker, Inc",${note}`);
  }
  return rows.map((row) => `${row}\r\n`).join('');
}

const csvFile = (module: string, from: number, count: number) =>
  Buffer.from(`\uFEFF${HEADERS[module] ?? 'Record Id,Name,Value,Description'}\r\n${csvRows(module, from, count)}`);

/** Which part of `parts` holds which slice of each module: a module split across two parts when it can be. */
function slices(
  modules: Record<string, number>,
  parts: number,
): Array<Array<{ module: string; from: number; count: number; nth: number }>> {
  const byPart = Array.from({ length: parts }, () => [] as Array<{ module: string; from: number; count: number; nth: number }>);
  Object.entries(modules).forEach(([module, records], index) => {
    const first = index % parts;
    const split = parts > 1 && records >= 100;
    const head = split ? Math.ceil(records / 2) : records;
    byPart[first]?.push({ module, from: 1, count: head, nth: 1 });
    if (split) byPart[(first + 1) % parts]?.push({ module, from: head + 1, count: records - head, nth: 2 });
  });
  return byPart;
}

async function written(zip: ZipFile): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('end', resolve);
    zip.outputStream.on('error', reject);
  });
  zip.end();
  await done;
  return Buffer.concat(chunks);
}

/** Part `fileName` (Data_001.zip, Attachments_002.zip, ...) of a backup of `modules`, `dataParts` Data parts. */
export function backupPart(fileName: string, options: { modules: Record<string, number>; dataParts: number; at: Date }): Promise<Buffer> {
  const zip = new ZipFile();
  const mtime = options.at;
  const index = Number(/_(\d+)\.zip$/.exec(fileName)?.[1] ?? '1');
  if (fileName.startsWith('Attachments')) {
    for (let n = 1; n <= SANDBOX_ATTACHMENTS_PER_PART; n++) {
      const body = Buffer.from(`attachment ${index}.${n} `.repeat(40 * n));
      zip.addBuffer(body, `Attachments/48768760000${index}0000${n}_file-${n}.txt`, { mtime, compress: true });
    }
    return written(zip);
  }
  const part = slices(options.modules, options.dataParts)[index - 1] ?? [];
  for (const { module, from, count, nth } of part) {
    const name = `Data/${module}_${String(nth).padStart(3, '0')}.csv`;
    const bytes = csvFile(module, from, count);
    // The second part streams its entries: sizes after the data, in zip64 records (parts up to 1 GB do).
    if (index === 2) zip.addReadStream(Readable.from([bytes]), name, { mtime, compress: true, forceZip64Format: true });
    else zip.addBuffer(bytes, name, { mtime, compress: true });
  }
  return written(zip);
}

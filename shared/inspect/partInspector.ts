/**
 * What is inside one zip part of a Zoho backup (design §9), read in the same pass as the copy:
 * records per module from `Data/<Module>_NNN.csv`, the files and bytes under `Attachments/`,
 * and the part's entries, each inflated and checked by the ZipWalker.
 */
import { CsvRecordCounter } from './csvRecords';
import { PartDamagedError } from './partDamaged';
import { type EntryHeader, ZipWalker } from './zipWalker';

export interface PartInspection {
  entries: number;
  /** Records per module in this part (a module may continue in the next part). */
  modules: Record<string, number>;
  attachments: { files: number; bytes: number };
}

/** An entry may inflate to at most this many times the part's size, and never past the cap. */
const MAX_INFLATE_RATIO = 200;
/** A small part may still hold one big, repetitive CSV: no entry is capped below 1 GiB. */
const MIN_ENTRY_CAP = 2 ** 30;

const MODULE_FILE = /^Data\/(.+)_\d+\.csv$/;
const MAX_MODULE_NAME = 100;

/** A name that would land outside a folder it was extracted to. */
const isUnsafeName = (name: string) =>
  name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.includes('\\') || name.split('/').includes('..');

export class PartInspector {
  private readonly walker: ZipWalker;
  private readonly modules = new Map<string, number>();
  private readonly attachments = { files: 0, bytes: 0 };

  /** `expectedBytes`: the part's size when known (Content-Length), which bounds what an entry may inflate to. */
  constructor(
    private readonly fileName: string,
    expectedBytes: number | undefined,
    /** The most an entry may inflate to; by default 200 times the part, and at least 1 GiB. */
    maxEntryBytes = Math.max(MIN_ENTRY_CAP, (expectedBytes ?? 5 * 2 ** 30) * MAX_INFLATE_RATIO),
  ) {
    const cap = maxEntryBytes;
    this.walker = new ZipWalker(fileName, { entry: (header) => this.entry(header) }, cap);
  }

  write(chunk: Buffer): Promise<void> {
    return this.walker.write(chunk);
  }

  async end(): Promise<PartInspection> {
    const entries = await this.walker.end();
    const modules = Object.fromEntries([...this.modules].sort(([a], [b]) => a.localeCompare(b)));
    return { entries: entries.length, modules, attachments: { ...this.attachments } };
  }

  private entry(header: EntryHeader): { data(chunk: Buffer): void; end(): void } {
    const name = header.name;
    if (isUnsafeName(name))
      throw new PartDamagedError(this.fileName, `${name} is not a name a Zoho backup holds (a path outside the folder)`, name);
    // A module's name is its file's: clipped, since it goes into messages, the state and the manifest.
    const module = MODULE_FILE.exec(name)?.[1]?.slice(0, MAX_MODULE_NAME);
    if (module) {
      const counter = new CsvRecordCounter();
      return {
        data: (chunk) => counter.write(chunk),
        end: () => {
          const records = counter.records();
          if (records === undefined) throw new PartDamagedError(this.fileName, `${name} is not UTF-8 text`, name);
          this.modules.set(module, (this.modules.get(module) ?? 0) + records);
        },
      };
    }
    const isFile = name.startsWith('Attachments/') && !name.endsWith('/');
    let bytes = 0;
    return {
      data: (chunk) => {
        bytes += chunk.length;
      },
      end: () => {
        if (!isFile) return;
        this.attachments.files += 1;
        this.attachments.bytes += bytes;
      },
    };
  }
}

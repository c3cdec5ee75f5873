/**
 * zoho-backup-notifier inspect <zip>...: the archive's own inspection on files a user has, read
 * from disk in one pass each; with --against, the data-loss rule against an earlier backup.
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { ConfigError } from '../shared/config';
import { loadRecordDropSettings } from '../shared/config/partial';
import { type BackupContents, contentsOf, type RecordDrop, recordDrops } from '../shared/inspect/backupContents';
import { PartDamagedError } from '../shared/inspect/partDamaged';
import { type PartInspection, PartInspector } from '../shared/inspect/partInspector';
import { attachmentsLine, contentsLine, formatCount } from '../shared/notify/contentsNotices';
import type { Io } from './commands';
import { EXIT } from './usage';

interface PartResult {
  file: string;
  bytes: number;
  entries: number;
  ok: boolean;
  problem?: string;
}

export async function inspectCommand(io: Io, files: string[], against?: string): Promise<number> {
  const baseline = against === undefined ? undefined : readBaseline(against);
  const thresholds = loadRecordDropSettings(io.settings);
  const parts: PartResult[] = [];
  const inspections: PartInspection[] = [];
  for (const file of files) {
    const { result, inspection } = await inspectFile(file);
    parts.push(result);
    if (inspection) inspections.push(inspection);
  }
  const contents = contentsOf(inspections);
  const drops = baseline ? recordDrops(baseline, contents, thresholds) : undefined;
  const ok = parts.every((p) => p.ok) && (drops ?? []).length === 0;
  const report = { ok, parts, ...contents, ...(drops ? { drops } : {}) };
  io.out(io.json ? JSON.stringify(report, null, 2) : describe(parts, contents, drops));
  return ok ? EXIT.ok : EXIT.failed;
}

async function inspectFile(file: string): Promise<{ result: PartResult; inspection?: PartInspection }> {
  const name = basename(file);
  let bytes = 0;
  try {
    // The file's size bounds what an entry may inflate to, as Content-Length does for a download.
    const inspector = new PartInspector(name, statSync(file).size);
    const stream = createReadStream(file, { highWaterMark: 1024 * 1024 });
    for await (const chunk of stream) {
      bytes += (chunk as Buffer).length;
      await inspector.write(chunk as Buffer);
    }
    const inspection = await inspector.end();
    return { result: { file, bytes, entries: inspection.entries, ok: true }, inspection };
  } catch (error) {
    if (error instanceof PartDamagedError) return { result: { file, bytes, entries: 0, ok: false, problem: error.message } };
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR')
      return { result: { file, bytes, entries: 0, ok: false, problem: `${name}: cannot be read (${code})` } };
    throw error;
  }
}

/** A manifest.json or an earlier inspect --json: both carry `modules: [{ module, records }]`. */
function readBaseline(path: string): BackupContents {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError([`--against ${path} is not a readable JSON file (${(error as Error).message.slice(0, 120)})`]);
  }
  const modules = (parsed as { modules?: unknown })?.modules;
  const valid =
    Array.isArray(modules) && modules.every((m) => typeof m?.module === 'string' && Number.isSafeInteger(m?.records) && m.records >= 0);
  if (!valid)
    throw new ConfigError([
      `--against ${path} has no "modules": [{ "module", "records" }] list (a manifest.json or inspect --json output)`,
    ]);
  return { modules, attachments: { files: 0, bytes: 0 } };
}

function describe(parts: PartResult[], contents: BackupContents, drops: RecordDrop[] | undefined): string {
  const lines = parts.map((p) =>
    p.ok ? `${p.file}: sound, ${formatCount(p.entries)} entries, ${formatCount(p.bytes)} bytes` : `${p.file}: DAMAGED: ${p.problem}`,
  );
  lines.push(`Records: ${contentsLine(contents.modules)}`);
  if (contents.attachments.files) lines.push(`Attachments: ${attachmentsLine(contents.attachments, (n) => `${formatCount(n)} bytes`)}`);
  if (drops?.length) for (const d of drops) lines.push(`DROP: ${d.module} ${formatCount(d.before)} -> ${formatCount(d.after)}`);
  else if (drops) lines.push('No module lost records against the earlier backup.');
  return lines.join('\n');
}

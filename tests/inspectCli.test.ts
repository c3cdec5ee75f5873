/** zoho-backup-notifier inspect, as users run it: the built CLI as a child process, on zips made by other writers. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from './support/cli';
import { tempFolders } from './support/tempFolders';

const tempFolder = tempFolders();
const FIXTURES = join(__dirname, 'fixtures/zips');
const zip = (name: string) => join(FIXTURES, name);

it('prints each part and the records per module; exit 0 when all are sound', async () => {
  const run = await cli(['inspect', zip('python-zip64-stream.zip'), zip('python-attachments.zip')], {}, tempFolder('inspect-'));
  expect(run).toMatchObject({ code: 0, stderr: '' });
  expect(run.stdout).toContain('python-zip64-stream.zip: sound, 4 entries, 25,761 bytes');
  expect(run.stdout).toContain('Records: 4 modules, 5,010 records: Notes 3,000, Leads 1,200, Contacts 810, Deals 0');
  expect(run.stdout).toContain('Attachments: 2 files, 25,004 bytes');
});

it('--json gives the documented shape; a damaged part makes ok false, names the entry, and exits 1', async () => {
  const run = await cli(['inspect', zip('infozip-stream.zip'), zip('latin1-csv.zip'), '--json'], {}, tempFolder('inspect-'));
  expect(run.code).toBe(1);
  expect(JSON.parse(run.stdout)).toEqual({
    ok: false,
    parts: [
      { file: zip('infozip-stream.zip'), bytes: 25_735, entries: 5, ok: true },
      {
        file: zip('latin1-csv.zip'),
        bytes: 169,
        entries: 0,
        ok: false,
        problem: 'latin1-csv.zip: Data/Accounts_001.csv is not UTF-8 text',
      },
    ],
    modules: [
      { module: 'Contacts', records: 810 },
      { module: 'Deals', records: 0 },
      { module: 'Leads', records: 1200 },
      { module: 'Notes', records: 3000 },
    ],
    attachments: { files: 0, bytes: 0 },
  });
});

it('--against a manifest applies the data-loss rule (and ALERT_RECORD_DROP_MIN from the settings)', async () => {
  const cwd = tempFolder('inspect-');
  const manifest = join(cwd, 'manifest.json');
  writeFileSync(
    manifest,
    JSON.stringify({
      modules: [
        { module: 'Leads', records: 1400 },
        { module: 'Contacts', records: 800 },
      ],
    }),
  );
  const dropped = await cli(['inspect', zip('python-stream.zip'), '--against', manifest, '--json'], {}, cwd);
  expect(dropped.code).toBe(1);
  expect(JSON.parse(dropped.stdout)).toMatchObject({ ok: false, drops: [{ module: 'Leads', before: 1400, after: 1200 }] });
  const tolerant = await cli(['inspect', zip('python-stream.zip'), '--against', manifest], { ALERT_RECORD_DROP_MIN: '201' }, cwd);
  expect(tolerant).toMatchObject({ code: 0 });
  expect(tolerant.stdout).toContain('No module lost records against the earlier backup.');
});

it.each<[string, string[], RegExp]>([
  ['no file', ['inspect'], /'inspect' needs more/],
  [
    'a baseline that is not a manifest',
    ['inspect', zip('python-stream.zip'), '--against', zip('python-stream.zip')],
    /--against .* is not a readable JSON file/,
  ],
])('usage errors exit 2: %s', async (_case, args, message) => {
  const run = await cli(args, {}, tempFolder('inspect-'));
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(message);
});

it('a file that is not there is a damaged part, named, not a crash', async () => {
  const run = await cli(['inspect', zip('missing.zip'), '--json'], {}, tempFolder('inspect-'));
  expect(run.code).toBe(1);
  expect(JSON.parse(run.stdout).parts[0]).toEqual({
    file: zip('missing.zip'),
    bytes: 0,
    entries: 0,
    ok: false,
    problem: 'missing.zip: cannot be read (ENOENT)',
  });
});

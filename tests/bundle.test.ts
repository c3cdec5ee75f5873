/**
 * The bundle's lazy built-ins (infra/bundleOptions.mjs): a module bundled with the app's own
 * plugin, in a fresh Node process, leaves http2 and assert unloaded until first used, and
 * they then behave as the real modules (a property, a call, a thrown AssertionError).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(__dirname, '..');

// process.moduleLoadList is Node's own record of the built-in modules loaded so far.
const PROBE = `
import http2 from 'node:http2';
import assert from 'assert';
const loaded = () => ({ http2: process.moduleLoadList.includes('NativeModule http2'), assert: process.moduleLoadList.includes('NativeModule assert') });
const before = loaded();
const path = http2.constants.HTTP2_HEADER_PATH;
assert.equal(1, 1);
let thrown;
try { assert(false, 'expected'); } catch (error) { thrown = { code: error.code, real: error instanceof assert.AssertionError }; }
console.log(JSON.stringify({ before, path, thrown, after: loaded() }));
`;

const BUILD = `
import { bundleModule } from ${JSON.stringify(join(root, 'infra/bundleOptions.mjs'))};
await bundleModule(process.argv[1], process.argv[2], { sourcemap: false });
`;

it('loads http2 and assert on first use, and they then act as the real modules', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'bundle-')), 'probe.mjs');
  await run(process.execPath, ['--input-type=module', '-e', BUILD, PROBE, out], { cwd: root });
  const { stdout } = await run(process.execPath, [out]);
  expect(JSON.parse(stdout)).toEqual({
    before: { http2: false, assert: false },
    path: ':path',
    thrown: { code: 'ERR_ASSERTION', real: true },
    after: { http2: true, assert: true },
  });
});

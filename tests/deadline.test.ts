/**
 * Deadlines that hold while the garbage collector runs, on the Node that runs the suite
 * (`npm test` runs it on every Node line that package.json's engines admit). The probe runs in
 * a process of its own, with the collector forced, against the build's shared/ core.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

it("ends a trickling call at the call's own deadline, not the check's, while the collector runs", async () => {
  const probe = join(__dirname, 'support/gcDeadlineProbe.cjs');
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', probe, join(__dirname, '../dist/shared')]);
  expect(JSON.parse(stdout)).toEqual({ node: process.version, ended: 'call deadline' });
});

// One contender in bench/lockRace.ts: takes the lock (the product's FileLock or proper-lockfile),
// holds it 400 ms, and writes when it started and ended holding it. The "slow" contender's
// removal of the stale lock is delayed 150 ms: a process descheduled at the worst moment.
const fs = require('node:fs');
const path = require('node:path');
const [, , which, role, dir, fileLockModule] = process.argv;
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const note = (line) => fs.appendFileSync(path.join(dir, 'holders'), `${line}\n`);

async function lockWithFileLock() {
  if (role === 'slow') {
    const rm = fs.promises.rm;
    fs.promises.rm = (...args) => pause(150).then(() => rm(...args));
  }
  const { FileLock } = require(fileLockModule);
  return new FileLock(path.join(dir, 'state.json.lock'), { timeoutMs: 5_000, staleMs: 10_000 }).acquire();
}

async function lockWithProperLockfile() {
  const gracefulFs = require('graceful-fs');
  const slowFs = { ...gracefulFs, rmdir: (p, cb) => setTimeout(() => gracefulFs.rmdir(p, cb), 150) };
  const lockfile = require('proper-lockfile');
  return lockfile.lock(path.join(dir, 'state.json'), {
    stale: 10_000,
    realpath: false,
    retries: 0,
    fs: role === 'slow' ? slowFs : gracefulFs,
  });
}

(async () => {
  try {
    const release = await (which === 'FileLock' ? lockWithFileLock() : lockWithProperLockfile());
    note(`start ${role}`);
    await pause(400);
    note(`end ${role}`);
    await release();
  } catch (error) {
    note(`refused ${role} ${error.code ?? ''}`);
  }
})();

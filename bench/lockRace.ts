/**
 * Why the file state store keeps its own lock (part of npm run bench): two processes meet a
 * lock left by a crashed run; one is descheduled just before it removes the stale lock, the
 * other breaks it and takes the lock. proper-lockfile 4.1.2 removes the fresh lock on the
 * slow one's return, so both hold it (its open issue moxystudio/node-proper-lockfile#121);
 * FileLock breaks a stale lock only under a second "breaker" lock, after reading it again.
 * Prints, per lock, the rounds in which the two held it at once. Goal: FileLock 0.
 *   BENCH_LOCK_ROUNDS=20
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');
const child = join(root, 'bench/lockRaceChild.cjs');
const fileLockModule = join(root, 'dist/shared/state/fileLock.js');
const rounds = Number(process.env.BENCH_LOCK_ROUNDS ?? 20);
type Lock = 'FileLock' | 'proper-lockfile';

function contend(lock: Lock, role: 'slow' | 'fast', dir: string): Promise<void> {
  return new Promise((done) =>
    spawn(process.execPath, [child, lock, role, dir, fileLockModule], { cwd: root, stdio: 'inherit' }).on('exit', () => done()),
  );
}

/** A lock a crashed run left a minute ago, in the form each library leaves it. */
function staleLock(lock: Lock, dir: string): void {
  const path = join(dir, 'state.json.lock');
  if (lock === 'FileLock') writeFileSync(path, 'crashed');
  else mkdirSync(path);
  const minuteAgo = new Date(Date.now() - 60_000);
  utimesSync(path, minuteAgo, minuteAgo);
}

function heldAtOnce(dir: string): boolean {
  let holding = 0;
  for (const line of readFileSync(join(dir, 'holders'), 'utf8').trim().split('\n')) {
    if (line.startsWith('start')) holding += 1;
    if (line.startsWith('end')) holding -= 1;
    if (holding > 1) return true;
  }
  return false;
}

async function race(lock: Lock): Promise<number> {
  let overlaps = 0;
  for (let round = 0; round < rounds; round++) {
    const dir = mkdtempSync(join(tmpdir(), 'zbn-lock-race-'));
    try {
      staleLock(lock, dir);
      const slow = contend(lock, 'slow', dir);
      await new Promise((r) => setTimeout(r, 60));
      await Promise.all([slow, contend(lock, 'fast', dir)]);
      if (heldAtOnce(dir)) overlaps += 1;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return overlaps;
}

async function main(): Promise<void> {
  console.log(`A stale lock, two contenders, one descheduled before it removes it; ${rounds} rounds each`);
  for (const lock of ['proper-lockfile', 'FileLock'] as const) {
    const overlaps = await race(lock);
    console.log(`  ${lock.padEnd(16)} both held the lock in ${overlaps} of ${rounds} rounds (${(overlaps / rounds).toFixed(2)})`);
  }
  console.log('  goal: FileLock 0');
}

void main();

/**
 * npm run bench: figures, not assertions.
 *  1. Zoho API calls and token refreshes per quiet check, over 100 checks each run as a
 *     separate CLI process against the sandbox (targets: 1 call a check, at most 1 refresh).
 *  2. A quiet check's memory as the history grows (goal: flat).
 * Cold start is bench/coldStart.ts, the archive's cost bench/archive.ts; npm run bench runs all.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { WebhookReceiver } from '../sandbox/webhookReceiver';
import { ZohoSandbox } from '../sandbox/zohoSandbox';
import { median } from './stats';

const run = promisify(execFile);
const root = resolve(__dirname, '../..');
const QUIET_CHECKS = Number(process.env.BENCH_CHECKS ?? 100);

async function quietChecks(): Promise<void> {
  const zoho = await ZohoSandbox.start();
  const chat = await WebhookReceiver.start();
  const cwd = mkdtempSync(join(tmpdir(), 'bench-'));
  const env = { PATH: process.env.PATH ?? '', ...zoho.settings, SLACK_WEBHOOK_URL: chat.slackUrl, TEAMS_WEBHOOK_URL: chat.teamsUrl };
  const cli = join(root, 'dist/cli/main.js');
  try {
    zoho.completeBackup({ at: new Date(Date.now() - 3_600_000) });
    await run(process.execPath, [cli, 'check'], { cwd, env }); // announces, mints the one token
    const requestsBefore = zoho.requests.length;
    const tokensBefore = zoho.tokensMinted;
    const wall: number[] = [];
    for (let i = 0; i < QUIET_CHECKS; i += 1) {
      const started = process.hrtime.bigint();
      await run(process.execPath, [cli, 'check'], { cwd, env });
      wall.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    const apiCalls = zoho.requests.slice(requestsBefore).filter((r) => r.endpoint !== 'token').length;
    console.log(`quiet checks (separate CLI processes): ${QUIET_CHECKS}`);
    console.log(`  Zoho API calls per quiet check: ${(apiCalls / QUIET_CHECKS).toFixed(2)} (target 1)`);
    console.log(`  token refreshes in all ${QUIET_CHECKS} checks: ${zoho.tokensMinted - tokensBefore} (target <= 1)`);
    console.log(`  messages sent: ${chat.messages.length} (2 from the first, announcing check; 0 from the quiet ones)`);
    console.log(`  wall time per check process: median ${median(wall).toFixed(0)} ms`);
  } finally {
    await Promise.all([zoho.close(), chat.close()]);
  }
}

/** Printed by a preload in each measured CLI process: its peak RSS and peak V8 heap. */
const MEMORY_PRELOAD = `
  let heapMb = 0;
  setInterval(() => { heapMb = Math.max(heapMb, process.memoryUsage().heapUsed / 1048576); }, 1).unref();
  process.on('exit', () => process.stderr.write('MEMORY ' + JSON.stringify({ maxRssMb: process.resourceUsage().maxRSS / 1024, heapMb }) + '\\n'));`;

/** A quiet check's memory as the history grows: a year of daily backups is ~365 rows, a few hundred KB. */
async function historyMemory(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-history-'));
  const preload = join(work, 'memory.js');
  writeFileSync(preload, MEMORY_PRELOAD);
  const cli = join(root, 'dist/cli/main.js');
  console.log('memory of one quiet check (a CLI process) by history size:');
  const figures: number[] = [];
  for (const rows of [10, 366, 3660]) {
    const zoho = await ZohoSandbox.start();
    const chat = await WebhookReceiver.start();
    try {
      // Each backup is two rows (initiated, completed), an hour apart, the newest last.
      for (let i = rows / 2; i >= 1; i -= 1) zoho.completeBackup({ at: new Date(Date.now() - i * 3_600_000) });
      const cwd = mkdtempSync(join(work, 'run-'));
      const env = { PATH: process.env.PATH ?? '', ...zoho.settings, SLACK_WEBHOOK_URL: chat.slackUrl };
      await run(process.execPath, [cli, 'check'], { cwd, env }); // announces
      const { stderr } = await run(process.execPath, ['-r', preload, cli, 'check'], { cwd, env });
      const line = stderr.split('\n').find((l) => l.startsWith('MEMORY ')) ?? 'MEMORY {}';
      const memory = JSON.parse(line.slice(7)) as { maxRssMb: number; heapMb: number };
      figures.push(memory.maxRssMb);
      console.log(
        `  ${String(rows).padStart(5)} history rows (${Math.ceil(rows / 200)} page(s) of up to 200): peak RSS ${memory.maxRssMb.toFixed(0)} MB, peak V8 heap ${memory.heapMb.toFixed(1)} MB`,
      );
    } finally {
      await Promise.all([zoho.close(), chat.close()]);
    }
  }
  const [first = 1, , last = 1] = figures;
  console.log(`  peak RSS, 3,660 rows / 10 rows: ${(last / first).toFixed(2)} (goal: flat, about 1.0)`);
  rmSync(work, { recursive: true, force: true });
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${new Date().toISOString()}\n`);
  await quietChecks();
  console.log('');
  await historyMemory();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

/**
 * npm run bench: figures, not assertions.
 *  1. Zoho API calls and token refreshes per quiet check, over 100 checks each run as a
 *     separate CLI process against the sandbox (targets: 1 call a check, at most 1 refresh).
 *  2. Cold-start cost: load time of the function entry files with telemetry configured, as a
 *     ratio to loading @azure/functions alone; and what the first invocation then adds
 *     (building the runtime, which loads the Application Insights SDK).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { WebhookReceiver } from '../sandbox/webhookReceiver';
import { ZohoSandbox } from '../sandbox/zohoSandbox';

const run = promisify(execFile);
const root = resolve(__dirname, '../..');
const QUIET_CHECKS = Number(process.env.BENCH_CHECKS ?? 100);
const LOAD_SAMPLES = Number(process.env.BENCH_LOAD_SAMPLES ?? 15);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

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

/** Milliseconds a fresh node process spends in `code`, measured inside it (median of samples). */
async function timeInFreshProcess(code: string, env: Record<string, string> = {}): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < LOAD_SAMPLES; i += 1) {
    const script = `const t = process.hrtime.bigint(); ${code}; console.log(Number(process.hrtime.bigint() - t) / 1e6);`;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env } });
    samples.push(Number(stdout.trim().split('\n').pop()));
  }
  return median(samples);
}

async function coldStart(): Promise<void> {
  const telemetry = {
    APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=https://127.0.0.1:9/',
  };
  const entries = readdirSync(join(root, 'dist/functions')).filter((f) => f.endsWith('.js'));
  const loadEntries = entries.map((f) => `require('./dist/functions/${f}')`).join(';');
  const firstInvocation = `${loadEntries}; const { createRuntime } = require('./dist/shared/runtime'); const { loadConfig } = require('./dist/shared/config');
    createRuntime(loadConfig({ ZOHO_CLIENT_ID: 'x', ZOHO_CLIENT_SECRET: 'y', ZOHO_REFRESH_TOKEN: 'z', SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/a', STATE_FILE: '/tmp/bench-unused.json', ...process.env }))`;

  const base = await timeInFreshProcess("require('@azure/functions')");
  const entryLoad = await timeInFreshProcess(loadEntries, telemetry);
  const withRuntime = await timeInFreshProcess(firstInvocation, telemetry);
  const withoutTelemetry = await timeInFreshProcess(firstInvocation);
  console.log(`cold start (median of ${LOAD_SAMPLES} fresh processes):`);
  console.log(`  require('@azure/functions') alone: ${base.toFixed(1)} ms`);
  console.log(`  function entry files, telemetry configured: ${entryLoad.toFixed(1)} ms (ratio ${(entryLoad / base).toFixed(2)})`);
  console.log(
    `  entry files + first invocation's runtime, telemetry configured: ${withRuntime.toFixed(1)} ms (ratio ${(withRuntime / base).toFixed(2)})`,
  );
  console.log(
    `  entry files + first invocation's runtime, no telemetry: ${withoutTelemetry.toFixed(1)} ms (ratio ${(withoutTelemetry / base).toFixed(2)})`,
  );
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${new Date().toISOString()}\n`);
  await quietChecks();
  console.log('');
  await coldStart();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

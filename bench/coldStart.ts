/**
 * Cold start of the package as deployed (part of npm run bench): figures, not assertions.
 * Builds the package as azd and func do (tests/support/deployedPackage.ts), then starts fresh
 * processes of the worker stand-in (tests/support/functionsHost.cjs), each of which indexes
 * the app from package.json "main" and runs one quiet timer check against the Zoho sandbox,
 * with state in Azurite's Table storage, as on Azure. Each time is measured inside its
 * process, from the first entry file's load to the end of the invocation, and divided by
 * require('@azure/functions') in a fresh process, measured in the same run.
 * Guard rails: at most 10x without telemetry, at most 15x with a connection string set, and a
 * package of at most 100 files.
 * Beside it, the floor (bench/floorCheck.mjs): a program that makes the same round trips with
 * the same libraries and none of our code, timed in fresh processes of the same run.
 *   BENCH_COLD_SAMPLES=21  BENCH_CPU_PROF=1 (writes a CPU profile of one start, and its top)
 *   BENCH_COLD_AGAINST=<another checkout, with node_modules>: also times the package built from
 *   it, interleaved in the same run. Figures from separate runs on a shared machine differ by
 *   more than most changes do; this compares a change with its base in one run.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { TableClient } from '@azure/data-tables';
import { WebhookReceiver } from '../sandbox/webhookReceiver';
import { ZohoSandbox } from '../sandbox/zohoSandbox';
import { startAzurite } from '../tests/support/azuriteProcess';
import { buildDeployedPackage } from '../tests/support/deployedPackage';
import { median } from './stats';

const run = promisify(execFile);
const root = resolve(__dirname, '../..');
const SAMPLES = Number(process.env.BENCH_COLD_SAMPLES ?? 21);
const host = join(root, 'tests/support/functionsHost.cjs');
const TELEMETRY = 'InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=https://127.0.0.1:9/';

interface Instance {
  indexMs: number;
  results: Array<{ ok: boolean; ms: number; error?: string }>;
}

const indexTimes: number[] = [];

async function instance(dir: string, env: Record<string, string>, nodeArgs: string[] = [], ownIndex = true): Promise<number> {
  const { stdout } = await run(process.execPath, [...nodeArgs, host, dir, JSON.stringify([{ function: 'backupWatch' }])], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', ...env },
    maxBuffer: 16 << 20,
  });
  const report = JSON.parse(stdout) as Instance;
  const [timer] = report.results;
  if (!timer?.ok) throw new Error(`the timer failed: ${timer?.error}`);
  if (ownIndex) indexTimes.push(report.indexMs);
  return report.indexMs + timer.ms;
}

/** Milliseconds `code` takes in a fresh process (an ES module when `esm`, so that it can await). */
async function inFreshProcess(code: string, esm = false, env: Record<string, string> = {}): Promise<number> {
  const script = `const t = process.hrtime.bigint(); ${code}; console.log(Number(process.hrtime.bigint() - t) / 1e6);`;
  const args = [...(esm ? ['--input-type=module'] : []), '-e', script];
  const { stdout } = await run(process.execPath, args, { cwd: root, env: { PATH: process.env.PATH ?? '', ...env } });
  return Number(stdout.trim().split('\n').pop());
}

/** The functions a CPU profile spent most self time in, by file. */
function profileTop(file: string): string[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: Array<{ id: number; callFrame: { url: string; functionName: string } }>;
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame;
    const key = frame?.url ? frame.url.replace(/^.*\/(dist\/app\/|node:)/, '$1') : `(${frame?.functionName || 'native'})`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([where, ms]) => `${ms.toFixed(0).padStart(6)} ms  ${where}`);
}

/** The floor check's table and entities, and the settings that point it at them and at Zoho. */
async function floorCheckSetup(connectionString: string, zoho: ZohoSandbox): Promise<Record<string, string>> {
  const table = TableClient.fromConnectionString(connectionString, 'benchfloor', { allowInsecureConnection: true });
  await table.createTable();
  const [token] = zoho.issuedAccessTokens;
  if (!token) throw new Error('the first instance minted no token');
  await table.upsertEntity({ partitionKey: 'floor', rowKey: 'token', value: token });
  await table.upsertEntity({ partitionKey: 'floor', rowKey: 'watch', json: JSON.stringify({ announced: [] }) });
  return { FLOOR_STORAGE: connectionString, FLOOR_ZOHO_URL: `${zoho.url}/crm/bulk/v8/backup/history` };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-cold-'));
  const pkg = buildDeployedPackage(root);
  const againstRoot = process.env.BENCH_COLD_AGAINST;
  const against = againstRoot ? buildDeployedPackage(resolve(againstRoot)) : undefined;
  const azurite = await startAzurite({ location: join(work, 'azurite') });
  const [zoho, chat] = await Promise.all([ZohoSandbox.start(), WebhookReceiver.start()]);
  try {
    const settings = { ...zoho.settings, SLACK_WEBHOOK_URL: chat.slackUrl, AzureWebJobsStorage: azurite.connectionString };
    zoho.completeBackup({ at: new Date(Date.now() - 3_600_000) });
    await instance(pkg.dir, settings); // announces the backup and caches the token: the checks after it are quiet
    const base: number[] = [];
    const quiet: number[] = [];
    const withTelemetry: number[] = [];
    const againstQuiet: number[] = [];
    const librariesOnly: number[] = [];
    const floor: number[] = [];
    await run(process.execPath, [join(root, 'bench/libraries.mjs'), work], { cwd: root });
    const importing = (file: string) => `await import(${JSON.stringify(pathToFileURL(join(work, file)).href)})`;
    const floorEnv = await floorCheckSetup(azurite.connectionString, zoho);
    for (let i = 0; i < SAMPLES; i += 1) {
      base.push(await inFreshProcess("require('@azure/functions')"));
      librariesOnly.push(await inFreshProcess(importing('libraries.mjs'), true));
      floor.push(await inFreshProcess(importing('floorCheck.mjs'), true, floorEnv));
      // Which runs first rotates: on this machine a process's place in the sequence moved its
      // time by as much as 20%.
      const starts = [
        async () => quiet.push(await instance(pkg.dir, settings)),
        async () => withTelemetry.push(await instance(pkg.dir, { ...settings, APPLICATIONINSIGHTS_CONNECTION_STRING: TELEMETRY })),
        ...(against ? [async () => againstQuiet.push(await instance(against.dir, settings, [], false))] : []),
      ];
      for (let s = 0; s < starts.length; s += 1) await starts[(i + s) % starts.length]!();
    }
    // For scale: Node's own modules that any HTTP and Table storage client loads. One process at
    // a time, as every other figure here: processes started together would slow each other.
    const builtinLoads: number[] = [];
    for (let i = 0; i < 5; i += 1)
      builtinLoads.push(await inFreshProcess("for (const m of ['http', 'https', 'crypto', 'zlib', 'stream', 'url', 'util']) require(m)"));
    const builtins = median(builtinLoads);
    const sdk = pathToFileURL(join(pkg.dir, 'node_modules/applicationinsights/index.js')).href;
    const sdkLoads: number[] = [];
    for (let i = 0; i < 5; i += 1)
      sdkLoads.push(
        await inFreshProcess(`(await import(${JSON.stringify(sdk)})).default.setup(${JSON.stringify(TELEMETRY)}).start()`, true),
      );
    const [b, q, t] = [median(base), median(quiet), median(withTelemetry)];
    // The floor's calls are not the product's.
    const checks = zoho.requests.filter((r) => r.endpoint !== 'token').length - floor.length;
    console.log(
      `cold start of the deployed package (${pkg.files.length} files (guard rail <= 100), ${(pkg.bytes / 1048576).toFixed(1)} MB), median of ${SAMPLES}:`,
    );
    console.log(`  require('@azure/functions') in a fresh process: ${b.toFixed(1)} ms`);
    console.log(`  index the app + one quiet timer check, no telemetry: ${q.toFixed(0)} ms = ${(q / b).toFixed(1)}x (guard rail <= 10x)`);
    console.log(`  the same, telemetry configured: ${t.toFixed(0)} ms = ${(t / b).toFixed(1)}x (guard rail <= 15x)`);
    // Other work on a shared machine only ever adds time: the fastest of each is the steadier
    // figure from run to run, the median the one the goals are read against.
    const [bMin, qMin] = [Math.min(...base), Math.min(...quiet, ...withTelemetry)];
    console.log(
      `  fastest of each, as a steadier figure: ${qMin.toFixed(0)} ms against ${bMin.toFixed(1)} ms = ${(qMin / bMin).toFixed(1)}x`,
    );
    console.log(
      `  of which indexing the app (loading the entry files): ${median(indexTimes).toFixed(0)} ms = ${(median(indexTimes) / b).toFixed(1)}x`,
    );
    console.log(
      `  for scale, Node's http, https, crypto, zlib, stream, url and util alone: ${builtins.toFixed(0)} ms = ${(builtins / b).toFixed(1)}x`,
    );
    const l = median(librariesOnly);
    console.log(
      `  for scale, only loading the libraries a quiet check runs on (@azure/functions, axios, the Tables SDK, @slack/webhook, zod/mini; bench/libraries.mjs): ${l.toFixed(0)} ms = ${(l / b).toFixed(1)}x`,
    );
    const f = median(floor);
    console.log(
      `  the floor: the same three Table requests and Zoho call with the same libraries and no code of ours (bench/floorCheck.mjs): ${f.toFixed(0)} ms = ${(f / b).toFixed(1)}x; the quiet check / the floor: ${(q / f).toFixed(2)}`,
    );
    if (against) {
      // Each round's pair shared the machine's mood of the moment: their ratios vary less.
      const [a, paired] = [median(againstQuiet), median(quiet.map((ms, i) => ms / againstQuiet[i]!))];
      console.log(
        `  the quiet check, package built from ${againstRoot}: ${a.toFixed(0)} ms = ${(a / b).toFixed(1)}x; this tree's / that: ${(q / a).toFixed(2)}, median of each round's ratio ${paired.toFixed(2)}`,
      );
    }
    console.log(`  after the check, off the invocation: the telemetry SDK loads and starts in ${median(sdkLoads).toFixed(0)} ms`);
    const instances = 2 * SAMPLES + 1 + (against ? SAMPLES : 0);
    console.log(`  (Zoho API calls in all ${instances} instances: ${checks}; messages sent: ${chat.messages.length})`);
    if (process.env.BENCH_CPU_PROF) {
      const profDir = join(work, 'prof');
      await instance(pkg.dir, settings, ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
      const [profile] = readdirSync(profDir);
      console.log(`  CPU profile of one quiet start, self time by file (${join(profDir, profile ?? '')}):`);
      for (const line of profileTop(join(profDir, profile ?? ''))) console.log(`    ${line}`);
    }
  } finally {
    await Promise.all([zoho.close(), chat.close()]);
    await azurite.stop();
    rmSync(pkg.dir, { recursive: true, force: true });
    if (against) rmSync(against.dir, { recursive: true, force: true });
    if (!process.env.BENCH_CPU_PROF) rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

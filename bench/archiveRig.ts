/**
 * What the archive benchmarks share: child scripts that report their own CPU and peak RSS,
 * a sink that discards, CPU pinning, and the deployed package running archivePart
 * invocations as the host would.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CompletedBackupStory } from '../sandbox/model';
import { WebhookReceiver } from '../sandbox/webhookReceiver';
import { ZohoSandbox } from '../sandbox/zohoSandbox';
import { containerClient } from '../shared/archive/container';
import type { ArchivePartMessage } from '../shared/archive/plan';
import { parseArchiveMessage } from '../shared/archive/queue';
import { queueClient } from '../shared/azureStorage';
import { loadConfig } from '../shared/config';
import { silentLogger } from '../shared/log';
import { createRuntime } from '../shared/runtime';
import { runCheck } from '../shared/watch';
import { nodeWorkerArguments, renderAppSettings, STAND_IN_REFERENCES } from '../tests/support/armSettings';
import { startAzurite } from '../tests/support/azuriteProcess';
import { buildDeployedPackage } from '../tests/support/deployedPackage';

export const run = promisify(execFile);

/**
 * Every child prints this last: its wall time, and the CPU seconds spent since the copy began
 * (loading modules is a start-up cost, not a cost per GiB), and its peak RSS.
 */
export const REPORT = `
  let cpuAtStart;
  const begin = () => { cpuAtStart = process.cpuUsage(); return process.hrtime.bigint(); };
  const report = (started) => {
    const cpu = process.cpuUsage(cpuAtStart);
    console.log(JSON.stringify({ ms: Number(process.hrtime.bigint() - started) / 1e6, cpuS: (cpu.user + cpu.system) / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
  };`;

/** Discards every request body; answers 201 once it has read it all. */
export async function startDiscardSink(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(201).end());
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/discard`, close: () => new Promise((done) => server.close(() => done())) };
}

/**
 * On two or more cores (Linux), the copies run on a core of their own and the sandbox, the
 * sink and Azurite on another: CPU seconds measured on a core Azurite is also busy on would
 * charge the worker for Azurite's load, and not the minimal pipeline, whose sink is cheap.
 */
export const PIN = availableParallelism() >= 2 && existsSync('/usr/bin/taskset');

export function onCopyCore(command: string, args: string[]): [string, string[]] {
  return PIN ? ['taskset', ['-c', '1', command, ...args]] : [command, args];
}

export async function pinToServiceCore(pid: number | undefined): Promise<void> {
  if (PIN && pid !== undefined) await run('taskset', ['-a', '-p', '-c', '0', String(pid)]);
}

export interface Sample {
  ms: number;
  cpuS: number;
  maxRssMb: number;
  sandboxCpuS: number;
  azuriteCpuS?: number;
}

/** CPU seconds a process has used so far (Linux /proc; undefined elsewhere). */
function cpuSecondsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ ticks
  } catch {
    return undefined;
  }
}

/** Runs one child script; adds the CPU seconds the sandbox (this process) and Azurite spent meanwhile. */
export async function measure(script: string, args: string[], env: NodeJS.ProcessEnv, azuritePid: number | undefined): Promise<Sample> {
  const [sandboxBefore, azuriteBefore] = [process.cpuUsage(), cpuSecondsOf(azuritePid)];
  const { stdout } = await run(...onCopyCore(process.execPath, ['-e', script, ...args]), { env, maxBuffer: 1 << 20 });
  const sandbox = process.cpuUsage(sandboxBefore);
  const azuriteAfter = cpuSecondsOf(azuritePid);
  return {
    ...(JSON.parse(stdout) as Pick<Sample, 'ms' | 'cpuS' | 'maxRssMb'>),
    sandboxCpuS: (sandbox.user + sandbox.system) / 1e6,
    azuriteCpuS: azuriteAfter !== undefined && azuriteBefore !== undefined ? azuriteAfter - azuriteBefore : undefined,
  };
}

export function median(samples: Sample[]): Sample {
  return [...samples].sort((a, b) => a.ms - b.ms)[Math.floor(samples.length / 2)]!;
}

export interface Backup {
  messages: ArchivePartMessage[];
  bytes: number;
}

/**
 * The product as deployed: a fresh instance of the package (the worker stand-in) running one
 * archivePart invocation per part, one at a time; CPU seconds are those of the invocations.
 */
export async function archiveInstance(
  workerArguments: string[],
  pkgDir: string,
  messages: ArchivePartMessage[],
  env: NodeJS.ProcessEnv,
  azuritePid?: number,
): Promise<Sample> {
  const [sandboxBefore, azuriteBefore] = [process.cpuUsage(), cpuSecondsOf(azuritePid)];
  const steps = messages.map((m) => ({ function: 'archivePart', queueMessage: JSON.stringify(m) }));
  const host = join(__dirname, '../../tests/support/functionsHost.cjs');
  const { stdout } = await run(...onCopyCore(process.execPath, [...workerArguments, host, pkgDir, JSON.stringify(steps)]), {
    cwd: pkgDir,
    env,
    maxBuffer: 16 << 20,
  });
  const report = JSON.parse(stdout) as { maxRssMb: number; results: Array<{ ok: boolean; ms: number; cpuS: number; error?: string }> };
  const failed = report.results.find((r) => !r.ok);
  if (failed) throw new Error(`archivePart failed: ${failed.error}`);
  const sandbox = process.cpuUsage(sandboxBefore);
  const azuriteAfter = cpuSecondsOf(azuritePid);
  return {
    ms: report.results.reduce((n, r) => n + r.ms, 0),
    cpuS: report.results.reduce((n, r) => n + r.cpuS, 0),
    maxRssMb: report.maxRssMb,
    sandboxCpuS: (sandbox.user + sandbox.system) / 1e6,
    azuriteCpuS: azuriteAfter !== undefined && azuriteBefore !== undefined ? azuriteAfter - azuriteBefore : undefined,
  };
}

/**
 * Azurite (on disk), the Zoho sandbox, a chat receiver and a discarding sink, the package as
 * deployed, a runtime that announces backups (queueing their parts), and the worker that
 * archives them in a fresh instance of the package.
 */
export async function startArchiveRig(name: string) {
  const rendered = await renderAppSettings(join(__dirname, '../../infra'), {
    parameters: { zohoClientId: '1000.BENCH', archiveEnabled: true },
    references: STAND_IN_REFERENCES,
  });
  const workerArguments = nodeWorkerArguments(rendered);
  const dir = mkdtempSync(join(tmpdir(), name));
  const pkg = buildDeployedPackage(join(__dirname, '../..'));
  const azurite = await startAzurite({ location: join(dir, 'azurite') });
  const [zoho, chat, sink] = await Promise.all([ZohoSandbox.start(), WebhookReceiver.start(), startDiscardSink()]);
  await Promise.all([pinToServiceCore(process.pid), pinToServiceCore(azurite.process.pid)]);
  const settings = {
    ...zoho.settings,
    SLACK_WEBHOOK_URL: chat.slackUrl,
    STATE_FILE: join(dir, 'state.json'),
    AzureWebJobsStorage: azurite.connectionString,
    ARCHIVE_ENABLED: 'true',
    ZOHO_DOWNLOAD_HOSTS: zoho.url,
  };
  const config = loadConfig(settings);
  const runtime = createRuntime(config, { log: silentLogger });
  const storage = { kind: 'connection-string' as const, connectionString: azurite.connectionString };
  const queue = await queueClient(storage, 'zoho-backup-archive');
  const container = containerClient(storage, config.archive.container);
  const env = { PATH: process.env.PATH ?? '', ...settings };
  return {
    zoho,
    config,
    env,
    sink,
    container,
    workerArguments,
    azuritePid: azurite.process.pid,
    packageDir: pkg.dir,
    token: await runtime.archive!.tokens.getAccessToken(),
    /** A new backup in the sandbox, announced by a check, which queues its parts. */
    async announce(story: CompletedBackupStory, partSize: number): Promise<Backup> {
      zoho.completeBackup(story);
      await runCheck({ ...runtime.watch, log: silentLogger });
      const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
      for (const item of receivedMessageItems) await queue.deleteMessage(item.messageId, item.popReceipt);
      const messages = receivedMessageItems.map((i) => parseArchiveMessage(Buffer.from(i.messageText, 'base64').toString('utf8')));
      return { messages, bytes: partSize * messages.length };
    },
    async worker(backup: Backup): Promise<Sample> {
      // A part already in the container is skipped: every run starts from an empty backup folder.
      for (const m of backup.messages)
        await container.getBlobClient(`${m.prefix}/${m.fileName}`).deleteIfExists({ deleteSnapshots: 'include' });
      return archiveInstance(workerArguments, pkg.dir, backup.messages, env, azurite.process.pid);
    },
    async close(): Promise<void> {
      await Promise.all([zoho.close(), chat.close(), sink.close()]);
      await azurite.stop();
      rmSync(dir, { recursive: true, force: true });
      rmSync(pkg.dir, { recursive: true, force: true });
    },
  };
}

#!/usr/bin/env node
/**
 * zoho-backup-notifier: the same core as the functions, from a terminal.
 *   check [--dry-run] [--json]   one check cycle (exit 0 done, 1 a Zoho call or delivery failed, 2 settings/usage)
 *   status [--json]              the stored state
 *   demo                         a short story against a local Zoho sandbox and chat receivers
 * Argument parsing is node:util's parseArgs: three commands and three flags need no library.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../shared/config';
import { describeError } from '../shared/errors';
import { consoleLogger, type Logger } from '../shared/log';
import { formatDateTime, formatRelative } from '../shared/notify/notice';
import { createRuntime } from '../shared/runtime';
import { readStatus, type StatusView } from '../shared/status';
import { type CheckReport, failuresOf, runCheck } from '../shared/watch';
import { cliSettings } from './settings';

const USAGE = `Usage: zoho-backup-notifier <command> [options]

Commands:
  check [--dry-run] [--json]   Run one backup check now (announces a new backup in Slack/Teams)
  status [--json]              Show the last announced backup, deliveries, last check and error
  demo                         Run a short story against a local Zoho sandbox; needs no account

Settings come from the environment, then .env, then local.settings.json (Values), in the
current folder. Exit codes: 0 done, 1 a Zoho call or a delivery failed, 2 invalid settings or usage.`;

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Log lines go to stderr so that --json output stays parseable. */
const stderrLogger: Logger = {
  info: () => {},
  warn: (message) => console.error(`warning: ${message}`),
  error: () => {},
};

function parseCommandLine(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
}

export async function main(
  argv: string[],
  out: (text: string) => void = console.log,
  err: (text: string) => void = console.error,
): Promise<number> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    err(`${(error as Error).message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help || !command) {
    (parsed.values.help ? out : err)(USAGE);
    return parsed.values.help ? EXIT.ok : EXIT.usage;
  }
  if (rest.length > 0 || !['check', 'status', 'demo'].includes(command)) {
    err(`Unknown command or argument: ${[command, ...rest].join(' ')}\n\n${USAGE}`);
    return EXIT.usage;
  }
  // The demo brings the sandbox: loaded only for this command.
  if (command === 'demo') return (require('./demo') as typeof import('./demo')).runDemo(out);
  try {
    const runtime = createRuntime(loadConfig(cliSettings(process.cwd())), { log: stderrLogger });
    if (command === 'status') {
      const status = await readStatus(runtime.store, runtime.org, { zohoApi: await runtime.zohoApi() });
      out(parsed.values.json ? JSON.stringify(status, null, 2) : describeStatus(status, runtime.config.timezone));
      return EXIT.ok;
    }
    const report = await runCheck({ ...runtime.watch, log: runtime.logger(stderrLogger) }, { dryRun: parsed.values['dry-run'] });
    await runtime.telemetry.flush(); // a short-lived process must send before it exits
    out(parsed.values.json ? JSON.stringify(report, null, 2) : describeReport(report, runtime.config.timezone));
    if (!report.ok) err(describeFailure(report));
    return report.ok ? EXIT.ok : EXIT.failed;
  } catch (error) {
    const safe = describeError(error);
    err(`${safe.message}${safe.hint ? `\n${safe.hint}` : ''}`);
    return error instanceof ConfigError ? EXIT.usage : EXIT.failed;
  }
}

export function describeReport(report: CheckReport, timezone: string): string {
  const lines = [`Check: ${report.outcome}`];
  const { backup } = report;
  if (backup) {
    lines.push(
      `Backup: completed ${formatDateTime(new Date(backup.completedAt), timezone)} (history ${backup.historyId}${backup.jobId ? `, job ${backup.jobId}` : ''})`,
    );
    if (backup.expiresAt)
      lines.push(
        `Links expire: ${formatDateTime(new Date(backup.expiresAt), timezone)} (${formatRelative(new Date(backup.expiresAt), new Date())}), ${backup.parts ?? 0} files`,
      );
  }
  for (const d of report.deliveries) lines.push(`  ${d.channel}: ${d.result}${d.error ? ` (${d.error.message})` : ''}`);
  for (const a of report.alerts)
    lines.push(`Alert ${a.kind}: ${a.summary} [${a.deliveries.map((d) => `${d.channel} ${d.result}`).join(', ')}]`);
  const calls = report.zohoCalls;
  lines.push(
    `Zoho API calls: ${calls.history + calls.urls + calls.details} (history ${calls.history}, urls ${calls.urls}); token refreshes: ${calls.tokenRefreshes}`,
  );
  return lines.join('\n');
}

function describeFailure(report: CheckReport): string {
  return failuresOf(report)
    .map((f) => `error ${f.code}: ${f.message}${f.hint ? `\n  what to do: ${f.hint}` : ''}`)
    .join('\n');
}

export function describeStatus(status: StatusView, timezone: string): string {
  const lines = [`Org: ${status.org}`];
  if (!status.backup) lines.push('No backup announced yet.');
  else {
    const b = status.backup;
    lines.push(
      `Last backup: completed ${formatDateTime(new Date(b.completedAt), timezone)} (history ${b.historyId}${b.jobId ? `, job ${b.jobId}` : ''})`,
    );
    lines.push(
      `Links: ${b.expired ? 'expired' : 'expire'} ${formatDateTime(new Date(b.expiresAt), timezone)} (${b.expires})${b.announced ? '' : ', not announced (already expired when first seen)'}`,
    );
    for (const [channel, d] of Object.entries(b.deliveries))
      lines.push(`  ${channel}: ${d?.status} at ${d?.at}${d?.message ? ` (${d.message})` : ''}`);
    for (const url of [...b.links.data, ...b.links.attachments]) lines.push(`  ${url}`);
    if (b.archive) {
      lines.push(
        `Archive: ${b.archive.container}/${b.archive.prefix}/${b.archive.completedAt ? ` (complete ${b.archive.completedAt})` : ''}`,
      );
      for (const [file, part] of Object.entries(b.archive.parts))
        lines.push(
          `  ${file}: ${part.status}${part.size !== undefined ? `, ${part.size} bytes` : ''}${part.error ? ` (${part.error})` : ''}`,
        );
    }
  }
  for (const alert of status.alerts) {
    const channels = Object.entries(alert.deliveries)
      .map(([c, d]) => `${c} ${d?.status}`)
      .join(', ');
    lines.push(`Alert ${alert.kind} (${alert.raisedAt}): ${alert.summary}${channels ? ` [${channels}]` : ''}`);
  }
  const incident = status.health.incident;
  if (incident && !incident.resolvedAt)
    lines.push(`Monitor unhealthy since ${incident.since}: ${incident.code} (${status.health.consecutiveFailures} failed checks)`);
  if (status.schedule)
    lines.push(
      `Schedule: ${status.schedule.status}${status.schedule.scheduledDate ? `, next ${status.schedule.scheduledDate}` : ''} (read ${status.schedule.checkedAt})`,
    );
  lines.push(`Last check: ${status.lastCheck ? `${status.lastCheck.outcome} at ${status.lastCheck.at}` : 'never'}`);
  if (status.lastError) lines.push(`Last error: ${status.lastError.code} at ${status.lastError.at}: ${status.lastError.message}`);
  if (status.checkInProgress) lines.push('A check is announcing right now.');
  if (status.zohoApi) lines.push(`Zoho API: ${status.zohoApi.domain} (from ${status.zohoApi.source})`);
  return lines.join('\n');
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      consoleLogger.error(describeError(error).message);
      process.exitCode = EXIT.failed;
    },
  );
}

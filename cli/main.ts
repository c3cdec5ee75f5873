#!/usr/bin/env node
/**
 * zoho-backup-notifier: the same core as the functions, from a terminal. The grammar and help
 * live in usage.ts; the commands in commands.ts (and demo.ts, loaded only for the demo).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../shared/config';
import { describeError } from '../shared/errors';
import { consoleLogger, type Logger } from '../shared/log';
import { releaseHeldClaims } from '../shared/notify/heldClaims';
import { visibleText } from '../shared/visibleText';
import type { Io } from './commands';
import { describeSafeError } from './describe';
import { cliSettings, unknownSettingWarnings } from './settings';
import { COMMANDS, commandUsage, DEFAULT_CALLBACK_PORT, EXIT, mainUsage, nearest, parseCommand, type UsageError } from './usage';

export { EXIT } from './usage';

function version(): string {
  return (JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;
}

export async function main(
  argv: string[],
  rawOut: (text: string) => void = console.log,
  rawErr: (text: string) => void = console.error,
): Promise<number> {
  // What reaches the terminal is text: no escape sequence from a Zoho name or error runs there.
  const out = (text: string) => rawOut(visibleText(text));
  const err = (text: string) => rawErr(visibleText(text));
  const json = argv.includes('--json');
  /** `errorCode`: the README's troubleshooting code; USAGE for a command line that does not parse. */
  const fail = (code: number, message: string, hint?: string, errorCode = 'USAGE') => {
    if (json) out(JSON.stringify({ ok: false, error: { code: errorCode, message, ...(hint ? { hint } : {}) } }, null, 2));
    else err(`${message}${hint ? `\n${hint}` : ''}`);
    return code;
  };
  const say = (write: (text: string) => void, text: string, code: number) => {
    write(text);
    return code;
  };
  if (argv[0] === '--version' || argv[0] === '-v') return say(out, version(), EXIT.ok);
  if (argv.length === 0) return say(err, mainUsage(), EXIT.usage);
  if (argv[0] === '--help' || argv[0] === '-h') return say(out, mainUsage(), EXIT.ok);
  if (argv[0] === 'help') {
    const topic = argv[1];
    if (!topic) return say(out, mainUsage(), EXIT.ok);
    if (COMMANDS[topic]) return say(out, commandUsage(topic), EXIT.ok);
    const guess = nearest(topic, Object.keys(COMMANDS));
    const commands = `The commands: ${Object.keys(COMMANDS).join(', ')}.`;
    return fail(EXIT.usage, `zoho-backup-notifier: no command '${topic}'${guess ? `. Did you mean '${guess}'?` : ''}`, commands);
  }
  let parsed: ReturnType<typeof parseCommand>;
  try {
    parsed = parseCommand(argv);
  } catch (error) {
    return fail(
      EXIT.usage,
      `zoho-backup-notifier: ${(error as UsageError).message}`,
      'Run "zoho-backup-notifier --help" for the commands.',
    );
  }
  if (parsed.values.help) return say(out, commandUsage(parsed.command), EXIT.ok);
  // The demo brings the sandbox: loaded only for this command.
  if (parsed.command === 'demo') return (require('./demo') as typeof import('./demo')).runDemo(out);
  if (parsed.command === 'sandbox') return (require('./sandboxCommand') as typeof import('./sandboxCommand')).runSandbox(out);
  const settings = cliSettings(process.cwd());
  for (const warning of unknownSettingWarnings(settings)) err(`warning: ${warning}`);
  const io: Io = { out, err, json, settings, log: stderrLogger(err) };
  try {
    // Loaded per command: --version, help and usage errors answer without the core's modules.
    if (parsed.command === 'orgs') {
      const { orgsCommand } = require('./orgsCommand') as typeof import('./orgsCommand');
      const { port, openBrowser } = authOptionsOf(parsed.values);
      return await orgsCommand(io, parsed.positionals, { port, openBrowser });
    }
    if (parsed.command === 'inspect') {
      const { inspectCommand } = require('./inspectCommand') as typeof import('./inspectCommand');
      return await inspectCommand(io, parsed.positionals, parsed.values.against as string | undefined);
    }
    if (parsed.command === 'archive') {
      const { archiveCommand } = require('./archiveCommand') as typeof import('./archiveCommand');
      return await archiveCommand(io, parsed.positionals, archiveOptionsOf(parsed.values));
    }
    if (parsed.command === 'report' || parsed.command === 'serve') {
      const report = require('./reportCommand') as typeof import('./reportCommand');
      const org = parsed.values.org as string | undefined;
      if (parsed.command === 'report') return await report.reportCommand(io, parsed.values.out as string | undefined, org);
      return await report.serveCommand(io, portOf(parsed.values.port, 0), org);
    }
    if (parsed.command === 'auth') {
      const { authCommand } = require('./auth') as typeof import('./auth');
      return await authCommand(io, authOptionsOf(parsed.values), process.cwd());
    }
    // The core's commands (and the runtime they bring) load only for them: archive and inspect stay light.
    const commands = require('./commands') as typeof import('./commands');
    if (parsed.command === 'status') return await commands.statusCommand(io, parsed.values.org as string | undefined);
    if (parsed.command === 'test-notify') return await commands.testNotifyCommand(io);
    return await commands.checkCommand(io, parsed.values['dry-run'] === true);
  } catch (error) {
    const safe = describeError(error);
    const code = error instanceof ConfigError ? EXIT.usage : EXIT.failed;
    if (json) return fail(code, safe.message, safe.hint, safe.code);
    return say(err, describeSafeError(safe), code);
  }
}

function archiveOptionsOf(values: Record<string, string | boolean | undefined>): import('./archiveCommand').ArchiveOptions {
  const gigabytes = values.budget === undefined ? 10 : Number(values.budget);
  if (!(gigabytes > 0))
    throw new ConfigError([`--budget must be a number of gigabytes above 0 (not ${JSON.stringify(String(values.budget).slice(0, 20))})`]);
  return {
    org: values.org as string | undefined,
    to: values.to as string | undefined,
    force: values.force === true,
    all: values.all === true,
    budgetBytes: gigabytes * 1e9,
    yes: values.yes === true,
  };
}

/** --port: from 1024 to 65535 (0, where allowed: any free port). */
function portOf(value: string | boolean | undefined, fallback: number): number {
  const port = value === undefined ? fallback : Number(value);
  if (port === 0 && fallback === 0) return 0;
  if (!Number.isInteger(port) || port < 1024 || port > 65535)
    throw new ConfigError([`--port must be a port number from 1024 to 65535 (not ${JSON.stringify(String(value).slice(0, 20))})`]);
  return port;
}

function authOptionsOf(values: Record<string, string | boolean | undefined>): import('./auth').AuthOptions {
  return {
    code: values.code as string | undefined,
    port: portOf(values.port, DEFAULT_CALLBACK_PORT),
    openBrowser: values['no-browser'] !== true,
  };
}

/** Log lines go to stderr so that --json output stays parseable; a warning repeated in one run prints once. */
function stderrLogger(err: (text: string) => void): Logger {
  const seen = new Set<string>();
  return {
    info: () => {},
    warn: (message) => {
      if (seen.has(message)) return;
      seen.add(message);
      err(`warning: ${message}`);
    },
    error: () => {},
  };
}

/**
 * SIGTERM (a service manager, a container stop) or Ctrl-C while a check announces: release the
 * claim this run holds, then end as the signal would have (128 + its number). Without it the
 * next check would wait out the claim's ten minutes.
 */
function releaseClaimsOnSignals(): void {
  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const) {
    process.once(signal, () => {
      void releaseHeldClaims().finally(() => process.exit(code));
    });
  }
}

if (require.main === module) {
  releaseClaimsOnSignals();
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

/**
 * The command line's grammar: each command, its options and its help; parsing with node's
 * parseArgs, but with our own one-line errors (and a "did you mean") instead of Node's text.
 */
import { parseArgs } from 'node:util';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Where `auth` takes Zoho's answer: http://localhost:<port>/callback, a redirect URI the client lists. */
export const DEFAULT_CALLBACK_PORT = 8765;

type OptionSpec = { type: 'boolean' | 'string'; short?: string; help: string };

interface CommandSpec {
  summary: string;
  usage: string;
  details?: string;
  options: Record<string, OptionSpec>;
  /** How many words may follow the command (orgs add <file>); none unless given. */
  positionals?: { min: number; max: number };
}

const JSON_OPTION: OptionSpec = { type: 'boolean', help: 'print the result as JSON (errors too)' };
const HELP_OPTION: OptionSpec = { type: 'boolean', short: 'h', help: 'show this help' };

/** How `auth` and `orgs add` take a consent in the browser. */
const CONSENT_OPTIONS: Record<string, OptionSpec> = {
  port: { type: 'string', help: `the callback's port on localhost (default ${DEFAULT_CALLBACK_PORT})` },
  'no-browser': { type: 'boolean', help: 'print the consent link without opening a browser' },
};

export const COMMANDS: Record<string, CommandSpec> = {
  check: {
    summary: 'Run one backup check now (announces a new backup in Slack/Teams)',
    usage: 'check [--dry-run] [--json]',
    details: 'Exit codes: 0 the check completed, 1 a Zoho call or a delivery failed, 2 invalid settings or usage.',
    options: { 'dry-run': { type: 'boolean', help: 'print the messages it would send; send and record nothing' }, json: JSON_OPTION },
  },
  status: {
    summary: 'Show the last announced backup, deliveries, alerts, last check and error',
    usage: 'status [--org <name>] [--json]',
    details:
      "Needs only where the state is kept (STATE_FILE or AzureWebJobsStorage): no Zoho secret, no webhook. With several orgs, one line each; --org for one's details.",
    options: { org: { type: 'string', help: 'the org to show in detail (its name, or its key)' }, json: JSON_OPTION },
  },
  'test-notify': {
    summary: 'Post a clearly marked test message to every configured channel',
    usage: 'test-notify [--json]',
    details: 'Needs only SLACK_WEBHOOK_URL and/or TEAMS_WEBHOOK_URL. Exit 0 when every channel took it, 1 naming each that refused.',
    options: { json: JSON_OPTION },
  },
  auth: {
    summary: 'Get a refresh token (browser consent, or a Self Client grant code), save it in ./.env, and prove it works',
    usage: 'auth [--code <grant code>] [--port <n>] [--no-browser] [--json]',
    details: `Needs ZOHO_CLIENT_ID and ZOHO_CLIENT_SECRET. Without --code (a server-based client): opens Zoho's consent page and takes the answer on http://localhost:<port>/callback, which must be a redirect URI of the client in the API console (default port ${DEFAULT_CALLBACK_PORT}); the data centre is the one Zoho names. With --code (a Self Client): that code, at ZOHO_DC's accounts server. Writes ZOHO_REFRESH_TOKEN and ZOHO_DC into ./.env (mode 0600); prints no secret.`,
    options: {
      code: { type: 'string', help: 'a Self Client grant code from the API console (Self Client > Generate Code)' },
      ...CONSENT_OPTIONS,
      json: JSON_OPTION,
    },
  },
  orgs: {
    summary: 'Manage the orgs a deployment watches: secrets in its Key Vault, the rest in its registry table',
    usage: 'orgs add <orgs.json> [--port <n>] [--no-browser] | orgs list | orgs remove <name> [--json]',
    details:
      'Needs ZOHO_ORGS_VAULT_URI and the storage account (AzureWebJobsStorage__accountName or AzureWebJobsStorage), and "az login" as someone with Key Vault Secrets Officer and Storage Table Data Contributor. The file holds one org or an array, as for ZOHO_ORGS_FILE; an org without refreshToken is authorized in the browser as "auth" does (one server-based client may serve every org). Prints no secret.',
    options: { ...CONSENT_OPTIONS, json: JSON_OPTION },
    positionals: { min: 1, max: 2 },
  },
  inspect: {
    summary: 'Check downloaded or archived backup parts: every entry inflated and CRC-checked, records per module',
    usage: 'inspect <zip>... [--against <manifest.json>] [--json]',
    details:
      'Needs no setting. --against takes a manifest.json (or an earlier inspect --json) and applies the data-loss rule (ALERT_RECORD_DROP_PERCENT, ALERT_RECORD_DROP_MIN). Exit codes: 0 every part sound and no drop, 1 a damaged part or a drop, 2 usage.',
    options: {
      against: { type: 'string', help: 'a manifest.json or inspect --json output to compare the records with' },
      json: JSON_OPTION,
    },
    positionals: { min: 1, max: 200 },
  },
  archive: {
    summary: 'List the archived backups, get one back (every part verified), read old copies again, or prune a folder archive',
    usage:
      'archive list [--org <name>] | archive get <backup> --to <folder> [--force] | archive verify [--all] | archive prune [--yes] [--json]',
    details:
      '<backup> is a job id, a backup date (YYYY-MM-DD, in NOTIFY_TIMEZONE) or latest. Needs ARCHIVE_DIR, or AzureWebJobsStorage (or AzureWebJobsStorage__accountName with az login) and ARCHIVE_CONTAINER; no Zoho secret. get writes each part as <file>.partial-* and renames it only once its SHA-256 matches the manifest, and a second run resumes. verify reads backups oldest first, up to --budget GB (default 10), or all with --all. prune (ARCHIVE_DIR only) lists the backups whose time is up by generation (ARCHIVE_KEEP_*), never the newest of an org, and removes them with --yes. Exit codes: 0 done, 1 a copy no longer matches, 2 usage.',
    options: {
      org: { type: 'string', help: 'the org, when the archive holds several' },
      to: { type: 'string', help: 'get: the folder to restore into' },
      force: { type: 'boolean', help: 'get: write into a folder that holds other files (none is removed)' },
      all: { type: 'boolean', help: 'verify: every backup, whatever the budget' },
      budget: { type: 'string', help: 'verify: gigabytes to read in this run (default 10)' },
      yes: { type: 'boolean', help: 'prune: remove what it lists (without: list only)' },
      json: JSON_OPTION,
    },
    positionals: { min: 1, max: 2 },
  },
  report: {
    summary: 'Write the report page: every org, its backups, records per module and alerts over time, as one HTML file',
    usage: 'report [--out <file.html>] [--org <name>] [--json]',
    details:
      'Needs only where the state is kept (and the archive: ARCHIVE_DIR, or ARCHIVE_ENABLED=true with the storage account). The page has no script and loads nothing from anywhere; it holds no secret and no link token. Without --out, the HTML goes to standard output.',
    options: {
      out: { type: 'string', help: 'the file to write (mode 0600)' },
      org: { type: 'string', help: 'one org only (its name, or its key)' },
      json: JSON_OPTION,
    },
  },
  serve: {
    summary: 'Serve the report page on this machine (127.0.0.1) until Ctrl-C',
    usage: 'serve [--port <n>] [--org <name>]',
    details: 'The page is read afresh on every request. It listens on loopback only and answers only requests for 127.0.0.1 or localhost.',
    options: {
      port: { type: 'string', help: 'the port (default: any free one)' },
      org: { type: 'string', help: 'one org only' },
    },
  },
  sandbox: {
    summary: 'Run a local Zoho stand-in and Slack/Teams receivers until Ctrl-C, to try every command without an account',
    usage: 'sandbox',
    details: 'Prints the settings that point the CLI at it and every message it receives; keys on its input complete or fail a backup.',
    options: {},
  },
  demo: {
    summary: 'Run a short story against a local Zoho sandbox and chat receivers; needs no account',
    usage: 'demo',
    options: {},
  },
};

const SETTINGS_NOTE = `Settings come from the environment, then .env, then local.settings.json (Values), in the
current folder. Run "zoho-backup-notifier help <command>" for a command's options.`;

export function mainUsage(): string {
  const width = Math.max(...Object.values(COMMANDS).map((c) => c.usage.length));
  const lines = Object.values(COMMANDS).map((c) => `  ${c.usage.padEnd(width)}   ${c.summary}`);
  return `Usage: zoho-backup-notifier <command> [options]\n\nCommands:\n${lines.join('\n')}\n  help <command>${' '.repeat(Math.max(0, width - 14))}   Show a command's options\n\nOptions: --version, --help\n\n${SETTINGS_NOTE}`;
}

export function commandUsage(name: string): string {
  const spec = COMMANDS[name];
  if (!spec) return mainUsage();
  const options = Object.entries({ ...spec.options, help: HELP_OPTION }).map(([option, o]) => `  --${option.padEnd(10)} ${o.help}`);
  return [
    `Usage: zoho-backup-notifier ${spec.usage}`,
    '',
    spec.summary,
    ...(spec.details ? ['', spec.details] : []),
    '',
    'Options:',
    ...options,
  ].join('\n');
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const above = row[j] ?? 0;
      row[j] = Math.min(above + 1, (row[j - 1] ?? 0) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}

/** The closest known name, if it is close enough to be a typo. */
export function nearest(input: string, known: readonly string[]): string | undefined {
  const [best] = [...known].sort((x, y) => distance(input, x) - distance(input, y));
  return best !== undefined && distance(input, best) <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

export class UsageError extends Error {}

interface ParsedCommand {
  command: string;
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Node's parseArgs errors, said our way: which option, what is wrong with it, and what was meant. */
function optionError(error: Error & { code?: string }, command: string, spec: CommandSpec): UsageError {
  const option = error.message.match(/'(-{1,2}[\w-]+)/)?.[1] ?? '';
  const name = option.replace(/^-+/, '');
  const known = spec.options[name] ?? (name === 'help' ? HELP_OPTION : undefined);
  if (known?.type === 'string') return new UsageError(`option '--${name}' of '${command}' needs a value: ${spec.usage}`);
  if (known) return new UsageError(`option '--${name}' of '${command}' takes no value: write just '--${name}'`);
  const guess = nearest(name, [...Object.keys(spec.options), 'help']);
  return new UsageError(`unknown option '${option}' for '${command}'${guess ? `. Did you mean '--${guess}'?` : ''}`);
}

/** Parses `<command> [options]`; throws UsageError with our own message for anything unknown. */
export function parseCommand(argv: string[]): ParsedCommand {
  const [command, ...rest] = argv;
  if (command === undefined) throw new UsageError('no command given');
  const spec = COMMANDS[command];
  if (!spec) {
    const guess = nearest(command.toLowerCase(), Object.keys(COMMANDS));
    throw new UsageError(`unknown command '${command}'${guess ? `. Did you mean '${guess}'?` : ''}`);
  }
  const options = { ...spec.options, help: HELP_OPTION };
  try {
    const { values, positionals } = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
    const { min, max } = spec.positionals ?? { min: 0, max: 0 };
    if (positionals.length > max) throw new UsageError(`'${command}' takes no argument '${positionals[max]}'`);
    if (positionals.length < min) throw new UsageError(`'${command}' needs more: ${spec.usage}`);
    return { command, values, positionals };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw optionError(error as Error & { code?: string }, command, spec);
  }
}

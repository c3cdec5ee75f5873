/** The built command line (dist/cli/main.js) as users run it: a child process with only the environment given (plus PATH). */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { WebhookReceiver } from '../../sandbox/webhookReceiver';
import { ZohoSandbox } from '../../sandbox/zohoSandbox';

export const CLI = resolve(__dirname, '../../dist/cli/main.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `shell`, when given, is a line of sh run first in the CLI's own process (e.g. `ulimit -f 0`). */
export function cli(args: string[], env: Record<string, string>, cwd: string, shell?: string): Promise<CliRun> {
  const [command, argv] = shell
    ? ['sh', ['-c', `${shell} && exec "$0" "$@"`, process.execPath, CLI, ...args]]
    : [process.execPath, [CLI, ...args]];
  return new Promise((done) => {
    execFile(command, argv, { cwd, env: { PATH: process.env.PATH ?? '', ...env } }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

export interface CliWorld {
  zoho: ZohoSandbox;
  chat: WebhookReceiver;
  /** A fresh working folder: where the CLI keeps its state file. */
  cwd: string;
  /** The sandbox's Zoho settings and the receiver's webhook URLs. */
  env: Record<string, string>;
}

/**
 * Gives each test of the file a fresh Zoho sandbox, chat receiver and working folder, through
 * `use`, and closes them after it. Call at the file's top level.
 */
export function cliWorldPerTest(options: { teams: boolean; folder: () => string }, use: (world: CliWorld) => void): void {
  let world: CliWorld | undefined;
  beforeEach(async () => {
    const [zoho, chat] = await Promise.all([ZohoSandbox.start(), WebhookReceiver.start()]);
    const env = { ...zoho.settings, SLACK_WEBHOOK_URL: chat.slackUrl, ...(options.teams ? { TEAMS_WEBHOOK_URL: chat.teamsUrl } : {}) };
    world = { zoho, chat, cwd: options.folder(), env };
    use(world);
  });
  afterEach(async () => {
    await Promise.all([world?.zoho.close(), world?.chat.close()]);
  });
}

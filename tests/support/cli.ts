/** The built command line (dist/cli/main.js) as users run it: a child process with only the environment given (plus PATH). */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

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

/** Consent in "the browser" for the command line's loopback flow: real HTTP to the sandbox's consent page and to the callback. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { CLI } from './cli';

/** A loopback port nothing listens on, for the callback. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface RunningCli {
  child: ChildProcess;
  output: { stdout: string; stderr: string };
  exited: Promise<number>;
  /** The consent link, once the command has printed it. */
  link: Promise<URL>;
}

/** The command line as a child process that will print a consent link (auth, orgs add). */
export function startCli(args: string[], env: Record<string, string>, cwd: string): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env } });
  const output = { stdout: '', stderr: '' };
  const link = new Promise<URL>((resolve) => {
    const look = () => {
      const found = /(http:\/\/\S+\/oauth\/v2\/auth\?\S+)/.exec(output.stdout + output.stderr)?.[1];
      if (found) resolve(new URL(found));
    };
    child.stdout?.on('data', (d: Buffer) => {
      output.stdout += d.toString();
      look();
    });
    child.stderr?.on('data', (d: Buffer) => {
      output.stderr += d.toString();
      look();
    });
  });
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  return { child, output, exited, link };
}

/** What a browser does: show the consent page, press a button, follow the redirect to the callback. */
export async function answerConsent(link: URL, decision: 'accept' | 'deny'): Promise<{ page: string; callback: Response }> {
  const page = await (await fetch(link)).text();
  const form = new URLSearchParams(
    [...page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m): [string, string] => [
      m[1] ?? '',
      (m[2] ?? '').replaceAll('&amp;', '&'),
    ]),
  );
  form.set('decision', decision);
  const redirect = await fetch(new URL('/oauth/v2/auth', link), { method: 'POST', body: form, redirect: 'manual' });
  if (redirect.status !== 302) throw new Error(`the consent page answered ${redirect.status}, not a redirect`);
  return { page, callback: await fetch(redirect.headers.get('location') ?? '') };
}

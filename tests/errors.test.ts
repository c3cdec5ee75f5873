/**
 * What operators see of a failure: our errors keep the lower error as their `cause`, made safe
 * (its class, code and frames, never its message or request), and an error nobody raised on
 * purpose has its stack logged once, scrubbed, while the report names only its class.
 */
import { inspect } from 'node:util';
import { ZohoSandbox } from '../sandbox/zohoSandbox';
import type { StateKind, StateStore } from '../shared/state/store';
import { runCheck } from '../shared/watch/runCheck';
import { ZohoUnreachableError } from '../shared/zoho/errors';
import { hoursAgo, startWorld, type World } from './support/world';
import { zohoStack } from './support/zoho';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

it('keeps the socket error as the cause of ZOHO_UNREACHABLE: its class, code and frames, and no token or header', async () => {
  const sandbox = await ZohoSandbox.start();
  try {
    sandbox.inject({ endpoint: 'backup/history', dropConnection: true, times: 10 });
    const error = await zohoStack(sandbox)
      .client.listHistory()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZohoUnreachableError);
    const cause = (error as Error).cause as Error;
    expect(cause).toBeInstanceOf(Error);
    expect([cause.name, cause.message]).toEqual(['AxiosError', expect.stringMatching(/^E[A-Z_]+$/)]);
    expect(cause.stack).toMatch(/\n\s+at /);
    const printed = inspect(error, { depth: 10 });
    const tokens = sandbox.requests.map((r) => r.authorization?.split(' ')[1]).filter((t): t is string => !!t);
    expect(tokens.length).toBeGreaterThan(0);
    for (const secret of [...tokens, sandbox.settings.ZOHO_CLIENT_SECRET!, sandbox.settings.ZOHO_REFRESH_TOKEN!, 'Authorization'])
      expect(printed).not.toContain(secret);
  } finally {
    await sandbox.close();
  }
});

/** A store whose first read of the watch fails as a bug would: a TypeError, its message holding a secret. */
class BrokenStore implements StateStore {
  private failed = false;

  constructor(
    private readonly inner: StateStore,
    private readonly secret: string,
  ) {}
  read<T>(org: string, kind: StateKind) {
    if (kind === 'watch' && !this.failed) {
      this.failed = true;
      return Promise.reject(new TypeError(`cannot read properties of undefined (${this.secret})`));
    }
    return this.inner.read<T>(org, kind);
  }
  write<T>(org: string, kind: StateKind, value: T, etag: string | undefined) {
    return this.inner.write(org, kind, value, etag);
  }
  orgs(kind: StateKind) {
    return this.inner.orgs(kind);
  }
}

it('logs the stack of an unexpected error once, scrubbed, and reports only its class', async () => {
  world = await startWorld();
  world.sandbox.completeBackup({ at: hoursAgo(1) });
  const secret = world.settings.ZOHO_CLIENT_SECRET!;
  const runtime = world.runtime();
  const broken = { ...runtime, watch: { ...runtime.watch, store: new BrokenStore(world.store, secret) } };
  const lines: string[] = [];
  const log = { info: () => {}, warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };

  const report = await runtime.withLog(log, (scrubbed) => runCheck({ ...broken.watch, log: scrubbed }));

  expect(report.error).toEqual({ code: 'UNEXPECTED', message: 'unexpected TypeError; its stack is in the log' });
  const stacks = lines.filter((l) => l.includes('TypeError'));
  expect(stacks).toEqual([expect.stringMatching(/^the check failed unexpectedly: TypeError\n\s+at BrokenStore\.read /)]);
  expect(stacks[0]).toMatch(/errors\.test\.ts:\d+:\d+/);
  expect(lines.join('\n')).not.toContain(secret);
});

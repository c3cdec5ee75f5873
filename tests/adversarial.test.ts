/**
 * Stories from an adversarial round (issue "Nothing lost, nothing leaked, nothing hangs"):
 * Zoho, Slack and Teams stand-ins that misbehave on purpose, over real sockets, each story
 * numbered as the issue numbers its defect.
 */
import { HttpRequest, InvocationContext } from '@azure/functions';
import { backupCheckHandler } from '../functions/backupCheck';
import { readStatus } from '../shared/status';
import { hoursAgo, startWorld, type World } from './support/world';

let world: World;
afterEach(async () => {
  await world?.close();
});

/** Everything a person or a program can see after a check: report, status, state, chat, logs. */
async function everythingVisible(w: World, extra: unknown[] = []): Promise<string> {
  const runtime = w.runtime();
  const status = await readStatus(runtime.store, runtime.org);
  const state = await w.watchState();
  const chat = w.receiver.messages.map((m) => JSON.stringify(m.body));
  return [JSON.stringify(status), JSON.stringify(state), ...chat, ...w.logLines, ...extra.map((e) => JSON.stringify(e))].join('\n');
}

describe('#1 secrets that Zoho echoes in its errors', () => {
  it('never repeats an access token Zoho echoes in a 401, in the report, status, state, HTTP answer, chat or logs', async () => {
    world = await startWorld();
    world.sandbox.inject({ endpoint: 'backup/history', code: 'INVALID_TOKEN', echoAuthorization: true, times: 4 });

    const report = await world.check();
    const response = await backupCheckHandler(() => world.runtime())(
      new HttpRequest({ method: 'POST', url: 'http://localhost/api/backupCheck' }),
      new InvocationContext({ functionName: 'backupCheck' }),
    );

    expect(report).toMatchObject({ outcome: 'failed', error: { code: 'INVALID_TOKEN' } });
    expect(report.error?.message).toContain('[redacted]');
    // INVALID_TOKEN needs a person: "monitor cannot check backups" went out at once, with Zoho's text.
    expect(world.receiver.messages.length).toBeGreaterThan(0);
    const visible = await everythingVisible(world, [report, response]);
    expect(world.sandbox.issuedAccessTokens.length).toBeGreaterThan(0);
    for (const token of world.sandbox.issuedAccessTokens) {
      expect(visible).not.toContain(token);
      expect(visible).not.toContain(token.slice(0, 20)); // nor a truncated echo
    }
  });

  it('never repeats the refresh token when the token endpoint echoes it in its error', async () => {
    world = await startWorld();
    const refreshToken = world.settings.ZOHO_REFRESH_TOKEN ?? '';
    world.sandbox.inject({ endpoint: 'token', tokenError: `bad_grant for ${refreshToken.slice(0, 30)}`, times: 2 });

    const report = await world.check();

    expect(report).toMatchObject({ outcome: 'failed', error: { code: 'ZOHO_TOKEN_ERROR' } });
    const visible = await everythingVisible(world, [report]);
    expect(visible).not.toContain(refreshToken.slice(0, 30));
    expect(visible).not.toContain(refreshToken.slice(5, 25));
  });
});

describe('#7 a refused message always fails the check', () => {
  it('reports a refused "monitor recovered" message as a failed check', async () => {
    world = await startWorld();
    world.sandbox.completeBackup({ at: hoursAgo(1) });
    await expect(world.check()).resolves.toMatchObject({ outcome: 'announced' });
    world.sandbox.revokeAccessTokens();
    world.sandbox.revokeRefreshToken();
    await expect(world.check()).resolves.toMatchObject({ ok: false, alerts: [expect.objectContaining({ kind: 'monitor-unhealthy' })] });
    world.sandbox.restoreRefreshToken();
    world.receiver.failNext('teams', { status: 404, error: 'WorkflowNotFound' });

    const report = await world.check();

    const recovered = report.alerts.find((a) => a.kind === 'monitor-recovered');
    expect(recovered?.deliveries).toEqual(expect.arrayContaining([expect.objectContaining({ channel: 'teams', result: 'failed' })]));
    expect(report.ok).toBe(false);
  });
});

/**
 * Stories from an adversarial round (issue "Nothing lost, nothing leaked, nothing hangs"):
 * Zoho, Slack and Teams stand-ins that misbehave on purpose, over real sockets, each story
 * numbered as the issue numbers its defect.
 */
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { backupCheckHandler } from '../functions/backupCheck';
import { archiveContainer } from '../shared/archive/container';
import type { StartStallTimer } from '../shared/archive/copy';
import { archivePart } from '../shared/archive/worker';
import { loadConfig } from '../shared/config';
import { createRuntime } from '../shared/runtime';
import { FileStateStore } from '../shared/state/fileStore';
import { readStatus } from '../shared/status';
import { runCheck } from '../shared/watch/runCheck';
import { chooseApiDomain } from '../shared/zoho/datacentres';
import { tempFolders } from './support/tempFolders';
import { hoursAgo, startWorld, type World } from './support/world';
import { FAST_RETRIES } from './support/zoho';

const tempFolder = tempFolders();

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

describe('#2-#4 a backup announcement is never lost or given the wrong links', () => {
  it('#2 treats a 200 from /backup/urls with no links as not ready, and announces the real links later', async () => {
    world = await startWorld();
    world.sandbox.completeBackup({ at: hoursAgo(1) });
    const empty = { urls: { data_links: [], attachment_links: [], expiry_date: '2030-01-01T00:00:00+00:00' } };
    world.sandbox.inject({ endpoint: 'backup/urls', status: 200, body: JSON.stringify(empty), contentType: 'application/json' });

    await expect(world.check()).resolves.toMatchObject({ outcome: 'links-pending', ok: true });
    expect(world.receiver.messages).toHaveLength(0);
    await expect(world.check()).resolves.toMatchObject({ outcome: 'announced', backup: { parts: 2 } });
  });

  it('#3 announces a completed backup whose history row has no log_time (an immediate backup)', async () => {
    world = await startWorld();
    world.sandbox.completeBackup({ at: hoursAgo(30) });
    await world.check();
    const { historyId } = world.sandbox.completeBackup({ at: hoursAgo(1), repeatType: 'immediate' });
    for (const row of world.sandbox.history.slice(-2)) row.log_time = null;

    const report = await world.check();

    expect(report).toMatchObject({ outcome: 'announced', backup: { historyId } });
    await expect(world.check()).resolves.toMatchObject({ outcome: 'nothing-new' });
  });

  it("#4 does not announce the previous backup's links as the newest one on a first run", async () => {
    world = await startWorld();
    world.sandbox.completeBackup({ at: hoursAgo(72) });
    // Backup 2 completes, but Zoho still serves backup 1's links (job made before backup 2 completed).
    world.sandbox.addRow({ at: new Date(Date.now() - 2 * 3_600_000), action: 'initiated', state: null, repeatType: 'weekly' });
    world.sandbox.addRow({ at: new Date(Date.now() - 3_600_000), action: null, state: 'completed', repeatType: 'weekly' });

    await expect(world.check()).resolves.toMatchObject({ outcome: 'links-pending' });
    expect(world.receiver.messages).toHaveLength(0);
    const { historyId } = world.sandbox.completeBackup({ at: hoursAgo(0.5) });
    await expect(world.check()).resolves.toMatchObject({ outcome: 'announced', backup: { historyId } });
  });
});

describe('#9-#11 answers Zoho should never give', () => {
  it('#9 refuses an answer of many MB at once, without retrying it', async () => {
    world = await startWorld();
    world.sandbox.inject({
      endpoint: 'backup/history',
      status: 200,
      body: `{"history":[${'"x",'.repeat(2_000_000)}]}`,
      contentType: 'application/json',
    });
    await expect(world.check()).resolves.toMatchObject({ outcome: 'failed', error: { code: 'ZOHO_BAD_RESPONSE' } });
    expect(world.sandbox.countRequests('backup/history')).toBe(1);
  });

  it('#10 stops paging as soon as a page repeats (a server that ignores page)', async () => {
    world = await startWorld();
    const page = {
      history: [{ id: '4876876000001594002', log_time: '2026-11-20T10:00:00+00:00', state: 'failure', action: null }],
      info: { page: 1, per_page: 200, count: 1, more_records: true },
    };
    world.sandbox.inject({
      endpoint: 'backup/history',
      status: 200,
      body: JSON.stringify(page),
      contentType: 'application/json',
      times: 60,
    });
    await expect(world.check()).resolves.toMatchObject({ outcome: 'no-backup' });
    expect(world.sandbox.countRequests('backup/history')).toBe(2);
  });

  it.each([
    ['null', 'null'],
    ['an empty body', ''],
  ])('#11 reads a 200 with %s as a bad answer, not as "no backups"', async (_name, body) => {
    world = await startWorld();
    world.sandbox.inject({ endpoint: 'backup/history', status: 200, body, contentType: 'application/json' });
    await expect(world.check()).resolves.toMatchObject({ outcome: 'failed', error: { code: 'ZOHO_BAD_RESPONSE' } });
  });
});

describe('#15 dryRun as people write it', () => {
  const call = (w: World, query: string) =>
    backupCheckHandler(() => w.runtime())(
      new HttpRequest({ method: 'POST', url: `http://localhost/api/backupCheck${query}` }),
      new InvocationContext({ functionName: 'backupCheck' }),
    );

  it.each(['?dryRun=1', '?dryRun=TRUE', '?dryRun=yes', '?dryRun', '?dryrun=true', '?DRYRUN=on'])(
    '%s previews and sends nothing',
    async (query) => {
      world = await startWorld();
      world.sandbox.completeBackup({ at: hoursAgo(1) });
      await expect(call(world, query)).resolves.toMatchObject({ status: 200, jsonBody: { outcome: 'dry-run' } });
      expect(world.receiver.messages).toHaveLength(0);
    },
  );

  it.each(['?dryRun=maybe', '?dryRun=2', '?dryRun=true&dryRun=false'])('%s is a 400 that sends nothing', async (query) => {
    world = await startWorld();
    world.sandbox.completeBackup({ at: hoursAgo(1) });
    await expect(call(world, query)).resolves.toMatchObject({ status: 400, jsonBody: { error: { code: 'REQUEST_INVALID' } } });
    expect(world.receiver.messages).toHaveLength(0);
    expect(world.sandbox.countRequests('backup/history')).toBe(0);
  });
});

describe('#16-#17 Zoho fidelity', () => {
  it.each<[string, { explicitApiDomain?: string; accountsUrl: string }, string | undefined, string]>([
    [
      'ZOHO_API_DOMAIN wins over the token answer',
      { explicitApiDomain: 'https://www.zohoapis.eu', accountsUrl: 'https://accounts.zoho.com' },
      'https://www.zohoapis.in',
      'https://www.zohoapis.eu ZOHO_API_DOMAIN',
    ],
    [
      "the token answer's api_domain when it is Zoho's",
      { accountsUrl: 'https://accounts.zoho.com' },
      'https://www.zohoapis.in',
      'https://www.zohoapis.in token answer',
    ],
    [
      'a host that is not Zoho API is ignored',
      { accountsUrl: 'https://accounts.zoho.com' },
      'https://evil.example.com',
      'https://www.zohoapis.com ZOHO_DC',
    ],
    [
      'plain http is ignored unless both hosts are this machine',
      { accountsUrl: 'https://accounts.zoho.com' },
      'http://127.0.0.1:9',
      'https://www.zohoapis.com ZOHO_DC',
    ],
    ['no api_domain in the answer', { accountsUrl: 'https://accounts.zoho.com' }, undefined, 'https://www.zohoapis.com ZOHO_DC'],
  ])('#16 %s', (_case, hosts, fromToken, expected) => {
    const choice = chooseApiDomain({ apiDomain: hosts.explicitApiDomain ?? 'https://www.zohoapis.com', ...hosts }, fromToken);
    expect(`${choice.domain} ${choice.source}`).toBe(expected);
  });

  it("#16 follows the token answer's api_domain when ZOHO_API_DOMAIN is not set, and status says so", async () => {
    world = await startWorld();
    world.sandbox.completeBackup({ at: hoursAgo(1) });
    const { ZOHO_API_DOMAIN: _unset, ...settings } = world.settings;
    const runtime = createRuntime(loadConfig(settings), { store: world.store, http: FAST_RETRIES });

    await expect(runCheck({ ...runtime.watch })).resolves.toMatchObject({ outcome: 'announced' });
    const status = await readStatus(runtime.store, runtime.org, { zohoApi: await runtime.zohoApi() });
    expect(status.zohoApi).toEqual({ domain: world.sandbox.url, source: 'token answer' });
  });

  it("#17 grants a token for a multipart/form-data request, as from Zoho's TypeScript SDK", async () => {
    world = await startWorld();
    const form = new FormData();
    const credentials = world.sandbox.clientCredentials;
    form.set('grant_type', 'refresh_token');
    form.set('client_id', credentials.clientId);
    form.set('client_secret', credentials.clientSecret);
    form.set('refresh_token', credentials.refreshToken);
    const answer = await fetch(`${world.sandbox.url}/oauth/v2/token`, { method: 'POST', body: form });
    await expect(answer.json()).resolves.toMatchObject({ access_token: expect.stringMatching(/^1000\./), api_domain: world.sandbox.url });
  });
});

describe('#13-#14 the state file', () => {
  const stateFile = () => join(tempFolder('state-'), 'state.json');

  it('#13 announces exactly once per channel when 12 checks race past a stale lock, 15 rounds running', async () => {
    const path = stateFile();
    world = await startWorld({ store: new FileStateStore(path) });
    for (let round = 1; round <= 15; round += 1) {
      world.sandbox.completeBackup({ at: new Date(Date.now() - (16 - round) * 3_600_000) });
      // A lock left behind by a crashed run, a minute old.
      writeFileSync(`${path}.lock`, 'crashed-run');
      const aMinuteAgo = new Date(Date.now() - 60_000);
      utimesSync(`${path}.lock`, aMinuteAgo, aMinuteAgo);
      const before = { slack: world.receiver.received('slack').length, teams: world.receiver.received('teams').length };

      await Promise.all(Array.from({ length: 12 }, () => world.check({ runtime: world.runtime() })));

      expect([
        round,
        world.receiver.received('slack').length - before.slack,
        world.receiver.received('teams').length - before.teams,
      ]).toEqual([round, 1, 1]);
    }
  });

  it.each([
    ['null', 'null'],
    ['a string', '"hello"'],
    ['an array', '[]'],
    ['an older shape', '{"watch": {"lastCheck": "yesterday"}}'],
    ['broken JSON', '{"watch":'],
  ])('#14 answers STATE_UNAVAILABLE, naming the file and the fix, for a state file holding %s', async (_name, content) => {
    const path = stateFile();
    writeFileSync(path, content);
    world = await startWorld({ store: new FileStateStore(path) });

    const report = await world.check();

    expect(report).toMatchObject({ outcome: 'failed', error: { code: 'STATE_UNAVAILABLE' } });
    expect(report.error?.message).toContain(path);
    expect(report.error?.hint).toMatch(/move it aside|STATE_FILE/);
  });

  it('#14 answers STATE_UNAVAILABLE for a state file that cannot be read or written', async () => {
    const folder = tempFolder('state-');
    // As root, permissions do not stop a read: a folder in the file's place does, and a file in its folder's place stops a write.
    mkdirSync(join(folder, 'state.json'));
    world = await startWorld({ store: new FileStateStore(join(folder, 'state.json')) });
    await expect(world.check()).resolves.toMatchObject({ outcome: 'failed', error: { code: 'STATE_UNAVAILABLE' } });
    await world.close();

    writeFileSync(join(folder, 'not-a-folder'), '');
    world = await startWorld({ store: new FileStateStore(join(folder, 'not-a-folder', 'state.json')) });
    world.sandbox.completeBackup({ at: hoursAgo(1) });
    await expect(world.check()).resolves.toMatchObject({ outcome: 'failed', error: { code: 'STATE_UNAVAILABLE' } });
  });
});

describe('#12 chat is text, not markup', () => {
  it("escapes Zoho's names and links for Slack mrkdwn and Teams markdown", async () => {
    world = await startWorld();
    const { jobId } = world.sandbox.completeBackup({
      at: hoursAgo(1),
      by: { id: '1', zuid: '2', name: '<!channel> <https://evil.example|click> *boss*' },
    });
    const base = `${world.sandbox.url}/v2/crm/${world.sandbox.zgid}/backup/${jobId}`;
    const urls = {
      urls: {
        data_links: [`${base}/Data_001.zip?x=) [Restore](https://evil.example/restore)`],
        attachment_links: [],
        expiry_date: new Date(Date.now() + 6 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, '+00:00'),
      },
    };
    world.sandbox.inject({ endpoint: 'backup/urls', status: 200, body: JSON.stringify(urls), contentType: 'application/json' });

    await expect(world.check()).resolves.toMatchObject({ outcome: 'announced' });

    const slack = JSON.stringify(world.receiver.received('slack')[0]?.body);
    expect(slack).not.toContain('<!channel>');
    expect(slack).not.toContain('<https://evil.example|click>');
    expect(slack).toContain('&lt;!channel&gt;');
    const teams = JSON.stringify(world.receiver.received('teams')[0]?.body);
    expect(teams).not.toMatch(/[^\\]\[Restore\]\(/);
    expect(teams).not.toContain('(https://evil.example/restore)');
  });

  it("escapes a Zoho user's name in Slack's top-level text (a schedule stopped by '<!channel>')", async () => {
    world = await startWorld();
    world.sandbox.stopSchedule(hoursAgo(1), { id: '1', zuid: '2', name: '<!channel> <https://evil.example|click>' });

    const report = await world.check();

    expect(report.alerts.map((a) => a.kind)).toContain('schedule-stopped');
    const slack = world.receiver.received('slack')[0]?.body as { text: string };
    expect(slack.text).toContain('&lt;!channel&gt; &lt;https://evil.example|click&gt;');
    expect(JSON.stringify(slack)).not.toContain('<!channel>');
  });

  it.each(['javascript:alert(1)', 'ftp://download.zoho.com/x.zip', 'http://download-accl.zoho.com/x.zip'])(
    'refuses a download link %s as a bad answer, and posts nothing',
    async (link) => {
      world = await startWorld();
      world.sandbox.completeBackup({ at: hoursAgo(1) });
      const urls = { urls: { data_links: [link], attachment_links: [], expiry_date: '2030-01-01T00:00:00+00:00' } };
      world.sandbox.inject({ endpoint: 'backup/urls', status: 200, body: JSON.stringify(urls), contentType: 'application/json' });
      await expect(world.check()).resolves.toMatchObject({ outcome: 'failed', error: { code: 'ZOHO_BAD_RESPONSE' } });
      expect(world.receiver.messages).toHaveLength(0);
    },
  );
});

describe('#8 nothing hangs', () => {
  it('gives every call a total deadline: a Zoho answer that trickles a byte at a time fails the check', async () => {
    world = await startWorld();
    world.sandbox.inject({ endpoint: 'backup/history', trickle: true, times: 5 });
    const runtime = createRuntime(loadConfig(world.settings), { store: world.store, http: { ...FAST_RETRIES, totalTimeoutMs: 300 } });

    const report = await runCheck({ ...runtime.watch });

    expect(report).toMatchObject({ outcome: 'failed', error: { code: 'ZOHO_UNREACHABLE' } });
    expect(report.error?.message).toContain('deadline');
  });

  it('gives the whole check a deadline that every call inside it honours', async () => {
    world = await startWorld();
    world.sandbox.inject({ endpoint: 'backup/history', trickle: true, times: 5 });
    const runtime = world.runtime();

    const report = await runCheck({ ...runtime.watch, deadlineMs: 300 });

    expect(report).toMatchObject({ ok: false, error: { code: 'CHECK_TIMED_OUT', message: expect.stringContaining('300 ms') } });
    // The call itself was cut off by the check's deadline, not left trickling until its own
    // (a minute): otherwise this waits past jest's 30 s and fails.
    await world.sandbox.trickleAbandoned();
  });

  it('aborts an archive download that stalls after its headers, and stores nothing', async () => {
    world = await startWorld({ archive: true, channels: ['slack'] });
    world.sandbox.completeBackup({ at: hoursAgo(1), dataParts: 1, attachmentParts: 0, partSize: 6 * 1024 * 1024 });
    await world.check();
    const [message] = await world.takeArchiveMessages();
    const runtime = world.runtime();
    // The watchdog's timer, fired by the test once bytes have flowed (each chunk refreshes it),
    // as a minute of silence would fire it: the sandbox sends no byte after the first MiB.
    const watch = { armedFor: 0, refreshes: 0 };
    const start: StartStallTimer = (onStall, ms) => {
      watch.armedFor = ms;
      return {
        refresh: () => {
          watch.refreshes += 1;
          if (watch.refreshes === 1) setImmediate(onStall);
        },
        clear: () => {},
      };
    };
    const deps = { ...runtime.archive!, stall: { ms: 60_000, start } };
    world.sandbox.inject({ endpoint: 'download', stallAfterBytes: 1024 * 1024 });

    await expect(archivePart(deps, message!)).rejects.toMatchObject({ code: 'ARCHIVE_STALLED', message: expect.stringContaining('60 s') });

    expect(watch.armedFor).toBe(60_000);
    expect(watch.refreshes).toBeGreaterThan(0);
    await expect(archiveContainer(deps.storage).getBlockBlobClient(`${message!.prefix}/Data_001.zip`).exists()).resolves.toBe(false);
  });
});

describe('#5 a backup a channel missed is not silently replaced', () => {
  it("tells the channel that missed backup N, in backup N+1's message, with N's links while they work", async () => {
    world = await startWorld();
    world.sandbox.completeBackup({ at: hoursAgo(30) });
    world.receiver.failNext('teams', { status: 404, error: 'WorkflowNotFound' });
    await expect(world.check()).resolves.toMatchObject({ outcome: 'delivery-failed' });
    const earlierLinks = (await world.watchState())?.backup?.links.data ?? [];
    world.sandbox.completeBackup({ at: hoursAgo(1) });

    await expect(world.check()).resolves.toMatchObject({ outcome: 'announced' });

    const teams = JSON.stringify(world.receiver.received('teams').at(-1)?.body);
    expect(teams).toContain('Missed here');
    expect(teams).toContain('was not delivered to this channel');
    expect(teams).toContain(earlierLinks[0]);
    const slack = JSON.stringify(world.receiver.received('slack').at(-1)?.body);
    expect(slack).not.toContain('Missed here');
  });
});

describe('#6 a channel that keeps refusing messages', () => {
  const titles = (w: World, channel: 'slack' | 'teams') =>
    w.receiver
      .received(channel)
      .map((m) => JSON.stringify(m.body).match(/(Slack|Teams) (is not taking|takes)[^"]*/)?.[0])
      .filter(Boolean);

  it('is reported once through the other channels after ALERT_AFTER_FAILURES checks, and once more when it works again', async () => {
    world = await startWorld();
    world.sandbox.completeBackup({ at: hoursAgo(1) });
    world.receiver.failNext('slack', { status: 404, error: 'no_service', times: 3 });

    for (let i = 0; i < 3; i += 1) await expect(world.check()).resolves.toMatchObject({ ok: false });
    expect(titles(world, 'teams')).toEqual(["Slack is not taking the backup monitor's messages"]);
    expect(world.receiver.received('slack')).toHaveLength(0);
    await world.check();
    await world.check();

    expect(titles(world, 'teams')).toEqual([
      "Slack is not taking the backup monitor's messages",
      "Slack takes the backup monitor's messages again",
    ]);
    expect(titles(world, 'slack')).toEqual(["Slack takes the backup monitor's messages again"]);
    const failing = JSON.stringify(world.receiver.received('teams').find((m) => JSON.stringify(m.body).includes('is not taking'))?.body);
    expect(failing).toContain('no_service');
    expect(failing).toContain('SLACK_WEBHOOK_URL');
  });
});

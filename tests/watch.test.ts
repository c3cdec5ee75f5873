import { join } from 'node:path';
import { FileStateStore } from '../shared/state/fileStore';
import { countingTableStore } from './support/azurite';
import { tempFolders } from './support/tempFolders';
import { DAY, hoursAgo, startWorld, type World, yesterdayNoonUtc } from './support/world';

const tempFolder = tempFolders();

let world: World;
afterEach(async () => {
  await world?.close();
});

function slackText(world: World, index = -1): string {
  return JSON.stringify(world.receiver.received('slack').at(index)?.body);
}

describe('the backup watch', () => {
  it('reports "no-backup" when Zoho has none; only the first run also reads the schedule', async () => {
    world = await startWorld();
    const report = await world.check();
    expect(report).toMatchObject({ outcome: 'no-backup', ok: true, zohoCalls: { history: 1, urls: 0, details: 1, tokenRefreshes: 1 } });
    await expect(world.check()).resolves.toMatchObject({
      outcome: 'no-backup',
      zohoCalls: { history: 1, urls: 0, details: 0, tokenRefreshes: 0 },
    });
    expect(world.receiver.messages).toHaveLength(0);
  });

  it('announces the latest completed backup on its first run, once per channel, and records it', async () => {
    world = await startWorld();
    world.sandbox.completeBackup({ at: hoursAgo(24 * 8), linksPending: true });
    const latest = world.sandbox.completeBackup({ at: yesterdayNoonUtc(), dataParts: 2, attachmentParts: 1 });

    const report = await world.check();

    expect(report).toMatchObject({
      outcome: 'announced',
      ok: true,
      backup: { historyId: latest.historyId, jobId: latest.jobId, parts: 3 },
    });
    expect(report.deliveries).toEqual([
      { channel: 'slack', result: 'sent' },
      { channel: 'teams', result: 'sent' },
    ]);
    expect(world.receiver.received('slack')).toHaveLength(1);
    expect(world.receiver.received('teams')).toHaveLength(1);
    expect(slackText(world)).toContain('Data 2 of 2');
    expect(slackText(world)).toContain(`/backup/${latest.jobId}/Attachments_001.zip`);
    expect(slackText(world)).toContain('in 6 days');
    const state = await world.watchState();
    expect(state?.backup).toMatchObject({ historyId: latest.historyId, jobId: latest.jobId, zgid: world.sandbox.zgid });
    expect(state?.backup?.deliveries).toMatchObject({ slack: { status: 'delivered' }, teams: { status: 'delivered' } });
    expect(state?.claim).toBeUndefined();
  });

  it('costs one Zoho call and no token refresh on a quiet check, even from a new process', async () => {
    world = await startWorld();
    world.sandbox.completeBackup({ at: hoursAgo(1) });
    await world.check();
    const before = world.sandbox.requests.length;

    const quiet = await world.check({ runtime: world.runtime() });

    expect(quiet).toMatchObject({ outcome: 'nothing-new', zohoCalls: { history: 1, urls: 0, details: 0, tokenRefreshes: 0 } });
    expect(world.sandbox.requests.slice(before).map((r) => r.endpoint)).toEqual(['backup/history']);
    expect(world.sandbox.tokensMinted).toBe(1);
    expect(world.receiver.messages).toHaveLength(2);
  });

  it('reads the watch state once and writes it once on a quiet check (the record writes from what it read)', async () => {
    const { store, counts } = countingTableStore();
    world = await startWorld({ store });
    world.sandbox.completeBackup({ at: hoursAgo(1) });
    await world.check();
    counts.reads = 0;
    counts.writes = 0;

    await expect(world.check()).resolves.toMatchObject({ outcome: 'nothing-new' });

    expect(counts).toEqual({ reads: 1, writes: 1 });
  });

  it('announces a newer backup when it completes', async () => {
    world = await startWorld({ channels: ['slack'] });
    world.sandbox.completeBackup({ at: hoursAgo(30) });
    await world.check();
    const next = world.sandbox.completeBackup({ at: hoursAgo(1) });

    await expect(world.check()).resolves.toMatchObject({ outcome: 'announced', backup: { historyId: next.historyId } });
    expect(world.receiver.received('slack')).toHaveLength(2);
    expect(slackText(world)).toContain(next.jobId);
  });

  it('does not replay a backup whose links expired before the first run; it waits for the next one', async () => {
    world = await startWorld();
    world.sandbox.completeBackup({ at: new Date(Date.now() - 8 * DAY) });

    await expect(world.check()).resolves.toMatchObject({ outcome: 'links-expired' });
    await expect(world.check()).resolves.toMatchObject({ outcome: 'nothing-new' });
    expect(world.receiver.messages).toHaveLength(0);

    world.sandbox.completeBackup({ at: hoursAgo(1) });
    await expect(world.check()).resolves.toMatchObject({ outcome: 'announced' });
    expect(world.receiver.messages).toHaveLength(2);
  });

  it('waits while /backup/urls answers 204, advancing nothing, and announces once the links are ready', async () => {
    world = await startWorld();
    const backup = world.sandbox.completeBackup({ at: hoursAgo(1), linksPending: true });

    await expect(world.check()).resolves.toMatchObject({ outcome: 'links-pending', ok: true });
    expect((await world.watchState())?.backup).toBeUndefined();
    expect(world.receiver.messages).toHaveLength(0);

    world.sandbox.publishLinks();
    await expect(world.check()).resolves.toMatchObject({ outcome: 'announced', backup: { historyId: backup.historyId } });
  });

  it('treats links that still belong to the previous backup as not ready', async () => {
    world = await startWorld({ channels: ['slack'] });
    world.sandbox.completeBackup({ at: hoursAgo(48) });
    await world.check();
    // A new completed row appears, but Zoho still serves the previous job's links.
    world.sandbox.addRow({ at: hoursAgo(1), action: null, state: 'completed', repeatType: 'weekly' });

    await expect(world.check()).resolves.toMatchObject({ outcome: 'links-pending' });
    expect(world.receiver.received('slack')).toHaveLength(1);
  });

  it('retries only the channel that failed: Slack down, Teams up', async () => {
    world = await startWorld();
    world.sandbox.completeBackup({ at: hoursAgo(1) });
    world.receiver.failNext('slack', { status: 404, error: 'no_service' });

    const first = await world.check();

    expect(first).toMatchObject({ outcome: 'delivery-failed', ok: false });
    expect(first.deliveries).toEqual([
      {
        channel: 'slack',
        result: 'failed',
        error: expect.objectContaining({ code: 'SLACK_REJECTED', message: 'Slack refused the message: HTTP 404 no_service' }),
      },
      { channel: 'teams', result: 'sent' },
    ]);
    expect(first.deliveries[0]?.error?.hint).toMatch(/SLACK_WEBHOOK_URL/);
    expect((await world.watchState())?.lastError).toMatchObject({ code: 'SLACK_REJECTED' });

    const second = await world.check();

    expect(second.deliveries).toEqual([
      { channel: 'slack', result: 'sent' },
      { channel: 'teams', result: 'already-sent' },
    ]);
    expect(world.receiver.received('slack')).toHaveLength(1);
    expect(world.receiver.received('teams')).toHaveLength(1);
    expect(second.zohoCalls).toMatchObject({ history: 1, urls: 0 });
  });

  it('leaves the state as it was when Zoho answers something that is not JSON', async () => {
    world = await startWorld();
    world.sandbox.completeBackup({ at: hoursAgo(30) });
    await world.check();
    const before = (await world.watchState())?.backup;
    world.sandbox.completeBackup({ at: hoursAgo(1) });
    world.sandbox.inject({ endpoint: 'backup/urls', status: 200, body: '<html>oops</html>', contentType: 'text/html' });

    const report = await world.check();

    expect(report).toMatchObject({ outcome: 'failed', ok: false, error: { code: 'ZOHO_BAD_RESPONSE' } });
    expect(report.error?.message).toContain('backup/urls');
    expect((await world.watchState())?.backup).toEqual(before);
    expect(world.receiver.messages).toHaveLength(2);
    await expect(world.check()).resolves.toMatchObject({ outcome: 'announced' });
  });

  it('sends exactly one message per channel when three runs overlap on one Table state', async () => {
    world = await startWorld();
    world.sandbox.completeBackup({ at: hoursAgo(1) });
    world.sandbox.gate('backup/history', 3);

    const reports = await Promise.all([1, 2, 3].map(() => world.check({ runtime: world.runtime() })));

    expect(world.receiver.received('slack')).toHaveLength(1);
    expect(world.receiver.received('teams')).toHaveLength(1);
    expect(reports.filter((r) => r.outcome === 'announced')).toHaveLength(1);
    expect(reports.map((r) => r.outcome).filter((o) => !['announced', 'claimed-elsewhere', 'nothing-new'].includes(o))).toEqual([]);
    await expect(world.check()).resolves.toMatchObject({ outcome: 'nothing-new' });
  });

  it('sends exactly one message per channel when three runs overlap on one state file', async () => {
    const store = new FileStateStore(join(tempFolder('watch-'), 'state.json'));
    world = await startWorld({ store });
    world.sandbox.completeBackup({ at: hoursAgo(1) });
    world.sandbox.gate('backup/history', 3);

    await Promise.all([1, 2, 3].map(() => world.check({ runtime: world.runtime() })));

    expect(world.receiver.received('slack')).toHaveLength(1);
    expect(world.receiver.received('teams')).toHaveLength(1);
  });

  it('takes over a backup whose claim lapsed (a run died mid-send) and finishes it', async () => {
    world = await startWorld({ channels: ['slack'] });
    world.sandbox.completeBackup({ at: hoursAgo(1) });
    const runtime = world.runtime();
    await world.store.write(
      runtime.org.key,
      'watch',
      { claim: { owner: 'dead-run', until: new Date(Date.now() - 1000).toISOString() } },
      undefined,
    );

    await expect(world.check()).resolves.toMatchObject({ outcome: 'announced' });
    expect(world.receiver.received('slack')).toHaveLength(1);
  });

  it('leaves a backup alone while another run holds its claim', async () => {
    world = await startWorld({ channels: ['slack'] });
    world.sandbox.completeBackup({ at: hoursAgo(1) });
    const runtime = world.runtime();
    await world.store.write(
      runtime.org.key,
      'watch',
      { claim: { owner: 'busy-run', until: new Date(Date.now() + 60_000).toISOString() } },
      undefined,
    );

    await expect(world.check()).resolves.toMatchObject({ outcome: 'claimed-elsewhere', ok: true });
    expect(world.receiver.messages).toHaveLength(0);
  });

  it("fits a 40-part backup within Slack's and Teams' limits, with every part linked", async () => {
    world = await startWorld();
    world.sandbox.completeBackup({ at: hoursAgo(1), dataParts: 30, attachmentParts: 10 });

    await expect(world.check()).resolves.toMatchObject({ outcome: 'announced' });

    const slack = world.receiver.received('slack')[0]?.body as { blocks: Array<{ type: string; elements?: Array<{ url?: string }> }> };
    expect(slack.blocks.length).toBeLessThanOrEqual(50);
    expect(slack.blocks.flatMap((b) => b.elements ?? []).filter((e) => e.url)).toHaveLength(40);
    expect(slackText(world)).toContain('Data 30 of 30');
    expect(slackText(world)).toContain('Attachments 10 of 10');
    const teams = world.receiver.received('teams')[0]!;
    expect(teams.bytes).toBeLessThan(28 * 1024);
    expect(JSON.stringify(teams.body).match(/Attachments_0\d\d\.zip/g)).toHaveLength(10);
  });

  it('renders but neither sends nor records on a dry run', async () => {
    world = await startWorld();
    world.sandbox.completeBackup({ at: hoursAgo(1) });

    const report = await world.check({ dryRun: true });

    expect(report).toMatchObject({
      outcome: 'dry-run',
      deliveries: [
        { channel: 'slack', result: 'would-send' },
        { channel: 'teams', result: 'would-send' },
      ],
    });
    expect(JSON.stringify(report.preview?.slack)).toContain('Zoho CRM backup ready');
    expect(report.preview?.teams).toMatchObject({ type: 'message' });
    expect(world.receiver.messages).toHaveLength(0);
    expect(await world.watchState()).toBeUndefined();
  });

  it('keeps secrets out of every log line, error, report, message and status', async () => {
    world = await startWorld();
    const secrets = [
      world.settings.ZOHO_CLIENT_SECRET!,
      world.settings.ZOHO_REFRESH_TOKEN!,
      world.receiver.slackUrl,
      world.receiver.teamsUrl,
    ];
    const outputs: unknown[] = [];
    world.sandbox.completeBackup({ at: hoursAgo(30) });
    outputs.push(await world.check());
    world.sandbox.completeBackup({ at: hoursAgo(1) });
    world.receiver.failNext('slack', { status: 500, error: 'internal_error' });
    world.receiver.failNext('teams', { status: 400, error: 'TriggerInputSchemaMismatch' });
    outputs.push(await world.check());
    world.receiver.failNext('slack', { status: 0, dropConnection: true });
    outputs.push(await world.check());
    world.sandbox.revokeAccessTokens();
    world.sandbox.inject({ endpoint: 'backup/history', code: 'OAUTH_SCOPE_MISMATCH' });
    outputs.push(await world.check());
    world.sandbox.revokeRefreshToken();
    world.sandbox.revokeAccessTokens();
    outputs.push(await world.check({ runtime: world.runtime() }));
    outputs.push(await world.watchState());

    const accessTokens = [...new Set(world.sandbox.requests.map((r) => r.authorization?.split(' ')[1]).filter((t): t is string => !!t))];
    expect(accessTokens.length).toBeGreaterThan(0);
    const text = [JSON.stringify(outputs), ...world.logLines, JSON.stringify(world.receiver.messages)].join('\n');
    for (const secret of [...secrets, ...accessTokens]) expect(text).not.toContain(secret);
    expect(outputs.at(-2)).toMatchObject({ outcome: 'failed', error: { code: 'ZOHO_INVALID_REFRESH_TOKEN' } });
  });
});

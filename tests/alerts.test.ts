/**
 * Stories for the alerts beyond "backup ready", over the sandbox, local Slack/Teams receivers
 * and Azurite: each raised once, not repeated, raised again for a new occurrence.
 */
import { SANDBOX_ADMIN, zohoDate } from '../sandbox/zohoSandbox';
import type { WatchState } from '../shared/state/watchState';
import { DAY, HOUR, hoursAgo, startWorld, type World } from './support/world';

let world: World;
afterEach(async () => {
  await world?.close();
});

function texts(w: World, channel: 'slack' | 'teams' = 'slack'): string[] {
  return w.receiver.received(channel).map((m) => JSON.stringify(m.body));
}

function titled(w: World, title: string, channel: 'slack' | 'teams' = 'slack'): string[] {
  return texts(w, channel).filter((t) => t.includes(`"${title}"`));
}

function scheduled(at: Date, status: 'SCHEDULED' | 'STOPPED' | 'INPROGRESS' = 'SCHEDULED') {
  return {
    id: '4876876000001593003',
    scheduled_date: zohoDate(at),
    start_date: zohoDate(new Date(at.getTime() - 7 * DAY)),
    rrule: 'RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=SU',
    requester: SANDBOX_ADMIN,
    status,
  };
}

describe('failed backups', () => {
  it('alerts once with when, who and what to do; again for a new failure', async () => {
    world = await startWorld();
    world.sandbox.completeBackup({ at: hoursAgo(7 * 24) });
    world.sandbox.failBackup(hoursAgo(2));

    const first = await world.check();

    expect(first.alerts).toEqual([
      expect.objectContaining({
        kind: 'backup-failed',
        deliveries: [
          { channel: 'slack', result: 'sent' },
          { channel: 'teams', result: 'sent' },
        ],
      }),
    ]);
    const [slack] = titled(world, 'Zoho CRM backup failed');
    expect(slack).toContain('Patricia Boyle');
    expect(slack).toContain('retry from Zoho CRM Setup &gt; Data Administration &gt; Export/Backup'); // Slack escapes >
    const teams = titled(world, 'Zoho CRM backup failed', 'teams');
    expect(teams).toHaveLength(1);
    expect(teams[0]).toContain('retry from Zoho CRM Setup > Data Administration > Export/Backup, or schedule an immediate backup');

    await expect(world.check()).resolves.toMatchObject({ alerts: [] });
    expect(titled(world, 'Zoho CRM backup failed')).toHaveLength(1);

    world.sandbox.failBackup(new Date()); // the next scheduled run fails too
    await expect(world.check()).resolves.toMatchObject({ alerts: [expect.objectContaining({ kind: 'backup-failed' })] });
    expect(titled(world, 'Zoho CRM backup failed')).toHaveLength(2);
  });

  it('does not dig up an old failure that a later backup superseded', async () => {
    world = await startWorld();
    world.sandbox.failBackup(hoursAgo(10 * 24));
    world.sandbox.completeBackup({ at: hoursAgo(3 * 24) });
    await expect(world.check()).resolves.toMatchObject({ outcome: 'announced', alerts: [] });
  });

  it('sends exactly one alert per channel when three runs overlap on one Table state', async () => {
    world = await startWorld();
    world.sandbox.failBackup(hoursAgo(1));
    world.sandbox.gate('backup/history', 3);
    await Promise.all([1, 2, 3].map(() => world.check({ runtime: world.runtime() })));
    expect(titled(world, 'Zoho CRM backup failed')).toHaveLength(1);
    expect(titled(world, 'Zoho CRM backup failed', 'teams')).toHaveLength(1);
  });

  it('retries only the channel that missed the alert', async () => {
    world = await startWorld();
    world.sandbox.failBackup(hoursAgo(1));
    world.receiver.failNext('teams', { status: 404, error: 'WorkflowNotFound' });
    const first = await world.check();
    expect(first.ok).toBe(false);
    const second = await world.check();
    expect(second.alerts).toEqual([
      expect.objectContaining({
        kind: 'backup-failed',
        deliveries: [
          { channel: 'slack', result: 'already-sent' },
          { channel: 'teams', result: 'sent' },
        ],
      }),
    ]);
    expect(titled(world, 'Zoho CRM backup failed')).toHaveLength(1);
    expect(titled(world, 'Zoho CRM backup failed', 'teams')).toHaveLength(1);
  });
});

describe('stopped schedule', () => {
  it('says no further backups will run, and who stopped it, once', async () => {
    world = await startWorld({ channels: ['slack'] });
    world.sandbox.completeBackup({ at: hoursAgo(30 * 24) });
    world.sandbox.addRow({ at: hoursAgo(40 * 24), action: 'scheduled', state: null, repeatType: 'weekly' });
    world.sandbox.stopSchedule(hoursAgo(20 * 24));

    await world.check();
    await world.check();

    const [stopped, ...more] = titled(world, 'Zoho CRM backups stopped');
    expect(more).toHaveLength(0);
    expect(stopped).toContain('no further backups will run');
    expect(stopped).toContain('stopped by Patricia Boyle');
  });
});

describe('overdue backups', () => {
  it('alerts once when the scheduled time passed by more than the grace period, calling /backup only when it can matter', async () => {
    world = await startWorld({ channels: ['slack'] });
    world.sandbox.completeBackup({ at: hoursAgo(7 * 24 + 8) });
    world.sandbox.backup = scheduled(hoursAgo(8));

    const first = await world.check();
    expect(first.zohoCalls.details).toBe(1);
    expect(first.alerts).toEqual([expect.objectContaining({ kind: 'backup-overdue' })]);
    expect(titled(world, 'Zoho CRM backup overdue')[0]).toContain('has not completed: it is more than 6 hours overdue');

    for (let i = 0; i < 3; i += 1) {
      await expect(world.check()).resolves.toMatchObject({ alerts: [], zohoCalls: { history: 1, urls: 0, details: 0 } });
    }
    expect(titled(world, 'Zoho CRM backup overdue')).toHaveLength(1);
  });

  it('stays quiet within the grace period, then looks again once it has passed', async () => {
    world = await startWorld({ channels: ['slack'] });
    const due = hoursAgo(2);
    world.sandbox.backup = scheduled(due);
    await expect(world.check()).resolves.toMatchObject({ alerts: [], zohoCalls: { details: 1 } });
    await expect(world.check()).resolves.toMatchObject({ alerts: [], zohoCalls: { details: 0 } });

    const later = new Date(due.getTime() + 6 * HOUR + 60_000);
    const report = await world.check({ now: later });
    expect(report.zohoCalls.details).toBe(1);
    expect(report.alerts).toEqual([expect.objectContaining({ kind: 'backup-overdue' })]);
  });

  it('is not raised when the backup ran', async () => {
    world = await startWorld({ channels: ['slack'] });
    world.sandbox.backup = scheduled(hoursAgo(8));
    world.sandbox.completeBackup({ at: hoursAgo(7) });
    await expect(world.check()).resolves.toMatchObject({ outcome: 'announced', alerts: [] });
  });
});

describe('monitor health', () => {
  it('alerts at once when a person must fix the credentials, once, and says "recovered" once', async () => {
    world = await startWorld();
    world.sandbox.revokeRefreshToken();

    const failed = await world.check();
    expect(failed.alerts).toEqual([expect.objectContaining({ kind: 'monitor-unhealthy' })]);
    const [alert] = titled(world, 'Zoho backup monitor cannot check backups');
    expect(alert).toContain('ZOHO_INVALID_REFRESH_TOKEN');
    expect(alert).toContain('What to do: Authorize the org again: \\"zoho-backup-notifier auth\\"');
    expect(alert).not.toContain(world.settings.ZOHO_REFRESH_TOKEN);

    await world.check();
    await world.check();
    expect(titled(world, 'Zoho backup monitor cannot check backups')).toHaveLength(1);

    world.sandbox.restoreRefreshToken();
    const recovered = await world.check();
    expect(recovered.alerts).toEqual([expect.objectContaining({ kind: 'monitor-recovered' })]);
    await world.check();
    expect(titled(world, 'Zoho backup monitor recovered')).toHaveLength(1);
    expect(titled(world, 'Zoho backup monitor recovered', 'teams')).toHaveLength(1);
  });

  it('waits for ALERT_AFTER_FAILURES consecutive failures of a passing kind', async () => {
    world = await startWorld({ channels: ['slack'] });
    world.sandbox.inject({ endpoint: 'backup/history', code: 'INTERNAL_ERROR', times: 9 }); // 3 checks x 3 attempts

    await world.check();
    await world.check();
    expect(titled(world, 'Zoho backup monitor cannot check backups')).toHaveLength(0);
    await world.check();
    const [alert] = titled(world, 'Zoho backup monitor cannot check backups');
    expect(alert).toContain('INTERNAL_ERROR');
    expect(alert).toContain('*Failed checks*\\n3');

    await world.check();
    expect(titled(world, 'Zoho backup monitor recovered')).toHaveLength(1);
  });

  it('says nothing about a passing failure that healed before the threshold', async () => {
    world = await startWorld({ channels: ['slack'] });
    world.sandbox.inject({ endpoint: 'backup/history', code: 'INTERNAL_ERROR', times: 3 });
    await world.check();
    await world.check();
    expect(world.receiver.messages).toHaveLength(0);
    const state = (await world.watchState()) as WatchState;
    expect(state.health).toEqual({ consecutiveFailures: 0 });
  });
});

describe('expiring links', () => {
  it('reminds once, REMIND_BEFORE_EXPIRY before the links expire, with the links', async () => {
    world = await startWorld({ channels: ['slack'] });
    const backup = world.sandbox.completeBackup({ at: hoursAgo(1) });
    await world.check();
    const expiresAt = Date.parse((await world.watchState())!.backup!.expiresAt);

    await expect(world.check({ now: new Date(expiresAt - 25 * HOUR) })).resolves.toMatchObject({ alerts: [] });
    const reminded = await world.check({ now: new Date(expiresAt - 23 * HOUR) });
    expect(reminded.alerts).toEqual([expect.objectContaining({ kind: 'links-expiring', occurrence: backup.historyId })]);
    await expect(world.check({ now: new Date(expiresAt - 22 * HOUR) })).resolves.toMatchObject({ alerts: [] });

    const [reminder, ...more] = titled(world, 'Zoho CRM backup links expire soon');
    expect(more).toHaveLength(0);
    expect(reminder).toContain(`/backup/${backup.jobId}/Data_001.zip`);
    // 23 hours ahead: tomorrow by the calendar, unless it is still today (the run's clock decides).
    expect(reminder).toMatch(/\((in 23 hours|tomorrow)\)/);
  });

  it('does not remind when the announcement itself came inside the reminder window', async () => {
    world = await startWorld({ channels: ['slack'] });
    world.sandbox.completeBackup({ at: hoursAgo(1), linksValidDays: 0.5 });
    await world.check();
    await world.check();
    expect(titled(world, 'Zoho CRM backup links expire soon')).toHaveLength(0);
  });

  it('is off with REMIND_BEFORE_EXPIRY=0, and skipped for an archived backup', async () => {
    world = await startWorld({ channels: ['slack'], settings: { REMIND_BEFORE_EXPIRY: '0' } });
    world.sandbox.completeBackup({ at: hoursAgo(1) });
    await world.check();
    const expiresAt = Date.parse((await world.watchState())!.backup!.expiresAt);
    await expect(world.check({ now: new Date(expiresAt - HOUR) })).resolves.toMatchObject({ alerts: [] });
    await world.close();

    world = await startWorld({ channels: ['slack'] });
    world.sandbox.completeBackup({ at: hoursAgo(1) });
    await world.check();
    const runtime = world.runtime();
    const record = await world.store.read<WatchState>(runtime.org.key, 'watch');
    await world.store.write(
      runtime.org.key,
      'watch',
      { ...record!.value, backup: { ...record!.value.backup!, archived: true } },
      record!.etag,
    );
    await expect(world.check({ now: new Date(Date.parse(record!.value.backup!.expiresAt) - HOUR) })).resolves.toMatchObject({ alerts: [] });
  });
});

describe('costs and status', () => {
  it('keeps quiet checks at one Zoho call with alerts in place', async () => {
    world = await startWorld({ channels: ['slack'] });
    world.sandbox.backup = scheduled(new Date(Date.now() + 3 * DAY));
    world.sandbox.completeBackup({ at: hoursAgo(5) });
    world.sandbox.failBackup(hoursAgo(30));
    await world.check();
    const before = world.sandbox.requests.length;
    for (let i = 0; i < 5; i += 1) await world.check({ runtime: world.runtime() });
    expect(world.sandbox.requests.slice(before).map((r) => r.endpoint)).toEqual(Array(5).fill('backup/history'));
  });
});

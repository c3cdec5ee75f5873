/** The check's pure planning, table by table: what to do about the newest backup and which alerts to send. */
import { DEFAULT_ALERT_SETTINGS } from '../shared/defaults';
import type { Channel } from '../shared/notify/notice';
import type { AlertRecord, ChannelDelivery, TrackedBackup, WatchState } from '../shared/state/watchState';
import { planAlerts, planHealthAlert } from '../shared/watch/planAlerts';
import { newestCompletedBackup, planBackup, planLinks } from '../shared/watch/planBackup';
import type { DatedHistoryRow, DownloadUrls, HistoryRow } from '../shared/zoho/schemas';

const NOW = new Date('2026-11-25T12:00:00Z');
const HOUR = 3_600_000;
const ago = (hours: number) => new Date(NOW.getTime() - hours * HOUR).toISOString();
const ahead = (hours: number) => new Date(NOW.getTime() + hours * HOUR).toISOString();
const BOTH: Channel[] = ['slack', 'teams'];
const PLAN = { org: { key: 'eu:zylker', name: 'Zylker' }, channels: BOTH, ctx: { timezone: 'UTC', now: NOW } };
const delivered: ChannelDelivery = { status: 'delivered', at: ago(1), attempts: 1 };
const refused: ChannelDelivery = { status: 'failed', at: ago(1), attempts: 1, code: 'TEAMS_REJECTED' };

const completed = (id: string, hoursAgo: number): DatedHistoryRow => ({ id, log_time: ago(hoursAgo), state: 'completed', action: null });
const link = (job: string, file = 'Data_001.zip') => `https://download-accl.zoho.com/v2/crm/757345985/backup/${job}/${file}`;

function tracked(fields: Partial<TrackedBackup> = {}): TrackedBackup {
  return {
    historyId: 'h1',
    logTime: ago(10),
    jobId: '5001',
    expiresAt: ahead(150),
    links: { data: [link('5001')], attachments: [] },
    announce: true,
    deliveries: { slack: delivered, teams: delivered },
    ...fields,
  };
}

describe('newestCompletedBackup', () => {
  const row = (id: string, log_time: string | null, state: string | null) => ({ id, log_time, state, action: null });
  it('picks the completed row with the latest log_time, whatever the order; a row without one by its id', () => {
    const rows = [
      row('1', '2026-11-01T10:00:00+00:00', 'completed'),
      row('3', '2026-11-15T10:00:00+05:30', 'completed'),
      row('4', '2026-11-20T10:00:00+00:00', 'failure'),
      row('2', '2026-11-15T10:00:00+00:00', 'completed'),
    ];
    expect(newestCompletedBackup(rows)?.id).toBe('2');
    expect(newestCompletedBackup([...rows].reverse())?.id).toBe('2');
    // Seed 003: an immediate backup has no log_time; record ids grow with time.
    expect(newestCompletedBackup([...rows, row('5', null, 'completed')])?.id).toBe('5');
    expect(newestCompletedBackup([row('0', null, 'completed'), ...rows])?.id).toBe('2');
    expect(newestCompletedBackup([row('9', '2026-11-01T10:00:00+00:00', null)])).toBeUndefined();
    expect(newestCompletedBackup([])).toBeUndefined();
  });
});

describe('planBackup', () => {
  it.each<[string, HistoryRow[], WatchState, string]>([
    ['no completed backup', [], {}, 'report:no-backup'],
    ['first run: a completed backup', [completed('h1', 10)], {}, 'fetch-links'],
    ['a newer backup than the tracked one', [completed('h1', 10), completed('h2', 1)], { backup: tracked() }, 'fetch-links'],
    ['the tracked backup, delivered everywhere', [completed('h1', 10)], { backup: tracked() }, 'settle'],
    [
      'the tracked backup, Teams still missing it',
      [completed('h1', 10)],
      { backup: tracked({ deliveries: { slack: delivered, teams: refused } }) },
      'announce',
    ],
    [
      'the tracked backup, missing but its links expired',
      [completed('h1', 10)],
      { backup: tracked({ deliveries: {}, expiresAt: ago(1) }) },
      'settle',
    ],
    [
      'the tracked backup, first seen after expiry (never announced)',
      [completed('h1', 10)],
      { backup: tracked({ deliveries: {}, announce: false }) },
      'settle',
    ],
  ])('%s -> %s', (_case, rows, state, expected) => {
    const action = planBackup(rows, state, PLAN);
    expect(action.do === 'report' ? `report:${action.outcome}` : action.do).toBe(expected);
  });
});

describe('planLinks', () => {
  const newest = completed('h2', 1);
  const urls = (job: string, expiresInHours: number): DownloadUrls => ({
    data_links: [link(job)],
    attachment_links: [],
    expiry_date: ahead(expiresInHours),
  });
  it.each<[string, DownloadUrls | null, TrackedBackup | undefined, string]>([
    ['Zoho answered 204', null, undefined, 'report:links-pending'],
    ['the links still carry the previous job id', urls('5001', 160), tracked(), 'report:links-pending'],
    ['the links expire before this backup completed', { ...urls('5002', 0), expiry_date: ago(2) }, tracked(), 'report:links-pending'],
    ['fresh links of this backup', urls('5002', 167), tracked(), 'announce'],
    ['links of this backup that expired already', { ...urls('5002', 0), expiry_date: ago(0.5) }, undefined, 'record-expired'],
  ])('%s -> %s', (_case, answer, previous, expected) => {
    const action = planLinks(newest, answer, previous, PLAN);
    expect(action.do === 'report' ? `report:${action.outcome}` : action.do).toBe(expected);
    if (action.do === 'announce')
      expect(action.backup).toMatchObject({ historyId: 'h2', jobId: '5002', zgid: '757345985', deliveries: {} });
  });
});

describe('planAlerts', () => {
  const ctx = { timezone: 'UTC', now: NOW };
  const input = (state: WatchState, rows: HistoryRow[] = []) => ({
    rows,
    state,
    now: NOW,
    settings: DEFAULT_ALERT_SETTINGS,
    orgName: 'Zylker',
    channels: BOTH,
    ctx,
  });
  const failure: HistoryRow = { id: 'f1', log_time: ago(1), state: 'failure', action: null };
  const record = (deliveries: AlertRecord['deliveries'], occurrence = 'f1'): AlertRecord => ({
    kind: 'backup-failed',
    occurrence,
    raisedAt: ago(1),
    notice: { title: 'Zoho CRM backup failed', tone: 'danger', summary: 'failed', facts: [], links: [] },
    deliveries,
  });

  it.each<[string, WatchState, string[]]>([
    ['a new failure', {}, ['backup-failed:f1']],
    ['the same failure, delivered everywhere', { alerts: { 'backup-failed': record({ slack: delivered, teams: delivered }) } }, []],
    [
      'the same failure, Teams missed it',
      { alerts: { 'backup-failed': record({ slack: delivered, teams: refused }) } },
      ['backup-failed:f1'],
    ],
    [
      'an older failure was alerted; this one is new',
      { alerts: { 'backup-failed': record({ slack: delivered, teams: delivered }, 'f0') } },
      ['backup-failed:f1'],
    ],
  ])('%s -> %j', (_case, state, expected) => {
    expect(planAlerts(input(state, [failure])).map((s) => `${s.kind}:${s.occurrence}`)).toEqual(expected);
  });

  it('resends a missed alert the detectors no longer report, with the very same message', () => {
    const archived = { ...record({ slack: delivered }, 'h1/Data_001.zip'), kind: 'archive-failed' as const };
    const steps = planAlerts(input({ alerts: { 'archive-failed:Data_001.zip': archived } }));
    expect(steps).toEqual([
      { kind: 'archive-failed', occurrence: 'h1/Data_001.zip', notice: archived.notice, key: 'archive-failed:Data_001.zip' },
    ]);
  });

  it.each<[string, WatchState, string | undefined]>([
    ['no incident', {}, undefined],
    [
      'an incident not worth telling yet',
      { health: { consecutiveFailures: 1, incident: { since: ago(1), code: 'ZOHO_UNREACHABLE', message: 'x', alerted: false } } },
      undefined,
    ],
    [
      'an alerted incident',
      { health: { consecutiveFailures: 3, incident: { since: ago(1), code: 'ZOHO_UNREACHABLE', message: 'x', alerted: true } } },
      'monitor-unhealthy',
    ],
    [
      'a resolved incident',
      {
        health: {
          consecutiveFailures: 0,
          incident: { since: ago(1), code: 'ZOHO_UNREACHABLE', message: 'x', alerted: true, resolvedAt: ago(0) },
        },
      },
      'monitor-recovered',
    ],
  ])('planHealthAlert: %s -> %s', (_case, state, expected) => {
    expect(planHealthAlert(state, 'Zylker', BOTH, ctx)?.kind).toBe(expected);
  });
});

/**
 * Every card the product can send, as Teams Workflows reads it: "Post card in a chat or channel"
 * renders Adaptive Cards up to 1.4 and shows "We're sorry, this card couldn't be displayed" for
 * anything newer. Microsoft's own `adaptivecards` package parses each card at target version
 * 1.4: a property or element that 1.4 lacks is a parse event, and so is an unknown element.
 * (Its `lib` build is ES modules without file extensions, which Node cannot load; its `dist`
 * build is the same library as one CommonJS file.)
 */
import type * as AdaptiveCards from 'adaptivecards';
import { TEST_NOTICE } from '../cli/commands';
import {
  backupFailedNotice,
  backupOverdueNotice,
  channelFailingNotice,
  channelRecoveredNotice,
  linksExpiringNotice,
  monitorRecoveredNotice,
  monitorUnhealthyNotice,
  scheduleStoppedNotice,
} from '../shared/notify/alertNotices';
import { archivedNotice, archiveFailedNotice } from '../shared/notify/archiveNotices';
import { backupReadyNotice, withMissedBackup } from '../shared/notify/backupReady';
import type { Notice } from '../shared/notify/notice';
import { renderTeamsMessage } from '../shared/notify/teams';

// The package's only build that Node can load is CommonJS (see above).
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof AdaptiveCards;

const ctx = { timezone: 'Europe/Berlin', now: new Date('2026-11-22T08:00:00Z') };
const org = 'Zylker [EU] *Sales* & <Co>';
const url = (kind: string, i: number) =>
  `https://download-accl.zoho.com/v2/crm/757345985/backup/4876876000001594004/${kind}_${String(i).padStart(3, '0')}.zip`;
const links = (parts: number) => ({
  data: Array.from({ length: parts }, (_, i) => url('Data', i + 1)),
  attachments: [url('Attachments', 1)],
});
const backup = {
  historyId: '1',
  logTime: '2026-11-21T17:31:03Z',
  expiresAt: '2026-11-28T17:31:03Z',
  links: links(2),
  announce: true,
  deliveries: {},
};
const ready = (parts: number) =>
  backupReadyNotice(
    { orgName: org, completedAt: new Date(backup.logTime), expiresAt: new Date(backup.expiresAt), links: links(parts), doneBy: 'Patricia' },
    ctx,
  );
const incident = { since: '2026-11-22T06:00:00Z', code: 'ZOHO_AUTH', message: 'invalid_code', hint: 'Run `auth` again.' };

const NOTICES: Array<[string, Notice]> = [
  ['backup ready', ready(3)],
  ['backup ready, many parts', ready(2000)],
  ['backup ready, with a missed backup', withMissedBackup(ready(2), backup, ctx)],
  ['backup failed', backupFailedNotice(org, { at: '2026-11-22T01:00:00Z', by: 'Patricia', repeatType: 'weekly' }, ctx)],
  ['schedule stopped', scheduleStoppedNotice(org, { at: '2026-11-22T01:00:00Z', by: 'Patricia' }, ctx)],
  ['backup overdue', backupOverdueNotice(org, { scheduledFor: '2026-11-21T01:00:00Z', by: 'Patricia' }, 6 * 3_600_000, ctx)],
  ['links expiring', linksExpiringNotice(org, backup, ctx)],
  ['monitor unhealthy', monitorUnhealthyNotice(org, incident, 3, ctx)],
  ['monitor recovered', monitorRecoveredNotice(org, incident, ctx)],
  ['channel failing', channelFailingNotice(org, 'slack', incident, 3, ctx)],
  ['channel recovered', channelRecoveredNotice(org, 'slack', incident, ctx)],
  ['archived', archivedNotice(org, 'backups/zylker/2026-11-21', 3 * 1024 ** 3, 4, backup, ctx)],
  ['archive failed', archiveFailedNotice(org, 'Data_001.zip', 'the link expired', backup.expiresAt, ctx)],
  ['test message', TEST_NOTICE],
];

/** What Microsoft's parser reports for a card read as a 1.4 host reads it. */
function parseEvents(card: object): string[] {
  const context = new AC.SerializationContext(AC.Versions.v1_4);
  const parsed = new AC.AdaptiveCard();
  parsed.parse(card, context);
  const events = Array.from({ length: context.eventCount }, (_, i) => context.getEventAt(i).message);
  return [...events, ...parsed.validateProperties().validationEvents.map((e) => e.message)];
}

it('finds what a 1.4 host cannot show (so that the check below can fail)', () => {
  const card = { type: 'AdaptiveCard', version: '1.4', body: [{ type: 'TextBlock', text: 'x', style: 'heading' }, { type: 'Table' }] };
  expect(parseEvents(card)).toEqual([
    'Property "style" is supported in version 1.5, but you are using version 1.4.',
    expect.stringContaining('Unknown element type "Table"'),
  ]);
});

it.each(NOTICES)('sends the %s card as Adaptive Card 1.4, which parses at 1.4 with no event', (_kind, notice) => {
  const message = renderTeamsMessage(notice, ctx);
  const card = message.attachments[0]!.content;
  expect(card.version).toBe('1.4');
  expect(parseEvents(card)).toEqual([]);
});

import { WebhookReceiver } from '../sandbox/webhookReceiver';
import { createRetryingHttp } from '../shared/http';
import { monitorUnhealthyNotice } from '../shared/notify/alertNotices';
import { backupReadyNotice, idsFromLink, labelledParts } from '../shared/notify/backupReady';
import { DeliveryError } from '../shared/notify/delivery';
import { formatDateTime, formatRelative, type Notice } from '../shared/notify/notice';
import { renderSlackMessage } from '../shared/notify/slack';
import { SlackNotifier } from '../shared/notify/slackClient';
import { renderTeamsMessage, TEAMS_MAX_BYTES, TeamsNotifier } from '../shared/notify/teams';

const now = new Date('2026-11-22T08:00:00Z');
const link = (kind: string, i: number) =>
  `https://download-accl.zoho.com/v2/crm/757345985/backup/4876876000001594004/${kind}_${String(i).padStart(3, '0')}.zip`;

function notice(dataParts: number, attachmentParts = 1, orgName = 'Zylker <Europe> & Co'): Notice {
  return backupReadyNotice(
    {
      orgName,
      completedAt: new Date('2026-11-21T17:31:03Z'),
      expiresAt: new Date('2026-11-28T17:31:03Z'),
      links: {
        data: Array.from({ length: dataParts }, (_, i) => link('Data', i + 1)),
        attachments: Array.from({ length: attachmentParts }, (_, i) => link('Attachments', i + 1)),
      },
      ...idsFromLink(link('Data', 1)),
      doneBy: 'Patricia Boyle',
    },
    { timezone: 'Asia/Kolkata', now },
  );
}

describe('the backup-ready notice', () => {
  it('labels every part so a reader can tell none is missing', () => {
    expect(labelledParts({ data: ['a', 'b'], attachments: ['c'] }).map((p) => p.label)).toEqual([
      'Data 1 of 2',
      'Data 2 of 2',
      'Attachments 1 of 1',
    ]);
  });

  it("reads the org and job ids from Zoho's link", () => {
    expect(idsFromLink(link('Data', 1))).toEqual({ zgid: '757345985', jobId: '4876876000001594004' });
    expect(idsFromLink('https://example.com/file.zip')).toEqual({});
  });

  it('gives the expiry in the configured time zone and relative to now', () => {
    const n = notice(1);
    expect(n.facts.find((f) => f.label === 'Links expire')?.value).toBe('Sat, 28 Nov 2026, 23:01 GMT+5:30 (in 6 days)');
    expect(n.summary).toContain('2 files');
    expect(n.note).toMatch(/Zoho sign-in/);
  });

  it('says "in 5 hours" or "3 days ago" as the distance demands', () => {
    expect(formatRelative(new Date(now.getTime() + 5 * 3_600_000 + 60_000), now)).toBe('in 5 hours');
    expect(formatRelative(new Date(now.getTime() - 3 * 86_400_000), now)).toBe('3 days ago');
    expect(formatDateTime(now, 'UTC')).toBe('Sun, 22 Nov 2026, 08:00 UTC');
  });
});

describe('Slack rendering', () => {
  it('has a header, the facts, one button per part and the sign-in note', () => {
    const message = renderSlackMessage(notice(2));
    // The note (what to do) is a section, as readable as the rest.
    expect(message.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'actions', 'section']);
    const buttons = (message.blocks[3] as unknown as { elements: Array<{ text: { text: string }; url: string }> }).elements;
    expect(buttons.map((b) => b.text.text)).toEqual(['Data 1 of 2', 'Data 2 of 2', 'Attachments 1 of 1']);
    expect(buttons[2]?.url).toBe(link('Attachments', 1));
    // The fallback text is mrkdwn as well: escaped like the blocks.
    expect(message.text).toMatch(/^The Zylker &lt;Europe&gt; &amp; Co backup is ready to download: 3 files/);
  });

  it('escapes &, < and > in mrkdwn', () => {
    expect(JSON.stringify(renderSlackMessage(notice(1)).blocks[2])).toContain('Zylker &lt;Europe&gt; &amp; Co');
  });

  it.each([1, 40, 200, 2000])('stays within 50 blocks and 25 buttons a block with %i parts', (parts) => {
    const message = renderSlackMessage(notice(parts, 0));
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    for (const block of message.blocks) {
      if (block.type === 'actions') expect((block.elements as unknown[]).length).toBeLessThanOrEqual(25);
      if (block.type === 'section' && block.text) expect((block.text as { text: string }).text.length).toBeLessThanOrEqual(3000);
    }
    const shown = message.blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements as unknown[]).length;
    if (shown < parts) expect(JSON.stringify(message.blocks.at(-2))).toContain(`${parts - shown} more links`);
    else expect(shown).toBe(parts);
  });
});

describe('Teams rendering', () => {
  it('wraps an Adaptive Card 1.4 in the Workflows message envelope', () => {
    const message = renderTeamsMessage(notice(2));
    expect(message).toMatchObject({
      type: 'message',
      attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', version: '1.4' } }],
    });
    const text = JSON.stringify(message);
    expect(text).toContain(`[Data 2 of 2](${link('Data', 2)})`);
    expect(text).toContain('"title":"Links expire"');
  });

  it.each([40, 2000])('stays under 28 KB with %i parts, saying what was left out', (parts) => {
    const text = JSON.stringify(renderTeamsMessage(notice(parts)));
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
    if (parts === 40) expect(text).toContain('Data 40 of 40');
    else expect(text).toMatch(/\d+ more links are listed by the backupStatus endpoint/);
  });
});

describe('channel clients', () => {
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterEach(async () => {
    await receiver.close();
  });

  it('posts to Slack and Teams and is accepted (200 ok / 202)', async () => {
    const slack = new SlackNotifier(receiver.slackUrl);
    const teams = new TeamsNotifier(receiver.teamsUrl);
    await slack.deliver(slack.render(notice(1), { timezone: 'UTC', now }));
    await teams.deliver(teams.render(notice(1), { timezone: 'UTC', now }));
    expect(receiver.messages.map((m) => m.channel)).toEqual(['slack', 'teams']);
  });

  it.each(['no_service', 'channel_not_found', 'channel_is_archived'])(
    "names Slack's %s, with what to do, and not the URL",
    async (code) => {
      receiver.failNext('slack', { status: 404, error: code });
      const slack = new SlackNotifier(receiver.slackUrl);
      const error = (await slack.deliver(renderSlackMessage(notice(1))).catch((e: unknown) => e)) as DeliveryError;
      expect(error).toBeInstanceOf(DeliveryError);
      expect(error.message).toBe(`Slack refused the message: HTTP 404 ${code}`);
      expect(error.hint).toMatch(/SLACK_WEBHOOK_URL/);
      expect(JSON.stringify(error) + error.stack).not.toContain(receiver.slackUrl);
    },
  );

  it("names Teams' Workflows error code and not the URL", async () => {
    receiver.failNext('teams', { status: 400, error: 'TriggerInputSchemaMismatch' });
    const teams = new TeamsNotifier(receiver.teamsUrl, createRetryingHttp({ retries: 0 }));
    const error = (await teams.deliver(renderTeamsMessage(notice(1))).catch((e: unknown) => e)) as DeliveryError;
    expect(error.message).toBe('Teams refused the message: HTTP 400 TriggerInputSchemaMismatch');
    expect(JSON.stringify(error) + error.stack).not.toContain('sig=');
  });

  it('retries Teams on 429 and 5xx before giving up', async () => {
    receiver.failNext('teams', { status: 429, error: 'TooManyRequests', retryAfterSeconds: 0 });
    receiver.failNext('teams', { status: 502, error: 'BadGateway' });
    const teams = new TeamsNotifier(receiver.teamsUrl, createRetryingHttp({ retries: 2, retryBaseDelayMs: 5 }));
    await teams.deliver(renderTeamsMessage(notice(1)));
    expect(receiver.received('teams')).toHaveLength(1);
  });

  it('reports an unreachable channel by its socket error, not its URL', async () => {
    const url = receiver.slackUrl;
    await receiver.close();
    const error = (await new SlackNotifier(url).deliver(renderSlackMessage(notice(1))).catch((e: unknown) => e)) as DeliveryError;
    expect(error.code).toBe('SLACK_UNREACHABLE');
    // Plain Node reports ECONNREFUSED; under jest, fetch's error comes from another realm and
    // @slack/webhook re-wraps it without its cause, so only "network error" is left.
    expect(error.message).toMatch(/^Slack could not be reached \((ECONNREFUSED|network error)\)$/);
    expect(JSON.stringify(error)).not.toContain(url);
    receiver = await WebhookReceiver.start();
  });
});

describe('relative dates agree with the calendar in NOTIFY_TIMEZONE', () => {
  it.each<[string, string, string, string]>([
    ['2026-11-25T22:00:00Z', '2026-11-27T00:30:00Z', 'UTC', 'in 2 days'],
    ['2026-11-25T22:00:00Z', '2026-11-26T23:30:00Z', 'UTC', 'tomorrow'],
    ['2026-11-25T23:50:00Z', '2026-11-26T00:10:00Z', 'UTC', 'tomorrow'],
    ['2026-11-25T10:00:00Z', '2026-11-25T15:40:00Z', 'UTC', 'in 6 hours'],
    ['2026-11-25T10:00:00Z', '2026-11-25T10:20:00Z', 'UTC', 'in 20 minutes'],
    ['2026-11-25T10:00:00Z', '2026-11-24T09:00:00Z', 'UTC', 'yesterday'],
    // 17:00 UTC is 22:30 in Kolkata: 19:30 UTC the same day is already tomorrow there.
    ['2026-11-25T17:00:00Z', '2026-11-25T19:30:00Z', 'Asia/Kolkata', 'tomorrow'],
    ['2026-11-25T17:00:00Z', '2026-11-25T19:30:00Z', 'UTC', 'in 3 hours'],
    // 23:00 in Los Angeles is 07:00 UTC next day: 20:00 UTC that day is still the same day there.
    ['2026-11-26T07:00:00Z', '2026-11-26T20:00:00Z', 'America/Los_Angeles', 'tomorrow'],
    ['2026-11-26T07:00:00Z', '2026-11-27T09:30:00Z', 'America/Los_Angeles', 'in 2 days'],
  ])('now %s, date %s in %s -> %s', (now, date, timezone, expected) => {
    expect(formatRelative(new Date(date), new Date(now), timezone)).toBe(expected);
  });
});

describe('message wording', () => {
  it('counts files with correct plurals', () => {
    expect(notice(2, 1).facts.find((f) => f.label === 'Files')?.value).toBe('2 data files, 1 attachment file');
    expect(notice(1, 0).facts.find((f) => f.label === 'Files')?.value).toBe('1 data file, 0 attachment files');
  });

  it('shows what to do at full size in Teams, not as subtle small print', () => {
    const body = renderTeamsMessage(notice(1)).attachments[0]?.content.body ?? [];
    const note = body.find((b) => String(b.text).startsWith('Downloading needs'));
    expect(note).toBeDefined();
    expect(note?.size).toBeUndefined();
    expect(note?.isSubtle).toBeUndefined();
  });
});

describe('error codes', () => {
  it('are in code style in Slack, and plainly before the message in Teams', () => {
    const incident = {
      since: '2026-11-22T07:00:00Z',
      code: 'ZOHO_INVALID_REFRESH_TOKEN',
      message: 'Zoho refused the refresh token.',
      alerted: true,
    };
    const message = monitorUnhealthyNotice('Zylker', incident, 1, { timezone: 'UTC', now });
    expect(JSON.stringify(renderSlackMessage(message))).toContain('`ZOHO_INVALID_REFRESH_TOKEN` Zoho refused the refresh token.');
    expect(JSON.stringify(renderTeamsMessage(message))).toContain('ZOHO_INVALID_REFRESH_TOKEN: Zoho refused the refresh token.');
  });
});

/**
 * Slack incoming webhooks: a Block Kit message with a plain `text` fallback, kept within
 * Slack's limits (50 blocks, 150 characters a header, 3000 a section, 25 buttons an
 * actions block, 75 characters a button label) whatever the number of zip parts.
 */
import { IncomingWebhook, IncomingWebhookHTTPError, IncomingWebhookRequestError } from '@slack/webhook';
import { callDeadline, raceSignal } from '../deadline';
import { DeliveryError, type Notifier, providerText } from './delivery';
import type { MessageContext, Notice } from './notice';

const MAX_BLOCKS = 50;
const BUTTONS_PER_ACTIONS_BLOCK = 25;
const FIELDS_PER_SECTION = 10;
const TONE_EMOJI: Record<Notice['tone'], string> = {
  good: ':white_check_mark:',
  warning: ':warning:',
  danger: ':rotating_light:',
  info: ':information_source:',
};

/** A Block Kit block; the subset we render, typed loosely to stay independent of @slack/types versions. */
export type SlackBlock = { type: string } & Record<string, unknown>;

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

/** Slack's advice: escape &, < and > in mrkdwn text. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function renderSlackMessage(notice: Notice, _ctx?: MessageContext): SlackMessage {
  const head: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`${notice.title}`, 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(`${TONE_EMOJI[notice.tone]} ${escapeMrkdwn(notice.summary)}`, 3000) } },
  ];
  for (let i = 0; i < notice.facts.length; i += FIELDS_PER_SECTION) {
    head.push({
      type: 'section',
      fields: notice.facts.slice(i, i + FIELDS_PER_SECTION).map((fact) => ({
        type: 'mrkdwn',
        text: truncate(
          `*${escapeMrkdwn(fact.label)}*\n${fact.code ? `\`${escapeMrkdwn(fact.code)}\` ` : ''}${escapeMrkdwn(fact.value)}`,
          2000,
        ),
      })),
    });
  }
  // The note says what to do: a section, as readable as the rest, not small grey context text.
  const tail: SlackBlock[] = notice.note
    ? [{ type: 'section', text: { type: 'mrkdwn', text: truncate(escapeMrkdwn(notice.note), 3000) } }]
    : [];
  // The fallback text is mrkdwn too: unescaped, a Zoho user called <!channel> would ping everyone.
  return {
    text: escapeMrkdwn(notice.summary),
    blocks: [...head, ...linkBlocks(notice.links, MAX_BLOCKS - head.length - tail.length), ...tail],
  };
}

/** Buttons, 25 an actions block; if even that would pass 50 blocks, say how many were left out. */
function linkBlocks(links: Notice['links'], room: number): SlackBlock[] {
  const capacity = Math.max(0, room - 1) * BUTTONS_PER_ACTIONS_BLOCK;
  const shown = links.length <= room * BUTTONS_PER_ACTIONS_BLOCK ? links : links.slice(0, capacity);
  const blocks: SlackBlock[] = [];
  for (let i = 0; i < shown.length; i += BUTTONS_PER_ACTIONS_BLOCK) {
    blocks.push({
      type: 'actions',
      elements: shown.slice(i, i + BUTTONS_PER_ACTIONS_BLOCK).map((link, j) => ({
        type: 'button',
        text: { type: 'plain_text', text: truncate(link.label, 75) },
        url: link.url,
        action_id: `link_${i + j + 1}`,
      })),
    });
  }
  if (shown.length < links.length) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `${links.length - shown.length} more links are listed by the backupStatus endpoint.` }],
    });
  }
  return blocks;
}

export class SlackNotifier implements Notifier<SlackMessage> {
  readonly channel = 'slack' as const;
  private readonly webhook: IncomingWebhook;

  private readonly totalTimeoutMs: number;

  constructor(webhookUrl: string, options: { timeoutMs?: number; totalTimeoutMs?: number } = {}) {
    this.webhook = new IncomingWebhook(webhookUrl, { timeout: options.timeoutMs ?? 10_000 });
    this.totalTimeoutMs = options.totalTimeoutMs ?? 30_000;
  }

  render(notice: Notice, ctx: MessageContext): SlackMessage {
    return renderSlackMessage(notice, ctx);
  }

  async deliver(message: SlackMessage): Promise<void> {
    try {
      // @slack/webhook takes no signal, and its timeout is an idle timeout: race a total deadline.
      const deadline = callDeadline(this.totalTimeoutMs);
      await raceSignal(
        this.webhook.send(message as Parameters<IncomingWebhook['send']>[0]),
        deadline,
        () => new DeliveryError('slack', undefined, 'no answer within the deadline'),
      );
    } catch (error) {
      if (error instanceof DeliveryError) throw error;
      if (error instanceof IncomingWebhookHTTPError) {
        const code = providerText(error.body);
        throw new DeliveryError('slack', error.statusCode, code, SLACK_HINTS[code], error);
      }
      // The underlying fetch error may name the URL: keep only its code.
      const cause = error instanceof IncomingWebhookRequestError ? (error.original as { cause?: { code?: string } }).cause : undefined;
      throw new DeliveryError(
        'slack',
        undefined,
        cause?.code ?? (error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'network error'),
        undefined,
        error,
      );
    }
  }
}

const NEW_WEBHOOK = 'create a new incoming webhook for the channel (api.slack.com/apps > Incoming Webhooks) and set SLACK_WEBHOOK_URL';
const SLACK_HINTS: Record<string, string> = {
  no_service: `The webhook was removed or its app uninstalled: ${NEW_WEBHOOK}.`,
  no_team: `The Slack workspace is gone or the webhook is invalid: ${NEW_WEBHOOK}.`,
  invalid_token: `The webhook is no longer valid: ${NEW_WEBHOOK}.`,
  channel_not_found: `The webhook's channel was deleted: ${NEW_WEBHOOK}.`,
  channel_is_archived: `The webhook's channel is archived: unarchive it, or ${NEW_WEBHOOK}.`,
  action_prohibited: 'A Slack admin restricted this webhook: ask them to allow it, or use another channel.',
  posting_to_general_channel_denied: 'Only admins may post to this channel: choose another channel for the webhook.',
  invalid_payload: 'Slack rejected the message format: this is a bug in the notifier, please report it.',
};

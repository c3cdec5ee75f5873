/**
 * Slack incoming webhooks: a Block Kit message with a plain `text` fallback, kept within
 * Slack's limits (50 blocks, 150 characters a header, 3000 a section, 25 buttons an
 * actions block, 75 characters a button label) whatever the number of zip parts.
 */
import { type MessageContext, type Notice, visibleNotice } from './notice';

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
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function renderSlackMessage(given: Notice, _ctx?: MessageContext): SlackMessage {
  const notice = visibleNotice(given);
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

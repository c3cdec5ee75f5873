/**
 * Chat messages as a person would read them in a terminal (the demo, check --dry-run): the
 * payload's text with Slack's and Teams' escapes undone, so that "&lt;" reads "<".
 */
import type { Channel } from '../shared/notify/notice';

/** Slack's three mrkdwn escapes, and the backslash escapes of our Teams markdown. */
function readable(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\\([\\[\]`*_#>+\-.])/g, '$1');
}

/** What a person would see, roughly: Slack's blocks or the Teams card as plain lines. */
export function renderForTerminal(channel: Channel, body: unknown): string {
  return channel === 'slack' ? renderSlack(body) : renderTeams(body);
}

/** The parts of our own Block Kit payload the terminal shows. */
interface SlackBlock {
  type: string;
  text?: { text: string };
  fields?: Array<{ text: string }>;
  elements?: Array<{ text: string | { text: string }; url?: string }>;
}

function renderSlack(body: unknown): string {
  const lines = ['[Slack]'];
  const elementText = (e: { text: string | { text: string }; url?: string }) =>
    typeof e.text === 'string' ? `(${readable(e.text)})` : `[${e.text.text}] ${e.url}`;
  for (const block of (body as { blocks: SlackBlock[] }).blocks) {
    if (block.type === 'header') lines.push(`== ${readable(block.text?.text ?? '')} ==`);
    if (block.type === 'section' && block.text) lines.push(readable(block.text.text));
    if (block.type === 'section' && block.fields) lines.push(...block.fields.map((f) => readable(f.text.replace('\n', ' '))));
    if (block.type === 'actions' || block.type === 'context') lines.push(...(block.elements ?? []).map(elementText));
  }
  return lines.join('\n');
}

/** The parts of our own Adaptive Card the terminal shows. */
interface CardItem {
  type: string;
  text?: string;
  facts?: Array<{ title: string; value: string }>;
}

function renderTeams(body: unknown): string {
  const [attachment] = (body as { attachments: Array<{ content: { body: CardItem[] } }> }).attachments;
  const lines = ['[Teams]'];
  for (const item of attachment?.content.body ?? []) {
    if (item.type === 'TextBlock' && item.text) lines.push(readable(item.text));
    if (item.type === 'FactSet') lines.push(...(item.facts ?? []).map((f) => `${readable(f.title)}: ${readable(f.value)}`));
  }
  return lines.join('\n');
}

/**
 * Microsoft Teams through a Workflows (Power Automate) webhook, the replacement for the
 * retired Office 365 connectors: an Adaptive Card in the message envelope the
 * "When a Teams webhook request is received" trigger expects, kept under 28 KB.
 *
 * Version 1.4, not the 1.5 Microsoft's docs name: the flow's "Post card in a chat or channel"
 * renders at most 1.4 and replaces a 1.5 card with "We're sorry, this card couldn't be displayed"
 * (microsoft/AdaptiveCards#8965, #7676; MicrosoftDocs/msteams-docs#9801). So nothing 1.5 added
 * (TextBlock style "heading", Table, ...) is used: tests/teamsCard.test.ts parses every card at 1.4.
 */
import { type AxiosInstance, isAxiosError } from 'axios';
import { DEFAULTS } from '../defaults';
import { createRetryingHttp, networkReason, parseJson } from '../http';
import { DeliveryError, type Notifier, providerText } from './delivery';
import { type MessageContext, type Notice, visibleNotice } from './notice';

export const TEAMS_MAX_BYTES = 28 * 1024;
const TONE_COLOR: Record<Notice['tone'], string> = { good: 'Good', warning: 'Warning', danger: 'Attention', info: 'Default' };
const LINKS_PER_BLOCK = 10;

interface TeamsMessage {
  type: 'message';
  attachments: Array<{ contentType: 'application/vnd.microsoft.card.adaptive'; contentUrl: null; content: AdaptiveCard }>;
}

export interface AdaptiveCard {
  $schema: string;
  type: 'AdaptiveCard';
  version: '1.4';
  body: Array<Record<string, unknown>>;
  msteams: { width: 'Full' };
}

/**
 * Text from Zoho is text: what could become markup in a card (a link's brackets, emphasis,
 * a list or heading marker at the start of a line) is escaped with a backslash, so that a name
 * or a link cannot add a link of its own. Everything else is left readable.
 */
function escapeCardMarkdown(text: string): string {
  return (
    text
      .replace(/[\\[\]`*]/g, (c) => `\\${c}`)
      // An underscore inside a word (SLACK_WEBHOOK_URL, no_service) is no emphasis: left as it is.
      .replace(/(?<!\w)_|_(?!\w)/g, '\\_')
      .replace(/^(\s*)([-+#>]|\d+\.)/gm, (_m, space: string, marker: string) => `${space}\\${marker}`)
  );
}

/** A URL inside (...) of a markdown link: parentheses and spaces encoded, so it cannot end early. */
function markdownUrl(url: string): string {
  return new URL(url).href.replace(/\(/g, '%28').replace(/\)/g, '%29').replace(/ /g, '%20');
}

function envelope(card: AdaptiveCard): TeamsMessage {
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }] };
}

function card(notice: Notice, links: Notice['links'], omitted: number): AdaptiveCard {
  const body: Array<Record<string, unknown>> = [
    {
      type: 'TextBlock',
      text: escapeCardMarkdown(notice.title),
      size: 'Large',
      weight: 'Bolder',
      color: TONE_COLOR[notice.tone],
      wrap: true,
    },
    { type: 'TextBlock', text: escapeCardMarkdown(notice.summary), wrap: true },
    {
      type: 'FactSet',
      facts: notice.facts.map((f) => ({
        title: escapeCardMarkdown(f.label),
        value: escapeCardMarkdown(f.code ? `${f.code}: ${f.value}` : f.value),
      })),
    },
  ];
  // Links as markdown lines rather than buttons: Teams shows only a handful of card actions.
  for (let i = 0; i < links.length; i += LINKS_PER_BLOCK) {
    const lines = links.slice(i, i + LINKS_PER_BLOCK).map((l) => `- [${escapeCardMarkdown(l.label)}](${markdownUrl(l.url)})`);
    body.push({ type: 'TextBlock', text: lines.join('\n'), wrap: true, spacing: i === 0 ? 'Medium' : 'None' });
  }
  if (omitted > 0) body.push({ type: 'TextBlock', text: `${omitted} more links are listed by the backupStatus endpoint.`, wrap: true });
  // What to do: as readable as the rest of the card, not the small subtle print.
  if (notice.note) body.push({ type: 'TextBlock', text: escapeCardMarkdown(notice.note), wrap: true, spacing: 'Medium' });
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
    msteams: { width: 'Full' },
  };
}

export function renderTeamsMessage(given: Notice, _ctx?: MessageContext): TeamsMessage {
  const notice = visibleNotice(given);
  let shown = notice.links.length;
  for (;;) {
    const message = envelope(card(notice, notice.links.slice(0, shown), notice.links.length - shown));
    if (Buffer.byteLength(JSON.stringify(message)) <= TEAMS_MAX_BYTES || shown === 0) return message;
    shown = Math.floor(shown * 0.9);
  }
}

export class TeamsNotifier implements Notifier<TeamsMessage> {
  readonly channel = 'teams' as const;

  constructor(
    private readonly webhookUrl: string,
    private readonly http: AxiosInstance = createRetryingHttp(DEFAULTS.teams),
  ) {}

  render(notice: Notice, ctx: MessageContext): TeamsMessage {
    return renderTeamsMessage(notice, ctx);
  }

  async deliver(message: TeamsMessage): Promise<void> {
    try {
      // Workflows answers 202 Accepted; any 2xx means the flow took the message.
      await this.http.post(this.webhookUrl, JSON.stringify(message), { headers: { 'Content-Type': 'application/json' } });
    } catch (error) {
      if (!isAxiosError(error)) throw error;
      if (!error.response) throw new DeliveryError('teams', undefined, networkReason(error), undefined, error);
      throw new DeliveryError(
        'teams',
        error.response.status,
        teamsErrorCode(error.response.data),
        TEAMS_HINTS[error.response.status],
        error,
      );
    }
  }
}

/** Workflows errors look like {"error":{"code":"TriggerInputSchemaMismatch","message":"..."}}. */
function teamsErrorCode(body: unknown): string {
  const parsed = parseJson(body);
  const code = parsed.ok ? (parsed.value as { error?: { code?: unknown } } | null)?.error?.code : undefined;
  return providerText(code);
}

const TEAMS_HINTS: Record<number, string> = {
  401: 'The workflow refused the call: recreate the "When a Teams webhook request is received" trigger and set TEAMS_WEBHOOK_URL.',
  404: 'The workflow was deleted or turned off: turn it on, or create a new one and set TEAMS_WEBHOOK_URL.',
};

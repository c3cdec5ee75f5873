/** The contract every chat channel fulfils, and the error it throws when a message did not land. */
import { CodedError, type ErrorCode } from '../errors';
import type { Channel, MessageContext, Notice } from './notice';

export interface Notifier<Payload = unknown> {
  readonly channel: Channel;
  /** Pure: the exact payload that would be posted (dry runs show it). */
  render(notice: Notice, ctx: MessageContext): Payload;
  /** Posts it; resolves only when the channel accepted it. */
  deliver(payload: Payload): Promise<void>;
}

const CHANNEL_NAMES: Record<Channel, string> = { slack: 'Slack', teams: 'Teams' };
const SETTING: Record<Channel, string> = { slack: 'SLACK_WEBHOOK_URL', teams: 'TEAMS_WEBHOOK_URL' };
const CODES: Record<Channel, { rejected: ErrorCode; unreachable: ErrorCode }> = {
  slack: { rejected: 'SLACK_REJECTED', unreachable: 'SLACK_UNREACHABLE' },
  teams: { rejected: 'TEAMS_REJECTED', unreachable: 'TEAMS_UNREACHABLE' },
};

/**
 * The channel refused the message or could not be reached. Names the channel and the
 * channel's own error text (e.g. `no_service`), never the webhook URL.
 */
export class DeliveryError extends CodedError {
  constructor(
    readonly channel: Channel,
    readonly status: number | undefined,
    readonly providerCode: string,
    hint?: string,
    cause?: unknown,
  ) {
    const name = CHANNEL_NAMES[channel];
    super(
      status === undefined ? CODES[channel].unreachable : CODES[channel].rejected,
      status === undefined
        ? `${name} could not be reached (${providerCode})`
        : `${name} refused the message: HTTP ${status} ${providerCode}`,
      hint ??
        (status === undefined || status === 429 || status >= 500
          ? `${name} is unavailable; the next check sends the message again.`
          : `Check ${SETTING[channel]}; the next check sends the message again.`),
      cause,
    );
  }
}

/**
 * Slack and Workflows report errors as short codes (`no_service`, `TriggerInputSchemaMismatch`).
 * Anything else (an HTML page that might echo the URL) is not repeated.
 */
export function providerText(raw: unknown): string {
  const text = typeof raw === 'string' ? raw.trim() : '';
  return /^[A-Za-z][\w.-]{0,79}$/.test(text) ? text : 'unrecognised answer';
}

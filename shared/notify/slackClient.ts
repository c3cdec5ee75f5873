/**
 * The Slack channel client: posts a rendered message (slack.ts) to an incoming webhook with
 * Slack's own client, @slack/webhook, under a total deadline, reading at most a few KB of the
 * answer, and counting as delivered only Slack's own "ok". Not retried here (DEFAULTS.slack says why).
 */
import { IncomingWebhook, IncomingWebhookHTTPError, IncomingWebhookRequestError } from '@slack/webhook';
import { callDeadline, raceSignal } from '../deadline';
import { DEFAULTS } from '../defaults';
import { DeliveryError, type Notifier, providerText } from './delivery';
import type { MessageContext, Notice } from './notice';
import { renderSlackMessage, type SlackMessage } from './slack';

/** Slack answers "ok" or a short code; an error page from something in between is cut here. */
const SLACK_MAX_ANSWER_BYTES = 16 * 1024;

export class SlackNotifier implements Notifier<SlackMessage> {
  readonly channel = 'slack' as const;
  private readonly timeoutMs: number;
  private readonly totalTimeoutMs: number;

  constructor(
    private readonly webhookUrl: string,
    options: { timeoutMs?: number; totalTimeoutMs?: number } = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULTS.slack.timeoutMs;
    this.totalTimeoutMs = options.totalTimeoutMs ?? DEFAULTS.slack.totalTimeoutMs;
  }

  render(notice: Notice, ctx: MessageContext): SlackMessage {
    return renderSlackMessage(notice, ctx);
  }

  async deliver(message: SlackMessage): Promise<void> {
    const deadline = callDeadline(this.totalTimeoutMs);
    const webhook = new IncomingWebhook(this.webhookUrl, { timeout: this.timeoutMs, fetch: boundedFetch(deadline) });
    let answer: string;
    try {
      // @slack/webhook's own timeout is per attempt and the body read is ours: race a total deadline too.
      ({ text: answer } = await raceSignal(
        webhook.send(message as Parameters<IncomingWebhook['send']>[0]),
        deadline,
        () => new DeliveryError('slack', undefined, 'no answer within the deadline'),
      ));
    } catch (error) {
      throw slackError(error);
    }
    // A 200 that is not Slack's "ok" came from something in between (a proxy, a captive portal):
    // the message may not have reached Slack, so it is not counted as delivered.
    if (answer.trim() !== 'ok') throw new DeliveryError('slack', 200, 'an answer that is not Slack\'s "ok"', NOT_SLACK);
  }
}

function slackError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  if (error instanceof IncomingWebhookHTTPError) {
    const code = providerText(error.body);
    return new DeliveryError('slack', error.statusCode, code, SLACK_HINTS[code], error);
  }
  // The underlying fetch error may name the URL: keep only its code.
  const original =
    error instanceof IncomingWebhookRequestError ? (error.original as { code?: string; cause?: { code?: string } }) : undefined;
  const reason =
    original?.code ?? original?.cause?.code ?? (error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'network error');
  return new DeliveryError('slack', undefined, reason, undefined, error);
}

/** fetch for @slack/webhook: aborted with the deadline, and the answer read up to SLACK_MAX_ANSWER_BYTES. */
function boundedFetch(deadline: AbortSignal): typeof fetch {
  return async (input, init) => {
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    const response = await fetch(input, { ...init, signal });
    const body = await readUpTo(response, SLACK_MAX_ANSWER_BYTES);
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

async function readUpTo(response: Response, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  const reader = response.body?.getReader();
  for (let read = await reader?.read(); reader && read && !read.done; read = await reader.read()) {
    bytes += read.value.byteLength;
    if (bytes > maxBytes) {
      await reader.cancel();
      throw Object.assign(new Error(`Slack's answer is larger than ${maxBytes} bytes`), { code: 'answer too large' });
    }
    chunks.push(read.value);
  }
  return Buffer.concat(chunks);
}

const NOT_SLACK =
  'Something between the app and Slack (a proxy or gateway) answered instead of Slack: check the network path to hooks.slack.com. The next check sends the message again.';

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

/** The timer's fan-out: one Storage queue message per registered org, each checked by orgCheck. */
import { CodedError } from '../errors';
import { queuedJson } from '../queueMessages';

export const CHECK_QUEUE = 'zoho-backup-checks';
/** Sends at once: 1,000 orgs in a few seconds, without a burst Azure Storage would throttle. */
export const CHECK_SEND_CONCURRENCY = 16;

export interface OrgCheckMessage {
  orgKey: string;
}

export interface OrgCheckQueue {
  enqueue(messages: readonly OrgCheckMessage[]): Promise<void>;
}

/** Reads a check message as the trigger hands it over (decoded JSON, or text). */
export function parseOrgCheckMessage(raw: unknown): OrgCheckMessage {
  const orgKey = (queuedJson(raw) as Partial<OrgCheckMessage> | null | undefined)?.orgKey;
  if (typeof orgKey !== 'string' || !/^[A-Za-z0-9._-]{1,200}$/.test(orgKey))
    throw new CodedError(
      'ORG_CHECK_MESSAGE_INVALID',
      'Not an org check message: expected {"orgKey": "..."}',
      'Something other than this app wrote to the check queue; the message ends in the poison queue.',
    );
  return { orgKey };
}

/** The timer's fan-out: one Storage queue message per registered org, each checked by orgCheck. */
import type { QueueClient } from '@azure/storage-queue';
import { queuedJson } from '../archive/queue';
import { mapWithConcurrency } from '../concurrency';
import { CodedError } from '../errors';

export const CHECK_QUEUE = 'zoho-backup-checks';
/** Sends at once: 1,000 orgs in a few seconds, without a burst Azure Storage would throttle. */
const SEND_CONCURRENCY = 16;

export interface OrgCheckMessage {
  orgKey: string;
}

export interface OrgCheckQueue {
  enqueue(orgKeys: readonly string[]): Promise<void>;
}

export class StorageOrgCheckQueue implements OrgCheckQueue {
  private ready?: Promise<unknown>;
  private client?: QueueClient;

  /** `queue` is built on the first send: an instance that only checks never loads the Queue SDK. */
  constructor(private readonly queue: () => QueueClient) {}

  async enqueue(orgKeys: readonly string[]): Promise<void> {
    this.client ??= this.queue();
    const client = this.client;
    this.ready ??= client.createIfNotExists();
    await this.ready;
    // The Functions queue trigger expects base64 (its default messageEncoding).
    await mapWithConcurrency(orgKeys, SEND_CONCURRENCY, (orgKey) =>
      client.sendMessage(Buffer.from(JSON.stringify({ orgKey } satisfies OrgCheckMessage)).toString('base64')),
    );
  }
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

/** Where announced backups' parts wait to be archived: an Azure Storage queue, one message a part. */
import type { QueueClient } from '@azure/storage-queue';
import { CodedError } from '../errors';
import type { ArchivePartMessage } from './plan';

/** A message on the archive queue that is not one of ours: retrying cannot help. */
export class ArchiveMessageError extends CodedError {
  constructor(detail: string) {
    super(
      'ARCHIVE_MESSAGE_INVALID',
      `Not an archive message: ${detail}`,
      'Something other than this app wrote to the archive queue; the message ends in the poison queue. Nothing else is affected.',
    );
  }
}

export interface ArchiveQueue {
  enqueue(messages: readonly ArchivePartMessage[]): Promise<void>;
}

export class StorageArchiveQueue implements ArchiveQueue {
  private ready?: Promise<unknown>;
  private client?: QueueClient;

  /** `queue` is built on the first message: a check with nothing to archive never loads the Queue SDK. */
  constructor(private readonly queue: () => QueueClient) {}

  async enqueue(messages: readonly ArchivePartMessage[]): Promise<void> {
    this.client ??= this.queue();
    const client = this.client;
    this.ready ??= client.createIfNotExists();
    await this.ready;
    // The Functions queue trigger expects base64 (its default messageEncoding).
    for (const message of messages) await client.sendMessage(Buffer.from(JSON.stringify(message)).toString('base64'));
  }
}

/** Reads a queue message as the trigger hands it over (already decoded JSON, or text). */
export function parseArchiveMessage(raw: unknown): ArchivePartMessage {
  const value = queuedJson(raw);
  if (value === undefined) throw new ArchiveMessageError('not JSON');
  const m = value as Partial<ArchivePartMessage> | null;
  const fields = ['orgKey', 'historyId', 'prefix', 'fileName', 'url'] as const;
  if (!m || typeof m !== 'object' || fields.some((f) => typeof m[f] !== 'string')) {
    throw new ArchiveMessageError(`expected the strings ${fields.join(', ')}`);
  }
  return m as ArchivePartMessage;
}

/** A queue message as the trigger hands it over: decoded JSON already, or text to parse; undefined when it is neither. */
export function queuedJson(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

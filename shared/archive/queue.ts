/** Where announced backups' parts wait to be archived: an Azure Storage queue, one message a part. */
import type { QueueClient } from '@azure/storage-queue';
import type { ArchivePartMessage } from './plan';

export interface ArchiveQueue {
  enqueue(messages: readonly ArchivePartMessage[]): Promise<void>;
}

export class StorageArchiveQueue implements ArchiveQueue {
  private ready?: Promise<unknown>;

  constructor(private readonly queue: QueueClient) {}

  async enqueue(messages: readonly ArchivePartMessage[]): Promise<void> {
    this.ready ??= this.queue.createIfNotExists();
    await this.ready;
    // The Functions queue trigger expects base64 (its default messageEncoding).
    for (const message of messages) await this.queue.sendMessage(Buffer.from(JSON.stringify(message)).toString('base64'));
  }
}

/** Reads a queue message as the trigger hands it over (already decoded JSON, or text). */
export function parseArchiveMessage(raw: unknown): ArchivePartMessage {
  const value = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw;
  const m = value as Partial<ArchivePartMessage>;
  if (!m || typeof m.url !== 'string' || typeof m.fileName !== 'string' || typeof m.prefix !== 'string' || typeof m.historyId !== 'string' || typeof m.orgKey !== 'string') {
    throw new Error('not an archive message: expected orgKey, historyId, prefix, fileName and url');
  }
  return m as ArchivePartMessage;
}

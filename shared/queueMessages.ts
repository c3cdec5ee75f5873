/**
 * JSON messages on an Azure Storage queue, written as the Functions queue trigger reads them
 * (base64, its default messageEncoding) and read back as the trigger hands them over. The
 * archive's parts and the timer's org checks both travel this way.
 */
// The ES module build's types: the SDK is loaded with import() (shared/lazy.ts).
type QueueClient = import('@azure/storage-queue', { with: { 'resolution-mode': 'import' }}).QueueClient;

import { mapWithConcurrency } from './concurrency';

export class JsonQueue<T> {
  private ready?: Promise<QueueClient>;

  /**
   * `queue` is built on the first message, so an instance that never sends never loads the
   * Queue SDK; `concurrency` messages are sent at once.
   */
  constructor(
    private readonly queue: () => QueueClient | Promise<QueueClient>,
    private readonly concurrency = 1,
  ) {}

  async enqueue(messages: readonly T[]): Promise<void> {
    this.ready ??= this.created().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    const client = await this.ready;
    await mapWithConcurrency(messages, this.concurrency, (message) =>
      client.sendMessage(Buffer.from(JSON.stringify(message)).toString('base64')),
    );
  }

  private async created(): Promise<QueueClient> {
    const client = await this.queue();
    await client.createIfNotExists();
    return client;
  }
}

/** A message as the trigger hands it over: decoded JSON already, or text to parse; undefined when it is neither. */
export function queuedJson(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

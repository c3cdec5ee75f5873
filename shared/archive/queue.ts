/** Where announced backups' parts wait to be archived: an Azure Storage queue (a JsonQueue), one message a part. */
import { CodedError } from '../errors';
import { queuedJson } from '../queueMessages';
import type { ArchivePartMessage } from './plan';

/** A message on the archive queue that is not one of ours: retrying cannot help. */
class ArchiveMessageError extends CodedError {
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

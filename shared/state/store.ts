/**
 * Where the watch keeps what it has announced, with optimistic concurrency: every write
 * names the ETag it read, so two overlapping runs (timer + HTTP, two instances, two CLI
 * processes) can never both claim the same backup. Records are keyed by Zoho org, so more
 * orgs can be watched later, and by kind, so the token cache never contends with the watch.
 */
import { CodedError } from '../errors';

export type StateKind = 'watch' | 'token' | 'drill';

export interface StoredRecord<T> {
  value: T;
  etag: string;
}

export interface StateStore {
  /** Where the records are, for messages: a file's path, a table's name. */
  readonly location?: string;
  read<T>(org: string, kind: StateKind): Promise<StoredRecord<T> | undefined>;
  /**
   * Writes only if the record still has `etag` (or, with `etag` undefined, does not exist
   * yet); otherwise throws StateConflictError. Returns the new ETag.
   */
  write<T>(org: string, kind: StateKind, value: T, etag: string | undefined): Promise<string>;
  /** The orgs that have a record of this kind (status with no org named lists them all). */
  orgs(kind: StateKind): Promise<string[]>;
}

/** Someone else wrote the record since we read it: re-read and decide again. */
export class StateConflictError extends CodedError {
  constructor(org: string, kind: StateKind) {
    super('STATE_CONFLICT', `The ${kind} state of ${org} was changed by another run.`, 'Nothing to do: the other run carries on.');
  }
}

/** The store itself failed (unreachable, forbidden, corrupt). */
export class StateStoreError extends CodedError {
  constructor(detail: string, hint: string, cause?: unknown) {
    super('STATE_UNAVAILABLE', `The state store failed: ${detail}`, hint, cause);
  }
}

/** Table keys may not hold / \ # ? or control characters; org keys are ours, but be strict. */
export function orgKey(raw: string): string {
  return raw.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200);
}

/**
 * Release 0.1 keyed an org by its data centre and client ID. A client ID does not identify an
 * org (one server-based client serves many orgs, in every data centre), so an org's key is now
 * its own name (shared/orgName.ts). An org's first read under its new key adopts the record
 * kept under the old one: its backups, alerts and health carry over, and nothing is announced
 * twice. The old record then points at the new key, so no other org adopts it and status
 * lists the org once.
 */
import type { CachedToken } from '../zoho/tokens';
import { StateConflictError, type StateStore, type StoredRecord } from './store';
import type { WatchState } from './watchState';
import { parseWatchState } from './watchStateShape';

/** Where an org's state was kept before, and whose refresh token it was checked with. */
export interface LegacyKey {
  key: string;
  credentialFingerprint: string;
}

export async function adoptLegacyState(store: StateStore, key: string, legacy: LegacyKey): Promise<void> {
  if (legacy.key === key) return;
  const old = await store.read<unknown>(legacy.key, 'watch');
  // A damaged old record is refused (STATE_INVALID), never taken for an empty history.
  const state = old && parseWatchState(old.value, legacy.key, store.location);
  if (!old || !state || state.movedTo !== undefined) return;
  // Orgs may share the old key's client now: the record is this org's only if the token cached
  // beside it was minted from this org's refresh token (a record without one is the only org's).
  const token = await store.read<CachedToken>(legacy.key, 'token').catch(() => undefined);
  if (token && (token.value as Partial<CachedToken> | null)?.credentialFingerprint !== legacy.credentialFingerprint) return;
  try {
    await store.write(key, 'watch', state, undefined);
  } catch (error) {
    // Another run of this org adopted it first, or wrote the new key: theirs stands.
    if (error instanceof StateConflictError) return;
    throw error;
  }
  await store.write<WatchState>(legacy.key, 'watch', { movedTo: key }, old.etag).catch((error: unknown) => {
    // The old record changed meanwhile (a release-0.1 instance still running): it stays.
    if (!(error instanceof StateConflictError)) throw error;
  });
}

/** The record release 0.1 kept under `legacyKey` that no check has adopted yet: status reads it, never adopts it. */
export async function unadoptedRecord(store: StateStore, legacyKey: string, key: string): Promise<StoredRecord<unknown> | undefined> {
  if (legacyKey === key) return undefined;
  const old = await store.read<unknown>(legacyKey, 'watch');
  const moved = (old?.value as { movedTo?: unknown } | null | undefined)?.movedTo;
  return old && moved === undefined ? old : undefined;
}

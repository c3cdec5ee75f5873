/**
 * The watch state of one org: read it, or change it with a conditional write. Every writer
 * (the watch, the announcer, the archive worker) goes through mutate(), so overlapping runs
 * never overwrite each other: a write that loses the race reads again and decides again.
 */
import { adoptLegacyState, type LegacyKey } from './adopt';
import { StateConflictError, type StateStore, StateStoreError, type StoredRecord } from './store';
import type { WatchState } from './watchState';
import { parseWatchState } from './watchStateShape';

/** Writes lost in a row to other runs before the store is called unavailable. */
const MAX_ATTEMPTS = 8;

export class WatchStateRepository {
  /** The record this repository last read or wrote (absent: there was none), with its ETag. */
  private last?: { record: StoredRecord<WatchState> | undefined };
  private adoptionTried = false;

  constructor(
    private readonly store: StateStore,
    readonly orgKey: string,
    /** Where the org's state was kept before: adopted on the first read that finds none. */
    private readonly legacy?: LegacyKey,
  ) {}

  async read(): Promise<WatchState> {
    return (await this.readFresh())?.value ?? {};
  }

  /**
   * Change, write with the ETag of the record last read or written here; on a conflict, read
   * again and re-decide. Starting from what this run already holds saves a storage round trip
   * per change; the conditional write still fails if anyone wrote since. `change` returns
   * undefined when there is nothing to write, which is trusted only on a fresh read.
   * Returns the state written, or undefined when nothing was.
   */
  async mutate(change: (state: WatchState) => WatchState | undefined): Promise<WatchState | undefined> {
    let held = this.last;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const current = held ? held.record : await this.readFresh();
      const fresh = held === undefined;
      held = undefined;
      const next = change(current?.value ?? {});
      if (!next) {
        if (fresh) return undefined;
        continue;
      }
      try {
        this.last = { record: { value: next, etag: await this.store.write(this.orgKey, 'watch', next, current?.etag) } };
        return next;
      } catch (error) {
        if (!(error instanceof StateConflictError)) throw error;
      }
    }
    throw new StateStoreError(
      `${MAX_ATTEMPTS} writes in a row lost to other runs`,
      'Too many runs at once: check BACKUP_WATCH_SCHEDULE and how often backupCheck is called.',
    );
  }

  private async readFresh(): Promise<StoredRecord<WatchState> | undefined> {
    let stored = await this.store.read<unknown>(this.orgKey, 'watch');
    if (!stored && this.legacy && !this.adoptionTried) {
      this.adoptionTried = true;
      await adoptLegacyState(this.store, this.orgKey, this.legacy);
      stored = await this.store.read<unknown>(this.orgKey, 'watch');
    }
    // A record of the wrong shape throws here, before any decision: it is never written over.
    const record = stored && { value: parseWatchState(stored.value, this.orgKey, this.store.location) ?? {}, etag: stored.etag };
    this.last = { record };
    return record;
  }
}

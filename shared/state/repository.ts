/**
 * The watch state of one org: read it, or change it with a conditional write. Every writer
 * (the watch, the announcer, the archive worker) goes through mutate(), so overlapping runs
 * never overwrite each other: a write that loses the race reads again and decides again.
 */
import { StateConflictError, type StateStore, StateStoreError } from './store';
import type { WatchState } from './watchState';

/** Writes lost in a row to other runs before the store is called unavailable. */
const MAX_ATTEMPTS = 8;

export class WatchStateRepository {
  constructor(
    private readonly store: StateStore,
    readonly orgKey: string,
  ) {}

  async read(): Promise<WatchState> {
    return (await this.store.read<WatchState>(this.orgKey, 'watch'))?.value ?? {};
  }

  /**
   * Read, change, write with the ETag just read; on a conflict, read again and re-decide.
   * `change` returns undefined when, on the fresh state, there is nothing to write.
   * Returns the state written, or undefined when nothing was.
   */
  async mutate(change: (state: WatchState) => WatchState | undefined): Promise<WatchState | undefined> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const current = await this.store.read<WatchState>(this.orgKey, 'watch');
      const next = change(current?.value ?? {});
      if (!next) return undefined;
      try {
        await this.store.write(this.orgKey, 'watch', next, current?.etag);
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
}

/** The state's history of backups and alerts (shared/state/history.ts): a year, a few hundred lines, never more. */
import { withEvent } from '../shared/state/history';
import type { WatchState } from '../shared/state/watchState';

describe('the history of an org', () => {
  it('keeps a year and at most 300 events, the newest, with summaries cut to 500 characters', () => {
    let state: WatchState = {};
    const day = 86_400_000;
    for (let i = 0; i < 500; i += 1)
      state = withEvent(state, {
        at: new Date(Date.UTC(2026, 0, 1) + i * day).toISOString(),
        kind: 'backup-completed',
        summary: `day ${i}`,
      });
    expect(state.history).toHaveLength(300);
    expect(state.history?.at(-1)?.summary).toBe('day 499');
    state = withEvent(state, { at: new Date(Date.UTC(2030, 0, 1)).toISOString(), kind: 'backup-failed', summary: 'x'.repeat(2000) });
    expect(state.history).toEqual([expect.objectContaining({ kind: 'backup-failed', summary: 'x'.repeat(500) })]);
  });
});

/**
 * What happened to an org over the past year, for the report's timeline: each backup the
 * watch took up and each alert it raised, one line each. The state keeps only the latest
 * occurrence of each alert, so this is the only record of the ones before; it is bounded
 * (a year, and a few hundred lines) so that the record stays small.
 */
import type { WatchState } from './watchState';

export interface HistoryEvent {
  at: string;
  /** backup-completed, or an alert kind (backup-failed, backup-overdue, schedule-stopped, ...). */
  kind: string;
  summary: string;
}

const KEEP_MS = 400 * 86_400_000;
const KEEP_EVENTS = 300;

export function withEvent(state: WatchState, event: HistoryEvent): WatchState {
  const since = Date.parse(event.at) - KEEP_MS;
  const kept = (state.history ?? []).filter((e) => Date.parse(e.at) >= since);
  return { ...state, history: [...kept, { ...event, summary: event.summary.slice(0, 500) }].slice(-KEEP_EVENTS) };
}

/** The bookkeeping after a check: last check, last success, last error and the monitor's health. */
import { nextChannelHealth, nextHealth } from '../alerts/health';
import type { SafeError } from '../errors';
import { warnOfFailure } from '../log';
import type { Channel } from '../notify/notice';
import type { ChannelHealth, WatchState } from '../state/watchState';
import type { Run } from './run';
import type { CheckOutcome } from './types';

export interface CheckVerdict {
  outcome: CheckOutcome;
  ok: boolean;
  /** The check's own error (Zoho, the state store): what the health follows. */
  checkError?: SafeError;
  /** The first error of any kind, deliveries included: what status shows. */
  firstError?: SafeError;
  /** Per channel tried by this check: its first refusal, or undefined when it took a message. */
  channels: Map<Channel, SafeError | undefined>;
}

/** Records the check; returns the state written, or undefined when the store failed. */
export async function recordCheck(run: Run, verdict: CheckVerdict, at: string): Promise<WatchState | undefined> {
  try {
    return await run.repo.mutate((state) => ({
      ...state,
      watchingSince: state.watchingSince ?? (verdict.ok ? at : undefined),
      lastCheck: { at, outcome: verdict.outcome },
      ...(verdict.ok ? { lastSuccessAt: at } : {}),
      ...(verdict.firstError ? { lastError: { at, ...verdict.firstError } } : {}),
      health: nextHealth(state.health, verdict.checkError, run.now(), run.settings.alertAfterFailures),
      channels: { ...state.channels, ...channelHealth(state, verdict.channels, run) },
    }));
  } catch (error) {
    // The check itself is reported either way; only its bookkeeping is lost.
    warnOfFailure(run.log, 'could not record the check', error);
    return undefined;
  }
}

function channelHealth(
  state: WatchState,
  outcomes: Map<Channel, SafeError | undefined>,
  run: Run,
): Partial<Record<Channel, ChannelHealth>> {
  const next: Partial<Record<Channel, ChannelHealth>> = {};
  for (const [channel, failure] of outcomes)
    next[channel] = nextChannelHealth(state.channels?.[channel], failure, run.now(), run.settings.alertAfterFailures);
  return next;
}

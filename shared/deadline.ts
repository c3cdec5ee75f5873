/**
 * Deadlines that hold whatever a server does. axios's own timeout is a socket idle timeout:
 * a server that trickles a byte a second never trips it. So every outbound call carries an
 * AbortSignal with a total deadline, and a whole check runs under one more, which reaches the
 * calls made inside it through AsyncLocalStorage (no signature has to carry it).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { CodedError } from './errors';

const checkDeadline = new AsyncLocalStorage<AbortSignal>();

class DeadlineError extends CodedError {
  constructor(what: string, ms: number) {
    super(
      'CHECK_TIMED_OUT',
      `${what} did not finish within ${ms < 10_000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`}`,
      'A server answered too slowly or not at all; the next check tries again. CHECK_DEADLINE sets the limit.',
    );
  }
}

/** When each deadline signal made here ends, so that a wait can tell whether it would end in time. */
const endsAt = new WeakMap<AbortSignal, number>();

/**
 * A signal that aborts `ms` from now, or with `parent`, whichever comes first. A plain timer
 * holds it, not AbortSignal.timeout() combined by AbortSignal.any(): on Node 20 the combined
 * signal holds its sources weakly, so a timeout signal that nothing else references can be
 * collected before it fires, and the deadline is silently lost (tests/deadline.test.ts forces
 * the collector to show it). The timer is unref'd: a deadline never keeps a process alive.
 */
function deadlineSignal(ms: number, parent?: AbortSignal): AbortSignal {
  const controller = new AbortController();
  const { signal } = controller;
  endsAt.set(signal, Math.min(Date.now() + ms, (parent && endsAt.get(parent)) ?? Number.POSITIVE_INFINITY));
  const timer = setTimeout(() => controller.abort(new DOMException('The deadline passed', 'TimeoutError')), ms);
  timer.unref();
  const onParentAbort = () => controller.abort(parent?.reason);
  signal.addEventListener(
    'abort',
    () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
    { once: true },
  );
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  return signal;
}

/** A signal that fires after `ms` or with the current check's deadline, whichever comes first. */
export function callDeadline(ms: number): AbortSignal {
  return deadlineSignal(ms, checkDeadline.getStore());
}

/** Milliseconds left before `signal` (one made here) fires; Infinity for any other signal. */
export function remainingMs(signal: AbortSignal | undefined): number {
  if (signal?.aborted) return 0;
  const end = signal && endsAt.get(signal);
  return end === undefined ? Number.POSITIVE_INFINITY : Math.max(0, end - Date.now());
}

/** Settles with `promise`, or rejects with `error` once `signal` fires (for calls that take no signal). */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal, error: () => Error): Promise<T> {
  if (signal.aborted) return Promise.reject(error());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(error());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (reason: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(reason);
      },
    );
  });
}

/** Runs `work` under a total deadline that every call made inside it honours. */
export async function withinDeadline<T>(ms: number, what: string, work: () => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const signal = deadlineSignal(ms, controller.signal);
  try {
    return await checkDeadline.run(signal, () => raceSignal(work(), signal, () => new DeadlineError(what, ms)));
  } finally {
    // The work is over: its timer goes, and so does every call deadline still listening to it.
    controller.abort();
  }
}

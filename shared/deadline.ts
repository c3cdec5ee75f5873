/**
 * Deadlines that hold whatever a server does. axios's own timeout is a socket idle timeout:
 * a server that trickles a byte a second never trips it. So every outbound call carries an
 * AbortSignal with a total deadline, and a whole check runs under one more, which reaches the
 * calls made inside it through AsyncLocalStorage (no signature has to carry it).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { CodedError } from './errors';

const checkDeadline = new AsyncLocalStorage<AbortSignal>();

export class DeadlineError extends CodedError {
  constructor(what: string, ms: number) {
    super(
      'CHECK_TIMED_OUT',
      `${what} did not finish within ${ms < 10_000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`}`,
      'A server answered too slowly or not at all; the next check tries again. CHECK_DEADLINE sets the limit.',
    );
  }
}

/** A signal that fires after `ms` or with the current check's deadline, whichever comes first. */
export function callDeadline(ms: number): AbortSignal {
  const check = checkDeadline.getStore();
  const own = AbortSignal.timeout(ms);
  return check ? AbortSignal.any([own, check]) : own;
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
export function withinDeadline<T>(ms: number, what: string, work: () => Promise<T>): Promise<T> {
  const signal = AbortSignal.timeout(ms);
  return checkDeadline.run(signal, () => raceSignal(work(), signal, () => new DeadlineError(what, ms)));
}

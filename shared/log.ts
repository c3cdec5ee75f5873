/**
 * Logging with a last line of defence: whatever reaches a log line is scrubbed of the
 * configured secrets (client secret, refresh token, webhook URLs) and of access tokens. Every
 * line written while an invocation's work runs goes to that invocation's log (logTo), the
 * lines of collaborators built once per worker (retries, the token cache) included, so that
 * Application Insights shows them with the invocation's id and level.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { describeError, unexpectedStack } from './errors';
import type { SecretScrubber } from './secrets';
import { visibleText } from './visibleText';

export type LogProps = Record<string, unknown>;

export interface Logger {
  info(message: string, props?: LogProps): void;
  warn(message: string, props?: LogProps): void;
  error(message: string, props?: LogProps): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

export const consoleLogger: Logger = {
  info: (message, props) => console.log(line(message, props)),
  warn: (message, props) => console.warn(line(message, props)),
  error: (message, props) => console.error(line(message, props)),
};

function line(message: string, props?: LogProps): string {
  return props && Object.keys(props).length > 0 ? `${message} ${JSON.stringify(props)}` : message;
}

export function redactingLogger(base: Logger, scrubber: SecretScrubber): Logger {
  const wrap =
    (write: Logger['info']): Logger['info'] =>
    (message, props) =>
      write(
        visibleText(scrubber.scrub(message)),
        props &&
          (JSON.parse(scrubber.scrub(JSON.stringify(props)), (_key, value) =>
            typeof value === 'string' ? visibleText(value) : value,
          ) as LogProps),
      );
  return { info: wrap(base.info), warn: wrap(base.warn), error: wrap(base.error) };
}

/** The Functions host's InvocationContext (or anything with the same three methods) as a Logger. */
export function hostLogger(host: {
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}): Logger {
  return {
    info: (message, props) => host.log(line(message, props)),
    warn: (message, props) => host.warn(line(message, props)),
    error: (message, props) => host.error(line(message, props)),
  };
}

const invocationLog = new AsyncLocalStorage<Logger>();

/** Runs `work` with `log` as the log of every line written inside it through a routedLogger. */
export function logTo<T>(log: Logger, work: () => Promise<T>): Promise<T> {
  return invocationLog.run(log, work);
}

/** Writes to the log of the work running now (logTo), or to `fallback` outside any. */
export function routedLogger(fallback: Logger): Logger {
  const target = () => invocationLog.getStore() ?? fallback;
  return {
    info: (message, props) => target().info(message, props),
    warn: (message, props) => target().warn(message, props),
    error: (message, props) => target().error(message, props),
  };
}

/** A failure handled where it happened, as one warning: what failed and why, and for an error nobody raised on purpose its stack. */
export function warnOfFailure(log: Logger, what: string, error: unknown): void {
  const stack = unexpectedStack(error);
  log.warn(`${what}: ${describeError(error).message}${stack ? `\n${stack}` : ''}`);
}

/**
 * Logging with a last line of defence: whatever reaches a log line is scrubbed of the
 * configured secrets (client secret, refresh token, webhook URLs) and of access tokens.
 */
import type { SecretScrubber } from './secrets';

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
      write(scrubber.scrub(message), props && (JSON.parse(scrubber.scrub(JSON.stringify(props))) as LogProps));
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

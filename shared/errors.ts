/**
 * Every failure the product reports carries a stable code from ErrorCode (each one has a row in
 * the README's troubleshooting table) and a hint that says what a person should do about it.
 * Messages are built from safe parts only: no secret, token or webhook URL ever enters one.
 */

/** Zoho's documented error codes for the backup API. */
export type ZohoApiErrorCode =
  | 'INVALID_URL_PATTERN'
  | 'OAUTH_SCOPE_MISMATCH'
  | 'NO_PERMISSION'
  | 'INVALID_REQUEST_METHOD'
  | 'INTERNAL_ERROR'
  | 'INVALID_TOKEN'
  | 'TOO_MANY_REQUESTS';

export type ErrorCode =
  | 'CONFIG_INVALID'
  | ZohoApiErrorCode
  /** Zoho answered an error status without a documented code. */
  | `ZOHO_HTTP_${number}`
  | 'ZOHO_INVALID_REFRESH_TOKEN'
  | 'ZOHO_INVALID_CLIENT'
  | 'ZOHO_INVALID_GRANT_CODE'
  /** The browser consent of `auth` was refused, answered wrongly, or not given in time. */
  | 'ZOHO_CONSENT_FAILED'
  | 'ZOHO_TOKEN_RATE_LIMITED'
  | 'ZOHO_TOKEN_ERROR'
  | 'ZOHO_BAD_RESPONSE'
  | 'ZOHO_UNREACHABLE'
  | 'UNTRUSTED_HOST'
  | 'SLACK_REJECTED'
  | 'SLACK_UNREACHABLE'
  | 'TEAMS_REJECTED'
  | 'TEAMS_UNREACHABLE'
  | 'STATE_UNAVAILABLE'
  | 'STATE_CONFLICT'
  /** A state record of a shape this app does not write: refused, never written over. */
  | 'STATE_INVALID'
  | 'ARCHIVE_TRUNCATED'
  | 'ARCHIVE_MESSAGE_INVALID'
  /** archive get/verify: the backup named matches none, or several. */
  | 'ARCHIVE_NOT_FOUND'
  /** archive get: the backup's manifest is missing or not one this app writes. */
  | 'ARCHIVE_MANIFEST_INVALID'
  /** archive get: the target folder holds other files (without --force). */
  | 'ARCHIVE_TARGET_NOT_EMPTY'
  /** archive get/verify: a stored part no longer matches its manifest (SHA-256, or its zip entries). */
  | 'ARCHIVE_COPY_MISMATCH'
  | 'CHECK_FAILED'
  | 'CHECK_TIMED_OUT'
  | 'ARCHIVE_STALLED'
  /** A zip part that fails its structure, CRC-32 or size checks. */
  | 'ARCHIVE_PART_DAMAGED'
  /** ARCHIVE_DIR is missing, not writable or full. */
  | 'ARCHIVE_DIR_UNAVAILABLE'
  | 'REQUEST_INVALID'
  | 'ORG_UNKNOWN'
  | 'ORG_SECRETS_UNAVAILABLE'
  | 'ORG_CHECK_MESSAGE_INVALID'
  | 'UNEXPECTED';

/** What reports, logs, HTTP answers and telemetry carry of an error: never a stack or a request. */
export interface SafeError {
  code: ErrorCode;
  message: string;
  hint?: string;
}

/**
 * An error this product raises on purpose: a code to look up, a message, and what to do; and,
 * where it stands for a lower error, that error as its `cause` (ES2022), made safe to print.
 */
export class CodedError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;

  constructor(code: ErrorCode, message: string, hint: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause: safeCause(cause) });
    this.name = new.target.name;
    this.code = code;
    this.hint = hint;
  }

  toJSON(): SafeError & { name: string } {
    return { name: this.name, code: this.code, message: this.message, hint: this.hint };
  }
}

/**
 * What of a lower error may travel as a cause, into logs and Application Insights: our own
 * errors as they are; of a foreign one (an SDK's, a socket's) its class, its code and its stack
 * frames, never its message, request or headers (an axios error holds the Authorization header).
 */
function safeCause(error: unknown): Error | undefined {
  if (error instanceof CodedError) return error;
  if (!(error instanceof Error)) return undefined;
  const raw = (error as { code?: unknown }).code;
  const code = typeof raw === 'string' && /^[\w.-]{1,40}$/.test(raw) ? raw : '';
  // An SDK's error class may leave `name` as plain Error (axios's does).
  const name = error.name === 'Error' ? error.constructor.name || 'Error' : error.name;
  const safe = new Error(code);
  safe.name = name;
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  safe.stack = [code ? `${name}: ${code}` : name, ...frames].join('\n');
  return safe;
}

/**
 * The stack of an error nobody raised on purpose, with its causes' (each made safe), for the
 * one log line that records it; undefined for our own errors, whose code and hint say it all.
 */
export function unexpectedStack(error: unknown): string | undefined {
  if (error instanceof CodedError) return undefined;
  const lines: string[] = [];
  for (let e: unknown = safeCause(error); e instanceof Error && lines.length < 5; e = e.cause) lines.push(e.stack ?? String(e));
  return lines.join('\ncaused by: ') || undefined;
}

/** A summary of any thrown value that is safe to log or answer over HTTP. */
export function describeError(error: unknown): SafeError {
  if (error instanceof CodedError) return { code: error.code, message: error.message, hint: error.hint };
  // Foreign errors (SDKs, sockets) may embed URLs or headers: keep only their class and code.
  const foreign = (error as { code?: unknown })?.code;
  const detail = typeof foreign === 'string' && /^[\w.-]{1,40}$/.test(foreign) ? `, ${foreign}` : '';
  const name = error instanceof Error ? error.name : typeof error;
  return { code: 'UNEXPECTED', message: `unexpected ${name}${detail}; its stack is in the log` };
}

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
  | 'ARCHIVE_TRUNCATED'
  | 'ARCHIVE_MESSAGE_INVALID'
  | 'CHECK_FAILED'
  | 'CHECK_TIMED_OUT'
  | 'ARCHIVE_STALLED'
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

/** An error this product raises on purpose: a code to look up, a message, and what to do. */
export class CodedError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;

  constructor(code: ErrorCode, message: string, hint: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.hint = hint;
  }

  toJSON(): SafeError & { name: string } {
    return { name: this.name, code: this.code, message: this.message, hint: this.hint };
  }
}

/** A summary of any thrown value that is safe to log or answer over HTTP. */
export function describeError(error: unknown): SafeError {
  if (error instanceof CodedError) return { code: error.code, message: error.message, hint: error.hint };
  // Foreign errors (SDKs, sockets) may embed URLs or headers: keep only their class and code.
  const foreign = (error as { code?: unknown })?.code;
  const detail = typeof foreign === 'string' && /^[\w.-]{1,40}$/.test(foreign) ? `, ${foreign}` : '';
  const name = error instanceof Error ? error.name : typeof error;
  return { code: 'UNEXPECTED', message: `unexpected ${name}${detail}; see the function logs for the stack` };
}

/**
 * One error class per kind of Zoho failure. Each carries the code a user looks up in the
 * README's troubleshooting table and a hint that says what to do. None holds a request,
 * a header or a token: only the endpoint name, the HTTP status and Zoho's code.
 */
import { CodedError, type ErrorCode, type ZohoApiErrorCode } from '../errors';
import { outsideText, type SecretScrubber } from '../secrets';
import { REFRESH_TOKEN_LIMIT_CAUSE } from './refreshTokenLimit';

/** Zoho's documented error codes for the backup API, with what a person should do. */
const ZOHO_API_ERRORS: Record<ZohoApiErrorCode, { status: number; hint: string }> = {
  INVALID_URL_PATTERN: {
    status: 404,
    hint: 'The API URL is wrong for this org: check ZOHO_DC (or ZOHO_API_DOMAIN) and ZOHO_API_VERSION (default v8).',
  },
  OAUTH_SCOPE_MISMATCH: {
    status: 401,
    hint: 'The refresh token lacks scope ZohoCRM.bulk.backup.READ: create a new refresh token in your Zoho Self Client with that scope and set ZOHO_REFRESH_TOKEN.',
  },
  NO_PERMISSION: {
    status: 403,
    hint: 'The Zoho user who made the refresh token may not read data backups: make the token as a CRM administrator (or a profile with the Data Backup permission).',
  },
  INVALID_REQUEST_METHOD: {
    status: 400,
    hint: 'Zoho rejected the HTTP method: this is a bug in the notifier, please report it with the error details.',
  },
  INTERNAL_ERROR: {
    status: 500,
    hint: 'Zoho had an internal error; the next check tries again. If it persists for hours, contact Zoho support.',
  },
  INVALID_TOKEN: {
    status: 401,
    hint: 'Zoho rejected a freshly minted access token: check that ZOHO_DC matches the data centre your Zoho account lives in.',
  },
  TOO_MANY_REQUESTS: {
    status: 429,
    hint: 'Zoho is rate-limiting API calls for this org; the next check tries again. Check less often (BACKUP_WATCH_SCHEDULE) if it persists.',
  },
};

export type { ZohoApiErrorCode };

export type ZohoEndpoint = 'token' | 'backup' | 'backup/history' | 'backup/urls' | 'download';

/** Zoho answered an API call with an error. `code` is Zoho's own code, or ZOHO_HTTP_<status>. */
export class ZohoApiError extends CodedError {
  constructor(
    readonly endpoint: ZohoEndpoint,
    readonly status: number,
    code: ErrorCode,
    zohoMessage: string | undefined,
    hint: string,
  ) {
    super(code, `Zoho ${endpoint} answered HTTP ${status} ${code}${zohoMessage ? `: ${zohoMessage}` : ''}`, hint);
  }
}

export class ZohoInvalidUrlError extends ZohoApiError {}
export class ZohoScopeMismatchError extends ZohoApiError {}
export class ZohoNoPermissionError extends ZohoApiError {}
export class ZohoInvalidMethodError extends ZohoApiError {}
export class ZohoInternalError extends ZohoApiError {}
export class ZohoInvalidTokenError extends ZohoApiError {}
export class ZohoRateLimitError extends ZohoApiError {}

const CLASS_BY_CODE: Record<ZohoApiErrorCode, typeof ZohoApiError> = {
  INVALID_URL_PATTERN: ZohoInvalidUrlError,
  OAUTH_SCOPE_MISMATCH: ZohoScopeMismatchError,
  NO_PERMISSION: ZohoNoPermissionError,
  INVALID_REQUEST_METHOD: ZohoInvalidMethodError,
  INTERNAL_ERROR: ZohoInternalError,
  INVALID_TOKEN: ZohoInvalidTokenError,
  TOO_MANY_REQUESTS: ZohoRateLimitError,
};

function isDocumentedCode(code: string): code is ZohoApiErrorCode {
  return Object.hasOwn(ZOHO_API_ERRORS, code);
}

/** Builds the typed error for an HTTP error answer; undocumented answers fall back on the status. */
export function zohoApiError(endpoint: ZohoEndpoint, status: number, body: unknown, scrubber?: SecretScrubber): ZohoApiError {
  const { code, message } = readErrorBody(body, scrubber);
  if (code && isDocumentedCode(code)) {
    return new CLASS_BY_CODE[code](endpoint, status, code, message, ZOHO_API_ERRORS[code].hint);
  }
  if (status === 429) return new ZohoRateLimitError(endpoint, status, 'TOO_MANY_REQUESTS', message, ZOHO_API_ERRORS.TOO_MANY_REQUESTS.hint);
  // An undocumented code is Zoho's text, not ours: it goes in the message, the code says the status.
  const detail = [code, message].filter(Boolean).join(': ') || undefined;
  if (status >= 500) return new ZohoInternalError(endpoint, status, 'INTERNAL_ERROR', detail, ZOHO_API_ERRORS.INTERNAL_ERROR.hint);
  return new ZohoApiError(endpoint, status, `ZOHO_HTTP_${status}`, detail, 'Zoho rejected the call; the code and message above say why.');
}

function readErrorBody(body: unknown, scrubber?: SecretScrubber): { code?: string; message?: string } {
  if (!body || typeof body !== 'object') return {};
  const { code, message } = body as Record<string, unknown>;
  return {
    code: typeof code === 'string' && /^[A-Z_]{2,64}$/.test(code) ? code : undefined,
    message: typeof message === 'string' ? outsideText(message, scrubber, 200) : undefined,
  };
}

/** The token endpoint refused the credentials (Zoho answers these with HTTP 200 and `error`). */
export class ZohoCredentialsError extends CodedError {}

export function zohoTokenError(zohoError: string, scrubber?: SecretScrubber): ZohoCredentialsError {
  switch (zohoError) {
    case 'invalid_code':
      return new ZohoCredentialsError(
        'ZOHO_INVALID_REFRESH_TOKEN',
        `Zoho refused the refresh token (invalid_code): it was revoked, mistyped, or belongs to another data centre. ${REFRESH_TOKEN_LIMIT_CAUSE}.`,
        'Authorize the org again: "zoho-backup-notifier auth" (a server-based client) or a Self Client grant code with "auth --code" (README "Create the Zoho credentials"), then set ZOHO_REFRESH_TOKEN; check ZOHO_DC too.',
      );
    case 'invalid_client':
    case 'invalid_client_secret':
      return new ZohoCredentialsError(
        'ZOHO_INVALID_CLIENT',
        `Zoho refused the client credentials (${zohoError}).`,
        'Copy the Client ID and Client Secret from your Self Client at api-console.zoho.com into ZOHO_CLIENT_ID and ZOHO_CLIENT_SECRET, for the data centre set in ZOHO_DC.',
      );
    case 'Access Denied':
      return new ZohoCredentialsError(
        'ZOHO_TOKEN_RATE_LIMITED',
        'Zoho refused to mint another access token (too many requests for this refresh token).',
        'Zoho allows 10 tokens per refresh token per 10 minutes: wait 10 minutes, and make sure no other program uses the same refresh token.',
      );
    default:
      return new ZohoCredentialsError(
        'ZOHO_TOKEN_ERROR',
        `Zoho refused to mint an access token (${outsideText(zohoError, scrubber, 60).replace(/[^\w .[\]-]/g, '')}).`,
        'Check ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN and ZOHO_DC.',
      );
  }
}

/** Zoho answered something we cannot read: not JSON, or a field missing or of the wrong type. */
export class ZohoResponseError extends CodedError {
  constructor(
    readonly endpoint: ZohoEndpoint,
    detail: string,
    cause?: unknown,
  ) {
    super(
      'ZOHO_BAD_RESPONSE',
      `Zoho ${endpoint} answered something unexpected: ${detail}`,
      'Nothing was changed; the next check tries again. If it persists, Zoho may have changed its API: check ZOHO_API_VERSION and report it.',
      cause,
    );
  }
}

/** No answer from Zoho after the retries: DNS, TCP, TLS or a timeout. */
export class ZohoUnreachableError extends CodedError {
  constructor(
    readonly endpoint: ZohoEndpoint,
    reason: string,
    cause?: unknown,
  ) {
    super(
      'ZOHO_UNREACHABLE',
      `Zoho ${endpoint} could not be reached (${reason}).`,
      'The next check tries again. If it persists, check the network of the app and ZOHO_DC / ZOHO_API_DOMAIN.',
      cause,
    );
  }
}

/** A URL would have carried the OAuth token to a host that is not Zoho's. */
export class UntrustedHostError extends CodedError {
  constructor(host: string, trusted: string[]) {
    super(
      'UNTRUSTED_HOST',
      `Refused to send the Zoho token to ${host}: only ${trusted.join(', ')} are trusted.`,
      "Nothing was sent. If this host really is Zoho's, set ZOHO_DC (or ZOHO_API_DOMAIN / ZOHO_ACCOUNTS_URL) to match it.",
    );
  }
}

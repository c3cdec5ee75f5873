/** The sandbox's data: history rows, backup details, faults, and the stories that change them. */

export type SandboxEndpoint = 'token' | 'consent' | 'backup' | 'backup/history' | 'backup/urls' | 'download';

export interface SandboxUser {
  id: string;
  name: string;
  zuid: string;
}

export interface SandboxHistoryRow {
  id: string;
  done_by: SandboxUser;
  log_time: string | null;
  state: 'completed' | 'failure' | null;
  action: 'scheduled' | 'stopped' | 'purchased' | 'initiated' | null;
  repeat_type: 'immediate' | 'weekly' | 'biweekly' | 'monthly' | null;
  file_name: string | null;
  count: number;
}

export interface SandboxBackupDetails {
  id: string;
  scheduled_date: string | null;
  start_date: string | null;
  rrule: string | null;
  requester: SandboxUser;
  status: 'STOPPED' | 'SCHEDULED' | 'INPROGRESS' | 'COMPLETED' | 'FAILED';
}

/** One injected misbehaviour, used up by the next `times` matching requests. */
export interface SandboxFault {
  endpoint: SandboxEndpoint;
  /** A documented Zoho error code; the status follows Zoho's table unless given. */
  code?: keyof typeof ZOHO_ERRORS;
  status?: number;
  /** A raw body instead of Zoho's error JSON (e.g. an HTML error page, or malformed JSON). */
  body?: string;
  contentType?: string;
  retryAfterSeconds?: number;
  /** Extra answer headers, e.g. a Location for a redirect. */
  headers?: Record<string, string>;
  /** For the token endpoint: Zoho's `error` value, answered with HTTP 200 as Zoho does. */
  tokenError?: string;
  delayMs?: number;
  /** The error message repeats the request's access token, as a careless server might. */
  echoAuthorization?: boolean;
  /** Never answer: the request stays open until the client gives up (timeouts, without timing). */
  hang?: boolean;
  /** Answer 200 and then a byte every 50 ms, for ever: a plain idle timeout never fires. */
  trickle?: boolean;
  /** Downloads: send this many bytes, then nothing more, keeping the connection open. */
  stallAfterBytes?: number;
  /** Close the socket without an answer. */
  dropConnection?: boolean;
  /** Downloads: send the headers and this many bytes of the body, then close the socket. */
  dropAfterBytes?: number;
  /** Downloads: every byte, with the one at this offset flipped (a damaged part at Zoho). */
  flipByteAt?: number;
  times?: number;
}

export interface SandboxCredentials {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

export interface ZohoSandboxOptions {
  credentials?: SandboxCredentials;
  history?: SandboxHistoryRow[];
  backup?: SandboxBackupDetails | null;
  /** How /backup/history orders its rows (Zoho does not document an order). */
  historyOrder?: 'desc' | 'asc';
  /** Zoho's default is 200; smaller makes paging testable with few rows. */
  maxPerPage?: number;
  tokenLifetimeSeconds?: number;
  latencyMs?: number;
  zgid?: string;
  /** The org's data centre, as the consent page's redirect gives it (`location`); default us. */
  location?: string;
}

export interface RecordedRequest {
  method: string;
  endpoint: SandboxEndpoint | 'unknown';
  path: string;
  query: Record<string, string>;
  authorization?: string;
  status: number;
}

export type PartBytes = (fileName: string) => { size: number; chunks: Iterable<Buffer> };

export interface CompletedBackupStory {
  at: Date;
  dataParts?: number;
  attachmentParts?: number;
  linksValidDays?: number;
  /** Bytes per part, as a stored zip of pattern bytes; by default a realistic backup of `records`. */
  partSize?: number;
  /** Records per module (default SANDBOX_MODULES), spread over the Data parts. */
  records?: Record<string, number>;
  /** Parts made by the caller (the benchmarks' gigabyte CSV parts), a chunk at a time. */
  partBytes?: PartBytes;
  /** Serve downloads chunked, without Content-Length. */
  withoutContentLength?: boolean;
  repeatType?: SandboxHistoryRow['repeat_type'];
  by?: SandboxUser;
  /** Leave /backup/urls answering 204 for now, as Zoho does while it prepares the links. */
  linksPending?: boolean;
}

export const ZOHO_ERRORS = {
  INVALID_URL_PATTERN: { status: 404, message: 'Please check if the URL trying to access is a correct one' },
  OAUTH_SCOPE_MISMATCH: { status: 401, message: 'Unauthorized' },
  NO_PERMISSION: { status: 403, message: 'Permission denied to read' },
  INVALID_REQUEST_METHOD: { status: 400, message: 'The http request method type is not a valid one' },
  INTERNAL_ERROR: { status: 500, message: 'Internal Server Error' },
  INVALID_TOKEN: { status: 401, message: 'invalid oauth token' },
  TOO_MANY_REQUESTS: { status: 429, message: 'You have made too many requests. Please try again later.' },
} as const;

export const SANDBOX_CREDENTIALS: SandboxCredentials = {
  clientId: '1000.SANDBOXCLIENTID0000000000000',
  clientSecret: 'sandbox0client0secret0000000000000000000000',
  refreshToken: '1000.sandbox0refresh0token000000000000.00000000000000000000000000000000',
};

export const SANDBOX_ADMIN: SandboxUser = { id: '4876876000000327001', name: 'Patricia Boyle', zuid: '756783625' };

export function compareLogTime(a: SandboxHistoryRow, b: SandboxHistoryRow): number {
  return Date.parse(a.log_time ?? '1970-01-01T00:00:00Z') - Date.parse(b.log_time ?? '1970-01-01T00:00:00Z');
}

export function partNames(kind: 'Data' | 'Attachments', count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${kind}_${String(i + 1).padStart(3, '0')}.zip`);
}

/** Zoho's own date format: seconds precision with an offset (here always +00:00). */
export function zohoDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** The links /backup/urls serves (the latest backup's), and how their downloads behave. */
export interface PublishedLinks {
  jobId: string;
  data: string[];
  attachments: string[];
  expiryDate: string;
  partSize?: number;
  withoutContentLength?: boolean;
  records: Record<string, number>;
  partBytes?: PartBytes;
  /** When the backup completed: the zip entries' times. */
  at: Date;
}

/**
 * The shapes of Zoho's backup API answers (seeds and zoho-crm-oas-v8-backup.json), checked at
 * the edge so that bad data becomes a ZohoResponseError instead of a wrong decision later.
 * Kept a little looser than the OpenAPI file where Zoho's own samples are (nullable dates,
 * missing attachment links), because a monitor that breaks on a harmless variation is worse.
 */
import * as z from 'zod/mini';
import { isAllowedUrl } from '../urls';

const zohoDateTime = z.iso.datetime({ offset: true });

const zohoUser = z.object({ id: z.string(), name: z.string(), zuid: z.optional(z.string()) });

/** A field Zoho may leave out or send as null. */
const maybe = <T extends z.ZodMiniType>(schema: T) => z.optional(z.nullable(schema));

export const historyRowSchema = z.object({
  id: z.string().check(z.minLength(1)),
  log_time: z.nullable(zohoDateTime),
  state: maybe(z.string()),
  action: maybe(z.string()),
  repeat_type: maybe(z.string()),
  file_name: maybe(z.string()),
  count: maybe(z.int()),
  done_by: maybe(zohoUser),
});

export const historyPageSchema = z.object({
  history: z.array(historyRowSchema),
  info: z.object({
    page: z.int(),
    per_page: z.int(),
    count: z.int(),
    more_records: z.boolean(),
  }),
});

/** Links are posted to chat: https only (plain http for a sandbox on this machine), never javascript: or the like. */
const downloadLink = z.url().check(z.refine(isAllowedUrl, { error: 'a download link that is not https' }));

export const downloadUrlsSchema = z.object({
  urls: z.object({
    data_links: z.array(downloadLink),
    attachment_links: z._default(z.array(downloadLink), []),
    expiry_date: zohoDateTime,
  }),
});

export const backupDetailsSchema = z.object({
  backup: z.object({
    id: z.string(),
    scheduled_date: maybe(zohoDateTime),
    start_date: maybe(zohoDateTime),
    rrule: maybe(z.string()),
    requester: maybe(zohoUser),
    status: z.string(),
  }),
});

export const tokenResponseSchema = z.union([
  z.object({
    access_token: z.string().check(z.minLength(1)),
    expires_in: z.number().check(z.positive()),
    api_domain: z.optional(z.string()),
  }),
  z.object({ error: z.string() }),
]);

export type HistoryRow = z.infer<typeof historyRowSchema>;
export type DownloadUrls = z.infer<typeof downloadUrlsSchema>['urls'];
export type BackupDetails = z.infer<typeof backupDetailsSchema>['backup'];

/** A history row with a time. Seed 003: log_time is null for immediate backups (no rrule). */
export type DatedHistoryRow = HistoryRow & { log_time: string };

export function isDated(row: HistoryRow): row is DatedHistoryRow {
  return !!row.log_time;
}

/** A Zoho record id as a number, when it is one (record ids grow with time). */
function recordNumber(id: string): bigint | undefined {
  return /^\d{1,30}$/.test(id) ? BigInt(id) : undefined;
}

/**
 * Orders history rows (and anything with a record id and a time) oldest first: by log_time
 * when both have one, by record id when a time is missing (immediate backups have none).
 */
export function compareRecords(a: { id: string; time: string | null }, b: { id: string; time: string | null }): number {
  if (a.time && b.time && Date.parse(a.time) !== Date.parse(b.time)) return Date.parse(a.time) - Date.parse(b.time);
  const [x, y] = [recordNumber(a.id), recordNumber(b.id)];
  if (x !== undefined && y !== undefined) return x === y ? 0 : x > y ? 1 : -1;
  return a.id.localeCompare(b.id);
}

/** Whether record `a` was made before record `b`, when both ids are Zoho record numbers. */
export function isOlderRecord(a: string | undefined, b: string): boolean {
  const [x, y] = [a === undefined ? undefined : recordNumber(a), recordNumber(b)];
  return x !== undefined && y !== undefined && x < y;
}

/**
 * Every app setting the product reads, validated and turned into its typed value in one pass
 * (README "Configuration"). Defaults come from shared/defaults.ts.
 */
import * as z from 'zod/mini';
import { DEFAULTS } from '../defaults';
import { normalizeOrgName, orgNameProblem } from '../orgName';
import { isAllowedUrl } from '../urls';
import { DATA_CENTRE_NAMES, type DataCentre } from '../zoho/datacentres';
import { booleanSetting, durationSetting, isTimeZone, optionalUrl, parsedSetting, required, wholeIn } from './fields';

const dataCentre = z._default(
  parsedSetting(`ZOHO_DC must be one of ${DATA_CENTRE_NAMES.join(', ')}`, (value) =>
    DATA_CENTRE_NAMES.find((dc): dc is DataCentre => dc === value.toLowerCase()),
  ),
  DEFAULTS.zohoDc,
);

const downloadOrigins = z._default(
  parsedSetting(
    'ZOHO_DOWNLOAD_HOSTS must be a comma-separated list of origins such as https://download-accl.zoho.com (http:// only for localhost)',
    (value) => {
      const hosts = value
        .split(',')
        .map((h) => h.trim())
        .filter(Boolean);
      return hosts.every(isAllowedUrl) ? hosts.map((h) => new URL(h).origin) : undefined;
    },
  ),
  [],
);

export const settingsSchema = z.object({
  ZOHO_CLIENT_ID: required('ZOHO_CLIENT_ID', 'the Client ID of your Zoho Self Client (api-console.zoho.com)'),
  ZOHO_CLIENT_SECRET: required('ZOHO_CLIENT_SECRET', 'the Client Secret of your Zoho Self Client'),
  ZOHO_REFRESH_TOKEN: required(
    'ZOHO_REFRESH_TOKEN',
    'a refresh token with scope ZohoCRM.bulk.backup.READ (README "Create the Zoho credentials")',
  ),
  ZOHO_DC: dataCentre,
  ZOHO_ACCOUNTS_URL: optionalUrl('ZOHO_ACCOUNTS_URL', 'the Zoho accounts server, e.g. https://accounts.zoho.eu'),
  ZOHO_API_DOMAIN: optionalUrl('ZOHO_API_DOMAIN', 'the Zoho API domain, e.g. https://www.zohoapis.eu'),
  ZOHO_API_VERSION: z._default(
    z.string().check(z.regex(/^v\d+$/, { error: 'ZOHO_API_VERSION must look like v8' })),
    DEFAULTS.zohoApiVersion,
  ),
  ZOHO_ORGS_FILE: z.optional(z.string()),
  ZOHO_ORGS_VAULT_URI: optionalUrl(
    'ZOHO_ORGS_VAULT_URI',
    "the Key Vault holding the registered orgs' secrets, e.g. https://kv-name.vault.azure.net",
  ),
  ZOHO_ORG_NAME: z._default(
    z.pipe(
      z.string().check(
        z.maxLength(100, { error: 'ZOHO_ORG_NAME must be at most 100 characters' }),
        z.superRefine((name, ctx) => {
          const problem = orgNameProblem(name);
          if (problem) ctx.addIssue({ code: 'custom', message: `ZOHO_ORG_NAME ${problem}`, input: name });
        }),
      ),
      z.transform(normalizeOrgName),
    ),
    DEFAULTS.orgName,
  ),
  SLACK_WEBHOOK_URL: optionalUrl('SLACK_WEBHOOK_URL', 'a Slack incoming webhook URL'),
  TEAMS_WEBHOOK_URL: optionalUrl('TEAMS_WEBHOOK_URL', 'a Teams Workflows "When a Teams webhook request is received" URL'),
  BACKUP_WATCH_SCHEDULE: z._default(
    z
      .string()
      .check(
        z.regex(/^\S+( \S+){5}$/, { error: 'BACKUP_WATCH_SCHEDULE must be an NCRONTAB expression with six fields, e.g. 0 */10 * * * *' }),
      ),
    DEFAULTS.schedule,
  ),
  STATE_FILE: z.optional(z.string()),
  AzureWebJobsStorage: z.optional(z.string()),
  AzureWebJobsStorage__tableServiceUri: optionalUrl('AzureWebJobsStorage__tableServiceUri', 'the Table endpoint of the storage account'),
  AzureWebJobsStorage__accountName: z.optional(
    z.string().check(
      z.regex(/^[a-z0-9]{3,24}$/, {
        error: 'AzureWebJobsStorage__accountName must be a storage account name (3-24 lowercase letters and digits)',
      }),
    ),
  ),
  AzureWebJobsStorage__credential: z.optional(
    z.literal('managedidentity', { error: 'AzureWebJobsStorage__credential must be managedidentity when set' }),
  ),
  AzureWebJobsStorage__clientId: z.optional(z.string()),
  BACKUP_OVERDUE_GRACE: z._default(durationSetting('BACKUP_OVERDUE_GRACE', '6h, 90m or 1d'), DEFAULTS.overdueGraceMs),
  ALERT_AFTER_FAILURES: z._default(
    parsedSetting('ALERT_AFTER_FAILURES must be a whole number from 1 to 999', (value) =>
      /^[1-9]\d{0,2}$/.test(value) ? Number(value) : undefined,
    ),
    DEFAULTS.alertAfterFailures,
  ),
  ALERT_RECORD_DROP_PERCENT: z._default(
    parsedSetting('ALERT_RECORD_DROP_PERCENT must be a whole number from 0 to 100 (0 turns the data-loss alarm off)', (value) =>
      /^\d{1,3}$/.test(value) && Number(value) <= 100 ? Number(value) : undefined,
    ),
    DEFAULTS.recordDropPercent,
  ),
  ALERT_RECORD_DROP_MIN: z._default(
    parsedSetting(
      'ALERT_RECORD_DROP_MIN must be a whole number of records from 0 to 999999999 (0 turns the data-loss alarm off)',
      (value) => (/^\d{1,9}$/.test(value) ? Number(value) : undefined),
    ),
    DEFAULTS.recordDropMin,
  ),
  REMIND_BEFORE_EXPIRY: z._default(durationSetting('REMIND_BEFORE_EXPIRY', '24h or 12h, or 0 to disable'), DEFAULTS.remindBeforeExpiryMs),
  CHECK_DEADLINE: z._default(
    durationSetting('CHECK_DEADLINE', '3m (at least 1m, at most 20m)').check(
      z.refine((ms: number) => ms >= 60_000 && ms <= 20 * 60_000, {
        error: 'CHECK_DEADLINE must be from 1m to 20m (functionTimeout is 30 minutes)',
      }),
    ),
    DEFAULTS.checkDeadlineMs,
  ),
  ARCHIVE_ENABLED: booleanSetting('ARCHIVE_ENABLED'),
  ARCHIVE_CONTAINER: z._default(
    z.string().check(
      z.regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, {
        error: 'ARCHIVE_CONTAINER must be a blob container name (3-63 lowercase letters, digits and single hyphens)',
      }),
    ),
    DEFAULTS.archiveContainer,
  ),
  ARCHIVE_KEEP_DAILY_DAYS: z._default(
    parsedSetting('ARCHIVE_KEEP_DAILY_DAYS must be a whole number of days from 1 to 3650 (how long every archived backup is kept)', (v) =>
      wholeIn(v, 1, 3650),
    ),
    DEFAULTS.archiveRetention.keepDailyDays,
  ),
  ARCHIVE_KEEP_MONTHLY_MONTHS: z._default(
    parsedSetting(
      'ARCHIVE_KEEP_MONTHLY_MONTHS must be a whole number of months from 0 to 120 (how long the first backup of each month is kept)',
      (v) => wholeIn(v, 0, 120),
    ),
    DEFAULTS.archiveRetention.keepMonthlyMonths,
  ),
  ARCHIVE_KEEP_YEARLY_YEARS: z._default(
    parsedSetting(
      'ARCHIVE_KEEP_YEARLY_YEARS must be a whole number of years from 0 to 100 (how long the first backup of each year is kept)',
      (v) => wholeIn(v, 0, 100),
    ),
    DEFAULTS.archiveRetention.keepYearlyYears,
  ),
  ARCHIVE_DIR: z.optional(z.string().check(z.refine((value) => !value.includes('\0'), { error: 'ARCHIVE_DIR must be a folder path' }))),
  ZOHO_DOWNLOAD_HOSTS: downloadOrigins,
  AzureWebJobsStorage__blobServiceUri: optionalUrl('AzureWebJobsStorage__blobServiceUri', 'the Blob endpoint of the storage account'),
  AzureWebJobsStorage__queueServiceUri: optionalUrl('AzureWebJobsStorage__queueServiceUri', 'the Queue endpoint of the storage account'),
  NOTIFY_TIMEZONE: z._default(
    z.string().check(z.refine(isTimeZone, { error: 'NOTIFY_TIMEZONE must be an IANA time zone such as Europe/Berlin' })),
    DEFAULTS.timezone,
  ),
  APPLICATIONINSIGHTS_CONNECTION_STRING: z.optional(z.string()),
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: z.optional(
    parsedSetting(
      'APPLICATIONINSIGHTS_AUTHENTICATION_STRING must look like ClientId=<identity client id>;Authorization=AAD',
      (value) => value.match(/^ClientId=([0-9a-fA-F-]{36});Authorization=AAD$/)?.[1],
    ),
  ),
});

export type Settings = z.infer<typeof settingsSchema>;

/**
 * The configuration contract (README "Configuration"): the one place that reads process.env.
 * Everything is validated at once so that a misconfigured app fails with a single message
 * naming every bad setting, and a secret's value is never repeated back.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { CodedError } from './errors';
import { DATA_CENTRE_NAMES, type DataCentre, resolveZohoHosts } from './zoho/datacentres';

export const DEFAULT_SCHEDULE = '0 */10 * * * *';

export interface Config {
  zoho: {
    clientId: string;
    clientSecret: string;
    refreshToken: string;
    dc: DataCentre;
    accountsUrl: string;
    apiDomain: string;
    apiVersion: string;
    orgName: string;
  };
  channels: { slackWebhookUrl?: string; teamsWebhookUrl?: string };
  schedule: string;
  alerts: {
    /** How long past its scheduled time a backup may take before it is reported overdue. */
    overdueGraceMs: number;
    /** Consecutive failed checks (for transient errors) before the monitor reports itself unhealthy. */
    alertAfterFailures: number;
    /** How long before the links expire to remind; 0 disables. */
    remindBeforeExpiryMs: number;
  };
  state: StateSettings;
  /** The app's storage account (AzureWebJobsStorage), when one is configured. */
  azureStorage?: AzureStorageSettings;
  archive: {
    enabled: boolean;
    container: string;
    /** Origins allowed to receive the Zoho token with a download; empty: the DC's download hosts. */
    downloadOrigins: string[];
  };
  timezone: string;
  telemetry: {
    connectionString?: string;
    /** Client id of the managed identity that authenticates telemetry (local auth disabled). */
    identityClientId?: string;
  };
}

export type AzureStorageSettings =
  | { kind: 'connection-string'; connectionString: string }
  | { kind: 'identity'; tableServiceUri: string; blobServiceUri: string; queueServiceUri: string; clientId?: string };

export type StateSettings = { kind: 'file'; path: string } | { kind: 'table'; storage: AzureStorageSettings };

export class ConfigError extends CodedError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(
      'CONFIG_INVALID',
      `Invalid settings:\n - ${problems.join('\n - ')}`,
      'Fix these app settings (or local.settings.json / .env for the CLI) and run again; the README lists every setting.',
    );
    this.problems = problems;
  }
}

/** The secrets in a config, so loggers can scrub them wherever they might slip in. */
export function secretsOf(config: Config): string[] {
  const { clientSecret, refreshToken } = config.zoho;
  const { slackWebhookUrl, teamsWebhookUrl } = config.channels;
  return [clientSecret, refreshToken, slackWebhookUrl, teamsWebhookUrl].filter((s): s is string => !!s);
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/** https anywhere; plain http only to this machine (sandboxes and tests). */
function isAllowedUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.test(url.hostname));
}

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const DURATION_UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90m", "6h", "1d" (or "0") in milliseconds; undefined when it is not such a duration. */
export function parseDuration(text: string): number | undefined {
  if (text.trim() === '0') return 0;
  const match = text.trim().match(/^(\d{1,4})\s*([mhd])$/);
  return match ? Number(match[1]) * DURATION_UNITS[match[2]!]! : undefined;
}

const required = (name: string, how: string) =>
  z.string({ error: `${name} is required: ${how}` }).min(1, { error: `${name} is required: ${how}` });

const optionalUrl = (name: string, what: string) =>
  z
    .string()
    .refine(isAllowedUrl, { error: `${name} must be an https:// URL (http:// only for localhost): ${what}` })
    .optional();

/**
 * true/false in any case: ARM renders a Bicep bool as True/False, the portal and local files
 * write true/false. Anything else is an error rather than a silent false.
 */
const booleanSetting = (name: string) =>
  z
    .string()
    .toLowerCase()
    .pipe(z.enum(['true', 'false'], { error: `${name} must be true or false` }))
    .transform((value) => value === 'true')
    .default(false);

const envSchema = z.object({
  ZOHO_CLIENT_ID: required('ZOHO_CLIENT_ID', 'the Client ID of your Zoho Self Client (api-console.zoho.com)'),
  ZOHO_CLIENT_SECRET: required('ZOHO_CLIENT_SECRET', 'the Client Secret of your Zoho Self Client'),
  ZOHO_REFRESH_TOKEN: required(
    'ZOHO_REFRESH_TOKEN',
    'a refresh token with scope ZohoCRM.bulk.backup.READ (README "Create the Zoho credentials")',
  ),
  ZOHO_DC: z
    .string()
    .toLowerCase()
    .pipe(z.enum(DATA_CENTRE_NAMES, { error: `ZOHO_DC must be one of ${DATA_CENTRE_NAMES.join(', ')}` }))
    .default('us'),
  ZOHO_ACCOUNTS_URL: optionalUrl('ZOHO_ACCOUNTS_URL', "the Zoho accounts server, e.g. https://accounts.zoho.eu"),
  ZOHO_API_DOMAIN: optionalUrl('ZOHO_API_DOMAIN', 'the Zoho API domain, e.g. https://www.zohoapis.eu'),
  ZOHO_API_VERSION: z.string().regex(/^v\d+$/, { error: 'ZOHO_API_VERSION must look like v8' }).default('v8'),
  ZOHO_ORG_NAME: z.string().max(100, { error: 'ZOHO_ORG_NAME must be at most 100 characters' }).default('Zoho CRM'),
  SLACK_WEBHOOK_URL: optionalUrl('SLACK_WEBHOOK_URL', 'a Slack incoming webhook URL'),
  TEAMS_WEBHOOK_URL: optionalUrl('TEAMS_WEBHOOK_URL', 'a Teams Workflows "When a Teams webhook request is received" URL'),
  BACKUP_WATCH_SCHEDULE: z
    .string()
    .regex(/^\S+( \S+){5}$/, { error: 'BACKUP_WATCH_SCHEDULE must be an NCRONTAB expression with six fields, e.g. 0 */10 * * * *' })
    .default(DEFAULT_SCHEDULE),
  STATE_FILE: z.string().optional(),
  AzureWebJobsStorage: z.string().optional(),
  AzureWebJobsStorage__tableServiceUri: optionalUrl('AzureWebJobsStorage__tableServiceUri', 'the Table endpoint of the storage account'),
  AzureWebJobsStorage__accountName: z
    .string()
    .regex(/^[a-z0-9]{3,24}$/, { error: 'AzureWebJobsStorage__accountName must be a storage account name (3-24 lowercase letters and digits)' })
    .optional(),
  AzureWebJobsStorage__credential: z
    .literal('managedidentity', { error: 'AzureWebJobsStorage__credential must be managedidentity when set' })
    .optional(),
  AzureWebJobsStorage__clientId: z.string().optional(),
  BACKUP_OVERDUE_GRACE: z
  .string()
  .refine((v) => parseDuration(v) !== undefined, { error: 'BACKUP_OVERDUE_GRACE must be a duration such as 6h, 90m or 1d' })
  .default('6h'),
ALERT_AFTER_FAILURES: z
  .string()
  .regex(/^[1-9]\d{0,2}$/, { error: 'ALERT_AFTER_FAILURES must be a whole number from 1 to 999' })
  .default('3'),
REMIND_BEFORE_EXPIRY: z
  .string()
  .refine((v) => parseDuration(v) !== undefined, { error: 'REMIND_BEFORE_EXPIRY must be a duration such as 24h or 12h, or 0 to disable' })
  .default('24h'),
ARCHIVE_ENABLED: booleanSetting('ARCHIVE_ENABLED'),
ARCHIVE_CONTAINER: z
  .string()
  .regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, { error: 'ARCHIVE_CONTAINER must be a blob container name (3-63 lowercase letters, digits and single hyphens)' })
  .default('archive'),
ZOHO_DOWNLOAD_HOSTS: z
  .string()
  .refine((v) => v.split(',').every((h) => isAllowedUrl(h.trim())), {
    error: 'ZOHO_DOWNLOAD_HOSTS must be a comma-separated list of origins such as https://download-accl.zoho.com (http:// only for localhost)',
  })
  .optional(),
AzureWebJobsStorage__blobServiceUri: optionalUrl('AzureWebJobsStorage__blobServiceUri', 'the Blob endpoint of the storage account'),
AzureWebJobsStorage__queueServiceUri: optionalUrl('AzureWebJobsStorage__queueServiceUri', 'the Queue endpoint of the storage account'),
NOTIFY_TIMEZONE: z.string().refine(isTimeZone, { error: 'NOTIFY_TIMEZONE must be an IANA time zone such as Europe/Berlin' }).default('UTC'),
  APPLICATIONINSIGHTS_CONNECTION_STRING: z.string().optional(),
APPLICATIONINSIGHTS_AUTHENTICATION_STRING: z
  .string()
  .regex(/^ClientId=[0-9a-fA-F-]{36};Authorization=AAD$/, {
    error: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING must look like ClientId=<identity client id>;Authorization=AAD',
  })
  .optional(),
});

/** Every setting the app reads (the infra tests hold Bicep and the sample settings to it). */
export const SETTING_NAMES = Object.keys(envSchema.shape) as Array<keyof typeof envSchema.shape>;

/** Rules across settings, checked even when single settings are wrong, so one run names them all. */
function crossSettingProblems(env: Record<string, string>): string[] {
  const problems: string[] = [];
  if (!env.SLACK_WEBHOOK_URL && !env.TEAMS_WEBHOOK_URL) {
    problems.push('SLACK_WEBHOOK_URL or TEAMS_WEBHOOK_URL (at least one) is required: where to post the alerts');
  }
  const hasTableSettings =
    env.AzureWebJobsStorage || env.AzureWebJobsStorage__tableServiceUri || env.AzureWebJobsStorage__accountName;
  if (env.ARCHIVE_ENABLED?.toLowerCase() === 'true' && !hasTableSettings) {
    problems.push('ARCHIVE_ENABLED=true needs AzureWebJobsStorage (or its identity-based settings): the archive is kept in Blob storage');
  }
  if (!env.STATE_FILE && !hasTableSettings) {
    problems.push(
      'STATE_FILE or AzureWebJobsStorage (a connection string, or AzureWebJobsStorage__accountName with AzureWebJobsStorage__credential=managedidentity) is required: where the state is kept',
    );
  }
  return problems;
}

/**
 * The settings that are set, trimmed: empty app settings mean "unset" (the portal, Bicep and
 * GitHub's unset variables all produce them), and pasted values often carry a stray newline.
 */
function presentSettings(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env)
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1].trim() !== '')
      .map(([name, value]) => [name, value.trim()]),
  );
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = presentSettings(env);
  const parsed = envSchema.safeParse(present);
  // Only our own messages are used: zod's defaults could quote the rejected value.
  const problems = [...(parsed.success ? [] : parsed.error.issues.map((issue) => issue.message)), ...crossSettingProblems(present)];
  if (!parsed.success || problems.length > 0) throw new ConfigError([...new Set(problems)]);
  const e = parsed.data;
  const azureStorage = azureStorageSettings(e);
  const hosts = resolveZohoHosts(e.ZOHO_DC, { accountsUrl: e.ZOHO_ACCOUNTS_URL, apiDomain: e.ZOHO_API_DOMAIN });
  return {
    zoho: {
      clientId: e.ZOHO_CLIENT_ID,
      clientSecret: e.ZOHO_CLIENT_SECRET,
      refreshToken: e.ZOHO_REFRESH_TOKEN,
      dc: e.ZOHO_DC,
      ...hosts,
      apiVersion: e.ZOHO_API_VERSION,
      orgName: e.ZOHO_ORG_NAME,
    },
    channels: { slackWebhookUrl: e.SLACK_WEBHOOK_URL, teamsWebhookUrl: e.TEAMS_WEBHOOK_URL },
    schedule: e.BACKUP_WATCH_SCHEDULE,
    alerts: {
      overdueGraceMs: parseDuration(e.BACKUP_OVERDUE_GRACE)!,
      alertAfterFailures: Number(e.ALERT_AFTER_FAILURES),
      remindBeforeExpiryMs: parseDuration(e.REMIND_BEFORE_EXPIRY)!,
    },
    state: e.STATE_FILE ? { kind: 'file', path: e.STATE_FILE } : { kind: 'table', storage: azureStorage! },
    azureStorage,
    archive: {
      enabled: e.ARCHIVE_ENABLED,
      container: e.ARCHIVE_CONTAINER,
      downloadOrigins: (e.ZOHO_DOWNLOAD_HOSTS ?? '').split(',').map((h) => h.trim()).filter(Boolean).map((h) => new URL(h).origin),
    },
    timezone: e.NOTIFY_TIMEZONE,
    telemetry: {
      connectionString: e.APPLICATIONINSIGHTS_CONNECTION_STRING,
      identityClientId: e.APPLICATIONINSIGHTS_AUTHENTICATION_STRING?.match(/^ClientId=([^;]+);/)?.[1],
    },
  };
}

function azureStorageSettings(e: z.infer<typeof envSchema>): AzureStorageSettings | undefined {
  if (e.AzureWebJobsStorage) return { kind: 'connection-string', connectionString: e.AzureWebJobsStorage };
  const account = e.AzureWebJobsStorage__accountName;
  const endpoint = (service: string, explicit?: string) => explicit ?? `https://${account}.${service}.core.windows.net`;
  if (!account && !e.AzureWebJobsStorage__tableServiceUri) return undefined;
  return {
    kind: 'identity',
    tableServiceUri: endpoint('table', e.AzureWebJobsStorage__tableServiceUri),
    blobServiceUri: endpoint('blob', e.AzureWebJobsStorage__blobServiceUri),
    queueServiceUri: endpoint('queue', e.AzureWebJobsStorage__queueServiceUri),
    clientId: e.AzureWebJobsStorage__clientId,
  };
}

export const CLI_DEFAULT_STATE_FILE = '.zoho-backup-state.json';

/**
 * Settings for the command line: the environment wins over a `.env` file, which wins over
 * the `Values` of `local.settings.json` (the file `func start` reads), all from `dir`.
 * Without any state setting the CLI keeps its state in ./.zoho-backup-state.json.
 */
export function cliSettings(dir: string, env: Record<string, string | undefined> = process.env): Record<string, string | undefined> {
  const merged = { ...localSettingsValues(join(dir, 'local.settings.json')), ...dotEnvValues(join(dir, '.env')), ...env };
  const hasState = ['STATE_FILE', 'AzureWebJobsStorage', 'AzureWebJobsStorage__tableServiceUri', 'AzureWebJobsStorage__accountName'].some(
    (name) => merged[name]?.trim(),
  );
  return hasState ? merged : { ...merged, STATE_FILE: join(dir, CLI_DEFAULT_STATE_FILE) };
}

function localSettingsValues(path: string): Record<string, string | undefined> {
  if (!existsSync(path)) return {};
  try {
    const values = (JSON.parse(readFileSync(path, 'utf8')) as { Values?: Record<string, unknown> }).Values ?? {};
    return Object.fromEntries(Object.entries(values).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    throw new ConfigError([`${path} is not valid JSON: fix it or remove it`]);
  }
}

function dotEnvValues(path: string): Record<string, string | undefined> {
  return existsSync(path) ? parseEnv(readFileSync(path, 'utf8')) : {};
}

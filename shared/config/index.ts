/**
 * The configuration contract (README "Configuration"): the one place that reads process.env.
 * Everything is validated at once so that a misconfigured app fails with a single message
 * naming every bad setting, and a secret's value is never repeated back.
 */

import type { Retention } from '../archive/retention';
import type { AlertSettings } from '../defaults';
import { CodedError } from '../errors';
import { orgKey } from '../state/store';
import { type DataCentre, resolveZohoHosts, type ZohoHosts } from '../zoho/datacentres';
import { type Settings, settingsSchema } from './schema';

export interface Config {
  zoho: ZohoHosts & {
    clientId: string;
    clientSecret: string;
    refreshToken: string;
    dc: DataCentre;
    apiVersion: string;
    orgName: string;
  };
  channels: { slackWebhookUrl?: string; teamsWebhookUrl?: string };
  schedule: string;
  alerts: AlertSettings;
  /** The total time a check may take, whatever the servers do. */
  checkDeadlineMs: number;
  state: StateSettings;
  /** The app's storage account (AzureWebJobsStorage), when one is configured. */
  azureStorage?: AzureStorageSettings;
  archive: {
    enabled: boolean;
    container: string;
    /** ARCHIVE_DIR: the command line archives into this folder instead of Blob storage. */
    dir?: string;
    /** Origins allowed to receive the Zoho token with a download; empty: the DC's download hosts. */
    downloadOrigins: string[];
    retention: Retention;
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

/** Every setting the app reads (the infra tests hold Bicep and the sample settings to it). */
export const SETTING_NAMES = Object.keys(settingsSchema.shape) as Array<keyof Settings>;

/** Rules across settings, checked even when single settings are wrong, so one run names them all. */
export function crossSettingProblems(env: Record<string, string>): string[] {
  const problems: string[] = [];
  if (!env.SLACK_WEBHOOK_URL && !env.TEAMS_WEBHOOK_URL) {
    problems.push('SLACK_WEBHOOK_URL or TEAMS_WEBHOOK_URL (at least one) is required: where to post the alerts');
  }
  const hasTableSettings = env.AzureWebJobsStorage || env.AzureWebJobsStorage__tableServiceUri || env.AzureWebJobsStorage__accountName;
  if (env.ARCHIVE_ENABLED?.toLowerCase() === 'true' && !hasTableSettings) {
    problems.push('ARCHIVE_ENABLED=true needs AzureWebJobsStorage (or its identity-based settings): the archive is kept in Blob storage');
  }
  if (env.ARCHIVE_DIR && env.ARCHIVE_ENABLED?.toLowerCase() === 'true') {
    problems.push('ARCHIVE_DIR and ARCHIVE_ENABLED=true are both set: archive to a folder (the command line) or to Blob storage, not both');
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
export function presentSettings(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env)
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1].trim() !== '')
      .map(([name, value]) => [name, value.trim()]),
  );
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = presentSettings(env);
  const parsed = settingsSchema.safeParse(present);
  // Only our own messages are used: zod's defaults could quote the rejected value.
  const problems = [...(parsed.success ? [] : parsed.error.issues.map((issue) => issue.message)), ...crossSettingProblems(present)];
  if (!parsed.success || problems.length > 0) throw new ConfigError([...new Set(problems)]);
  return toConfig(parsed.data);
}

/** The storage settings, as the schema picks them for any loader. */
type StorageSettings = Pick<Settings, 'STATE_FILE' | (`AzureWebJobsStorage${string}` & keyof Settings)>;

/** Where the state is kept: STATE_FILE, else Table storage. */
export function stateSettingsOf(s: StorageSettings): StateSettings {
  const azureStorage = azureStorageSettings(s);
  if (s.STATE_FILE) return { kind: 'file', path: s.STATE_FILE };
  // crossSettingProblems() has ruled this out; the check keeps the types honest.
  if (!azureStorage) throw new ConfigError(['STATE_FILE or AzureWebJobsStorage is required: where the state is kept']);
  return { kind: 'table', storage: azureStorage };
}

function toConfig(s: Settings): Config {
  const azureStorage = azureStorageSettings(s);
  const state = stateSettingsOf(s);
  return {
    zoho: {
      clientId: s.ZOHO_CLIENT_ID,
      clientSecret: s.ZOHO_CLIENT_SECRET,
      refreshToken: s.ZOHO_REFRESH_TOKEN,
      dc: s.ZOHO_DC,
      ...resolveZohoHosts(s.ZOHO_DC, { accountsUrl: s.ZOHO_ACCOUNTS_URL, apiDomain: s.ZOHO_API_DOMAIN }),
      apiVersion: s.ZOHO_API_VERSION,
      orgName: s.ZOHO_ORG_NAME,
    },
    channels: { slackWebhookUrl: s.SLACK_WEBHOOK_URL, teamsWebhookUrl: s.TEAMS_WEBHOOK_URL },
    schedule: s.BACKUP_WATCH_SCHEDULE,
    alerts: {
      overdueGraceMs: s.BACKUP_OVERDUE_GRACE,
      alertAfterFailures: s.ALERT_AFTER_FAILURES,
      remindBeforeExpiryMs: s.REMIND_BEFORE_EXPIRY,
      recordDropPercent: s.ALERT_RECORD_DROP_PERCENT,
      recordDropMin: s.ALERT_RECORD_DROP_MIN,
    },
    checkDeadlineMs: s.CHECK_DEADLINE,
    state,
    azureStorage,
    archive: {
      enabled: s.ARCHIVE_ENABLED,
      container: s.ARCHIVE_CONTAINER,
      dir: s.ARCHIVE_DIR,
      downloadOrigins: s.ZOHO_DOWNLOAD_HOSTS,
      retention: {
        keepDailyDays: s.ARCHIVE_KEEP_DAILY_DAYS,
        keepMonthlyMonths: s.ARCHIVE_KEEP_MONTHLY_MONTHS,
        keepYearlyYears: s.ARCHIVE_KEEP_YEARLY_YEARS,
      },
    },
    timezone: s.NOTIFY_TIMEZONE,
    telemetry: { connectionString: s.APPLICATIONINSIGHTS_CONNECTION_STRING, identityClientId: s.APPLICATIONINSIGHTS_AUTHENTICATION_STRING },
  };
}

/** The app's storage account (AzureWebJobsStorage), by connection string or identity. */
export function azureStorageSettings(s: StorageSettings): AzureStorageSettings | undefined {
  if (s.AzureWebJobsStorage) return { kind: 'connection-string', connectionString: s.AzureWebJobsStorage };
  const account = s.AzureWebJobsStorage__accountName;
  const endpoint = (service: string, explicit?: string) => explicit ?? `https://${account}.${service}.core.windows.net`;
  if (!account && !s.AzureWebJobsStorage__tableServiceUri) return undefined;
  return {
    kind: 'identity',
    tableServiceUri: endpoint('table', s.AzureWebJobsStorage__tableServiceUri),
    blobServiceUri: endpoint('blob', s.AzureWebJobsStorage__blobServiceUri),
    queueServiceUri: endpoint('queue', s.AzureWebJobsStorage__queueServiceUri),
    clientId: s.AzureWebJobsStorage__clientId,
  };
}

/** The parsed settings, or a ConfigError naming every problem (ours, never zod's text). */
export function parseOrThrow<T>(
  result: { success: true; data: T } | { success: false; error: { issues: Array<{ message: string }> } },
  more: string[],
): T {
  const problems = [...(result.success ? [] : result.error.issues.map((issue) => issue.message)), ...more];
  if (!result.success || problems.length > 0) throw new ConfigError([...new Set(problems)]);
  return result.data;
}

/**
 * The key release 0.1 gave an org: its data centre and client ID. State kept under it
 * is adopted by the org's own key (shared/state/adopt.ts); a registry row under it still reads.
 */
export function legacyOrgKeyOf(dc: DataCentre, clientId: string): string {
  return orgKey(`${dc}-${clientId}`);
}

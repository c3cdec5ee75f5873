/**
 * Settings for commands that need only part of the contract: test-notify (the channels),
 * status (where the state is kept), auth (the Self Client) and the org registry (its vault
 * and table). Same checks, same messages.
 */

import * as z from 'zod/mini';
import type { ArchiveStorage } from '../archive/container';
import type { Retention } from '../archive/retention';
import type { AlertSettings } from '../defaults';
import { orgIdentityKey } from '../orgName';
import { type DataCentre, resolveZohoHosts, type ZohoHosts } from '../zoho/datacentres';
import {
  type AzureStorageSettings,
  azureStorageSettings,
  type Config,
  ConfigError,
  crossSettingProblems,
  legacyOrgKeyOf,
  parseOrThrow,
  presentSettings,
  type StateSettings,
  stateSettingsOf,
} from './index';
import { settingsSchema } from './schema';

/** Only the chat channels (test-notify needs no Zoho credentials and no state). */
export function loadChannels(env: Record<string, string | undefined> = process.env): Config['channels'] {
  const present = presentSettings(env);
  const schema = z.pick(settingsSchema, { SLACK_WEBHOOK_URL: true, TEAMS_WEBHOOK_URL: true });
  const missing =
    present.SLACK_WEBHOOK_URL || present.TEAMS_WEBHOOK_URL
      ? []
      : ['SLACK_WEBHOOK_URL or TEAMS_WEBHOOK_URL (at least one) is required: where to post'];
  const s = parseOrThrow(schema.safeParse(present), missing);
  return { slackWebhookUrl: s.SLACK_WEBHOOK_URL, teamsWebhookUrl: s.TEAMS_WEBHOOK_URL };
}

/** The app's storage account, in any of the forms the Functions host reads. */
const STORAGE_SETTINGS = {
  AzureWebJobsStorage: true,
  AzureWebJobsStorage__tableServiceUri: true,
  AzureWebJobsStorage__accountName: true,
  AzureWebJobsStorage__credential: true,
  AzureWebJobsStorage__clientId: true,
  AzureWebJobsStorage__blobServiceUri: true,
  AzureWebJobsStorage__queueServiceUri: true,
} as const;

interface StatusSettings {
  state: StateSettings;
  timezone: string;
  orgName: string;
  /** Without ZOHO_CLIENT_ID, status lists every org the store holds. */
  orgKey?: string;
  /** Where release 0.1 kept this org's state (until a check adopts it). */
  legacyOrgKey?: string;
  apiHosts: ZohoHosts;
}

/** Only what status needs: where the state is kept (no Zoho secret, no webhook). */
export function loadStatusSettings(env: Record<string, string | undefined> = process.env): StatusSettings {
  const present = presentSettings(env);
  const schema = z.pick(settingsSchema, {
    STATE_FILE: true,
    ...STORAGE_SETTINGS,
    NOTIFY_TIMEZONE: true,
    ZOHO_DC: true,
    ZOHO_API_DOMAIN: true,
    ZOHO_ACCOUNTS_URL: true,
    ZOHO_ORG_NAME: true,
  });
  const stateProblems = crossSettingProblems(present).filter((p) => p.startsWith('STATE_FILE'));
  const s = parseOrThrow(schema.safeParse(present), stateProblems);
  return {
    state: stateSettingsOf(s),
    timezone: s.NOTIFY_TIMEZONE,
    orgName: s.ZOHO_ORG_NAME,
    orgKey: present.ZOHO_CLIENT_ID ? orgIdentityKey(s.ZOHO_ORG_NAME) : undefined,
    legacyOrgKey: present.ZOHO_CLIENT_ID ? legacyOrgKeyOf(s.ZOHO_DC, present.ZOHO_CLIENT_ID) : undefined,
    apiHosts: resolveZohoHosts(s.ZOHO_DC, { accountsUrl: s.ZOHO_ACCOUNTS_URL, apiDomain: s.ZOHO_API_DOMAIN }),
  };
}

export interface AuthSettings {
  clientId: string;
  clientSecret: string;
  dc: DataCentre;
  accountsUrl: string;
  apiDomain: string;
  apiVersion: string;
  archiveEnabled: boolean;
}

/** What `auth` needs: the Self Client and where its accounts server is (no refresh token yet). */
export function loadAuthSettings(env: Record<string, string | undefined> = process.env): AuthSettings {
  const schema = z.pick(settingsSchema, {
    ZOHO_CLIENT_ID: true,
    ZOHO_CLIENT_SECRET: true,
    ZOHO_DC: true,
    ZOHO_ACCOUNTS_URL: true,
    ZOHO_API_DOMAIN: true,
    ZOHO_API_VERSION: true,
    ARCHIVE_ENABLED: true,
  });
  const s = parseOrThrow(schema.safeParse(presentSettings(env)), []);
  const hosts = resolveZohoHosts(s.ZOHO_DC, { accountsUrl: s.ZOHO_ACCOUNTS_URL, apiDomain: s.ZOHO_API_DOMAIN });
  return {
    clientId: s.ZOHO_CLIENT_ID,
    clientSecret: s.ZOHO_CLIENT_SECRET,
    dc: s.ZOHO_DC,
    ...hosts,
    apiVersion: s.ZOHO_API_VERSION,
    archiveEnabled: s.ARCHIVE_ENABLED,
  };
}

export interface RegistrySettings {
  vaultUrl: string;
  storage: AzureStorageSettings;
}

/** The org registry (a table in the app's storage account, secrets in ZOHO_ORGS_VAULT_URI); undefined without a vault. */
export function loadRegistrySettings(env: Record<string, string | undefined> = process.env): RegistrySettings | undefined {
  const present = presentSettings(env);
  if (!present.ZOHO_ORGS_VAULT_URI) return undefined;
  const s = parseOrThrow(z.pick(settingsSchema, { ZOHO_ORGS_VAULT_URI: true, ...STORAGE_SETTINGS }).safeParse(present), []);
  const storage = azureStorageSettings(s);
  if (!s.ZOHO_ORGS_VAULT_URI || !storage)
    throw new ConfigError([
      'ZOHO_ORGS_VAULT_URI needs AzureWebJobsStorage (or AzureWebJobsStorage__accountName): the registry is a table there',
    ]);
  return { vaultUrl: s.ZOHO_ORGS_VAULT_URI, storage };
}

export interface ArchiveReadSettings {
  storage: ArchiveStorage;
  timezone: string;
  retention: Retention;
}

/** Where the archive is, for archive list|get|verify: ARCHIVE_DIR, or ARCHIVE_CONTAINER in the app's storage; no Zoho secret. */
export function loadArchiveReadSettings(env: Record<string, string | undefined> = process.env): ArchiveReadSettings {
  const schema = z.pick(settingsSchema, {
    ARCHIVE_DIR: true,
    ARCHIVE_CONTAINER: true,
    NOTIFY_TIMEZONE: true,
    ARCHIVE_KEEP_DAILY_DAYS: true,
    ARCHIVE_KEEP_MONTHLY_MONTHS: true,
    ARCHIVE_KEEP_YEARLY_YEARS: true,
    ...STORAGE_SETTINGS,
  });
  const s = parseOrThrow(schema.safeParse(presentSettings(env)), []);
  const retention = {
    keepDailyDays: s.ARCHIVE_KEEP_DAILY_DAYS,
    keepMonthlyMonths: s.ARCHIVE_KEEP_MONTHLY_MONTHS,
    keepYearlyYears: s.ARCHIVE_KEEP_YEARLY_YEARS,
  };
  if (s.ARCHIVE_DIR) return { storage: { folder: s.ARCHIVE_DIR }, timezone: s.NOTIFY_TIMEZONE, retention };
  const storage = azureStorageSettings(s);
  if (!storage)
    throw new ConfigError([
      'archive needs ARCHIVE_DIR (the folder the command line archives into) or AzureWebJobsStorage / AzureWebJobsStorage__accountName (the storage account with ARCHIVE_CONTAINER)',
    ]);
  return { storage: { settings: storage, container: s.ARCHIVE_CONTAINER }, timezone: s.NOTIFY_TIMEZONE, retention };
}

/** Only the data-loss alarm's thresholds (inspect --against). */
export function loadRecordDropSettings(
  env: Record<string, string | undefined> = process.env,
): Pick<AlertSettings, 'recordDropPercent' | 'recordDropMin'> {
  const schema = z.pick(settingsSchema, { ALERT_RECORD_DROP_PERCENT: true, ALERT_RECORD_DROP_MIN: true });
  const s = parseOrThrow(schema.safeParse(presentSettings(env)), []);
  return { recordDropPercent: s.ALERT_RECORD_DROP_PERCENT, recordDropMin: s.ALERT_RECORD_DROP_MIN };
}

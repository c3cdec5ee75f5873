/**
 * Many Zoho orgs from one set of settings: ZOHO_ORGS_FILE names a JSON array of orgs, each
 * with its own credentials and, optionally, its own data centre hosts, webhooks and time zone.
 * Each org becomes the settings of a single-org run (the org's fields over the shared
 * settings) and goes through loadConfig, so every rule holds per org; a problem names the
 * org and the field, never a value. Without ZOHO_ORGS_FILE the single-org settings apply.
 */
import { readFileSync, statSync } from 'node:fs';
import { normalizeOrgName, orgIdentityKey, orgNameKey } from '../orgName';
import type { DataCentre } from '../zoho/datacentres';
import { type Config, ConfigError, legacyOrgKeyOf, loadConfig } from './index';

/** An org's field, and the single-org setting it stands for. */
const FIELDS = {
  name: 'ZOHO_ORG_NAME',
  dc: 'ZOHO_DC',
  clientId: 'ZOHO_CLIENT_ID',
  clientSecret: 'ZOHO_CLIENT_SECRET',
  refreshToken: 'ZOHO_REFRESH_TOKEN',
  accountsUrl: 'ZOHO_ACCOUNTS_URL',
  apiDomain: 'ZOHO_API_DOMAIN',
  slackWebhookUrl: 'SLACK_WEBHOOK_URL',
  teamsWebhookUrl: 'TEAMS_WEBHOOK_URL',
  timezone: 'NOTIFY_TIMEZONE',
} as const;

type OrgField = keyof typeof FIELDS;
/** One org as the orgs file and the registry hold it: every field a string. */
export type OrgEntry = Partial<Record<OrgField, string>>;
/** The fields that are secrets: in Key Vault on Azure, never in the registry. */
export const SECRET_FIELDS = ['clientSecret', 'refreshToken', 'slackWebhookUrl', 'teamsWebhookUrl'] as const satisfies OrgField[];
const REQUIRED: OrgField[] = ['name', 'dc', 'clientId', 'clientSecret', 'refreshToken'];
/** Settings an org file replaces: set beside it, they would be silently ignored. */
const PER_ORG_SETTINGS = ['ZOHO_CLIENT_ID', 'ZOHO_CLIENT_SECRET', 'ZOHO_REFRESH_TOKEN', 'ZOHO_ORG_NAME'];
/** Far more than 1,000 orgs' worth; a bigger file is a wrong file. */
const MAX_FILE_BYTES = 10 * 1024 * 1024;

/** Whether these settings describe several orgs (ZOHO_ORGS_FILE) rather than one. */
export function hasOrgsFile(env: Record<string, string | undefined>): boolean {
  return !!env.ZOHO_ORGS_FILE?.trim();
}

/** One Config per org: from ZOHO_ORGS_FILE when it is set, else the single org of the settings. */
export function loadOrgConfigs(env: Record<string, string | undefined> = process.env): Config[] {
  if (!hasOrgsFile(env)) return [loadConfig(env)];
  const path = (env.ZOHO_ORGS_FILE ?? '').trim();
  const both = PER_ORG_SETTINGS.filter((name) => env[name]?.trim());
  if (both.length > 0)
    throw new ConfigError([`ZOHO_ORGS_FILE and ${both.join(', ')} are both set: keep the orgs in the file and unset ${both.join(', ')}`]);
  // The many-org check does not archive into a folder yet: refused, rather than announcing "being copied" and copying nothing.
  if (env.ARCHIVE_DIR?.trim())
    throw new ConfigError(['ARCHIVE_DIR works with one org (the ZOHO_ settings), not yet with ZOHO_ORGS_FILE: unset one of them']);
  return configsOf(readOrgsFile(path), env);
}

function readOrgsFile(path: string): unknown[] {
  let text: string;
  try {
    if (statSync(path).size > MAX_FILE_BYTES) throw new ConfigError([`ZOHO_ORGS_FILE (${path}) is over 10 MB: is it the right file?`]);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError([`ZOHO_ORGS_FILE (${path}) cannot be read: check the path`]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse's own message quotes the text around the error, which may be a secret.
    throw new ConfigError([`ZOHO_ORGS_FILE (${path}) is not valid JSON: it must be an array of orgs, [{"name": ..., "dc": ...}, ...]`]);
  }
  if (!Array.isArray(parsed) || parsed.length === 0)
    throw new ConfigError([`ZOHO_ORGS_FILE (${path}) must hold a non-empty JSON array of orgs, [{"name": ..., "dc": ...}, ...]`]);
  return parsed;
}

function configsOf(entries: unknown[], env: Record<string, string | undefined>): Config[] {
  const problems: string[] = [];
  const configs: Config[] = [];
  const seen = new Map<string, string>();
  for (const [index, entry] of entries.entries()) {
    const label = orgLabel(index + 1, entry);
    try {
      const config = orgConfig(entry, env, label);
      // An org is its name (names that read alike are the same name: shared/orgName.ts) and
      // its consent: orgs may share a client, but one refresh token is one org.
      const name = `name:${orgNameKey(config.zoho.orgName)}`;
      const token = `token:${config.zoho.refreshToken}`;
      const twin = seen.get(name) ?? seen.get(token);
      if (twin) problems.push(`${label}: same name, or same refreshToken, as ${twin}: each org needs its own name and its own consent`);
      else configs.push(config);
      seen.set(name, label).set(token, label);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return configs;
}

/** How problems name an org: its place in a list, and its name when it has one. */
export function orgLabel(position: number, entry: unknown): string {
  return `org ${position}${isRecord(entry) && typeof entry.name === 'string' ? ` ("${normalizeOrgName(entry.name).slice(0, 100)}")` : ''}`;
}

/**
 * One org's Config: its fields (the orgs file's shape) over the shared settings, through
 * loadConfig. A ConfigError names `label` and the org's fields, never a value.
 */
export function orgConfig(entry: unknown, env: Record<string, string | undefined>, label: string): Config {
  const shapeProblems = shapeProblemsOf(entry);
  if (shapeProblems.length > 0 || !isRecord(entry)) throw new ConfigError(shapeProblems.map((p) => `${label}: ${p}`));
  try {
    return loadConfig(settingsOf(entry as OrgEntry, env));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(error.problems.map((p) => `${label}: ${inOrgTerms(p, entry)}`));
  }
}

/** Unknown fields (a typo is a silent default otherwise), missing ones, and non-strings. */
function shapeProblemsOf(entry: unknown): string[] {
  if (!isRecord(entry)) return ['must be an object with name, dc, clientId, clientSecret and refreshToken'];
  const known = Object.keys(FIELDS);
  return [
    ...Object.keys(entry)
      .filter((field) => !known.includes(field))
      .map((field) => `unknown field ${JSON.stringify(field.slice(0, 40))}; the fields are ${known.join(', ')}`),
    ...REQUIRED.filter((field) => entry[field] === undefined).map((field) => `${field} is required`),
    ...known.filter((field) => entry[field] !== undefined && typeof entry[field] !== 'string').map((field) => `${field} must be a string`),
  ];
}

/** The single-org settings for one org: its own fields over the shared ones. */
function settingsOf(org: OrgEntry, env: Record<string, string | undefined>): Record<string, string | undefined> {
  const own = Object.fromEntries(Object.entries(FIELDS).map(([field, setting]) => [setting, org[field as OrgField]]));
  // An org's own hosts replace the shared ones as a pair: its dc decides the rest.
  const shared: Record<string, string | undefined> = {
    ...env,
    ZOHO_ORGS_FILE: undefined,
    ZOHO_ACCOUNTS_URL: undefined,
    ZOHO_API_DOMAIN: undefined,
  };
  return Object.fromEntries(Object.entries({ ...shared, ...own }).map(([name, value]) => [name, value ?? shared[name]]));
}

/** A problem as loadConfig words it, with the org's field names for the settings the org set. */
function inOrgTerms(problem: string, org: Record<string, unknown>): string {
  return Object.entries(FIELDS).reduce(
    (text, [field, setting]) => (org[field] === undefined ? text : text.replaceAll(setting, field)),
    problem,
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The names of the orgs in ZOHO_ORGS_FILE by key, for views that need no secret (status). */
export function orgNamesInFile(env: Record<string, string | undefined>): Map<string, string> {
  if (!hasOrgsFile(env)) return new Map();
  const named = readOrgsFile((env.ZOHO_ORGS_FILE ?? '').trim()).filter(
    (e): e is Record<string, string> => isRecord(e) && [e.name, e.dc, e.clientId].every((v) => typeof v === 'string'),
  );
  const names = new Map(named.map((e) => [orgIdentityKey(e.name as string), e.name as string]));
  // Under its old key too, for state release 0.1 wrote that no check has adopted yet; an old key
  // that orgs now share names none of them.
  const legacyKeys = named.map((e) => legacyOrgKeyOf(e.dc as DataCentre, e.clientId as string));
  legacyKeys.forEach((key, i) => {
    if (legacyKeys.indexOf(key) === legacyKeys.lastIndexOf(key)) names.set(key, named[i]?.name as string);
  });
  return names;
}

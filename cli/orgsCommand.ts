/**
 * `orgs add|list|remove`: the orgs a deployment watches besides the one in its settings.
 * Secrets go to the deployment's Key Vault (one secret per org), the rest to the registry
 * table in its storage account; both with the signed-in `az login` identity. Adding and
 * removing need no redeploy: the next timer run queues exactly the registered orgs.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../shared/config';
import { type OrgEntry, orgConfig, orgLabel, SECRET_FIELDS } from '../shared/config/orgs';
import { loadRegistrySettings } from '../shared/config/partial';
import { orgIdentityKey } from '../shared/orgName';
import { type OrgRegistry, openRegistry, type RegisteredOrg } from '../shared/orgs/registry';
import { type KeyVaultOrgSecrets, type OrgSecrets, secretNameOf } from '../shared/orgs/secrets';
import { refreshTokenLimitWarning } from '../shared/zoho/refreshTokenLimit';
import { credentialFingerprint } from '../shared/zoho/tokens';
import type { AuthOptions } from './auth';
import type { Io } from './commands';
import { EXIT, UsageError } from './usage';

/**
 * What an org is checked against when it is added: its own fields under the app's rules.
 * The deployment supplies the shared settings (state, channels) at check time; a stand-in
 * channel here means an org without its own webhook is accepted and uses the shared one.
 */
const VALIDATION_BASE = { STATE_FILE: 'orgs-add', SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/shared' };

export async function orgsCommand(io: Io, [action, argument]: string[], consent: Omit<AuthOptions, 'code'>): Promise<number> {
  const settings = loadRegistrySettings(io.settings);
  if (!settings)
    throw new ConfigError([
      'ZOHO_ORGS_VAULT_URI is required for "orgs": the Key Vault of the deployment (its keyVaultName output: https://<name>.vault.azure.net)',
    ]);
  // The signed-in identity (az login), or a managed identity where the command runs on Azure.
  const { registry, secrets } = openRegistry(settings, undefined);
  if (action === 'list' && argument === undefined) return listOrgs(io, registry);
  if (action === 'add' && argument) return addOrgs(io, registry, secrets, await withConsents(io, readOrgs(argument), consent));
  if (action === 'remove' && argument) {
    const org = await registry.find(argument);
    // The registry first: from then on no check is queued for it, and its secret can go.
    await registry.remove(org.rowKey);
    await secrets.remove(org.secretName);
    io.out(io.json ? JSON.stringify({ removed: org.entry.name, key: org.key }) : `Removed ${org.entry.name} (${org.key}).`);
    return EXIT.ok;
  }
  throw new UsageError(`unknown use of orgs: try "orgs add <orgs.json>", "orgs list" or "orgs remove <name>"`);
}

async function listOrgs(io: Io, registry: OrgRegistry): Promise<number> {
  const orgs = await registry.list();
  if (io.json)
    io.out(
      JSON.stringify(
        orgs.map((o) => ({ key: o.key, ...o.entry })),
        null,
        2,
      ),
    );
  else if (orgs.length === 0) io.out('No org is registered: add some with "zoho-backup-notifier orgs add <orgs.json>".');
  else io.out(orgs.map((o) => `${(o.entry.name ?? '').padEnd(30)} ${(o.entry.dc ?? '').padEnd(3)} ${o.key}`).join('\n'));
  return EXIT.ok;
}

function readOrgs(path: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    // JSON.parse's message quotes the text around the error, which may be a secret.
    throw new ConfigError([`${path} cannot be read as JSON: it must hold one org, or an array of orgs as for ZOHO_ORGS_FILE`]);
  }
  return Array.isArray(parsed) ? parsed : [parsed];
}

/**
 * An org of the file without a refreshToken is authorized as `auth` does it: its admin's
 * consent in the browser, one org at a time, once the rest of the file is known to be sound
 * (so that a typo never costs anyone a consent). The data centre is the one Zoho names.
 */
async function withConsents(io: Io, entries: unknown[], options: Omit<AuthOptions, 'code'>): Promise<unknown[]> {
  const pending = (entry: unknown): entry is OrgEntry =>
    typeof entry === 'object' && entry !== null && (entry as OrgEntry).refreshToken === undefined;
  if (!entries.some(pending)) return entries;
  const problems = entries.flatMap((entry, i) => {
    try {
      registrationOf(pending(entry) ? { ...entry, refreshToken: `pending-consent-${i}` } : entry, orgLabel(i + 1, entry));
      return [];
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return error.problems;
    }
  });
  if (problems.length > 0) throw new ConfigError(problems);
  const { authorizeInBrowser } = require('./auth') as typeof import('./auth');
  const authorized: unknown[] = [];
  for (const [i, entry] of entries.entries()) {
    if (!pending(entry)) {
      authorized.push(entry);
      continue;
    }
    io.err(`${orgLabel(i + 1, entry)} has no refreshToken: an admin of that org authorizes it now.`);
    const { zoho } = orgConfig({ ...entry, refreshToken: 'pending-consent' }, VALIDATION_BASE, orgLabel(i + 1, entry));
    const { refreshToken, dc } = await authorizeInBrowser(
      io,
      { ...zoho, archiveEnabled: io.settings.ARCHIVE_ENABLED === 'true' },
      options,
      entry.apiDomain,
    );
    authorized.push({ ...entry, refreshToken, dc });
  }
  return authorized;
}

async function addOrgs(io: Io, registry: OrgRegistry, secrets: KeyVaultOrgSecrets, entries: unknown[]): Promise<number> {
  // Every org is checked before any is written: a bad file changes nothing, and every problem is named.
  const problems: string[] = [];
  const orgs = entries.flatMap((entry, i) => {
    try {
      return [registrationOf(entry, orgLabel(i + 1, entry))];
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
      return [];
    }
  });
  if (problems.length > 0) throw new ConfigError(problems);
  const registered = await registry.list();
  const clashes = clashesOf(
    orgs.map((o) => o.org),
    registered,
  );
  if (clashes.length > 0) throw new ConfigError(clashes);
  for (const { org, orgSecrets } of orgs) {
    // The secret first: the registry never names an org whose secret is not there yet.
    await secrets.put(org.secretName, orgSecrets);
    await registry.put(org);
    // The same org (by name) under release 0.1's row: the new row replaces it.
    for (const old of registered.filter((r) => r.key === org.key && r.rowKey !== org.rowKey)) {
      await registry.remove(old.rowKey);
      if (old.secretName !== org.secretName) await secrets.remove(old.secretName);
    }
    if (!io.json) io.out(`Added ${org.entry.name} (${org.key}); its next check runs on the next timer.`);
  }
  for (const warning of limitWarnings(
    orgs.map((o) => o.org),
    registered,
  ))
    io.err(`warning: ${warning}`);
  if (io.json) io.out(JSON.stringify({ added: orgs.map(({ org }) => ({ key: org.key, name: org.entry.name })) }, null, 2));
  return EXIT.ok;
}

/**
 * An org is its name and its consent: adding a name again replaces that org (new secrets),
 * while a refresh token already in use, in the file or by another registered org, is refused.
 * Orgs may share a client: a partner's one server-based client serves all its clients.
 */
function clashesOf(adding: RegisteredOrg[], registered: RegisteredOrg[]): string[] {
  return adding.flatMap((org, i) => {
    const twin = adding.findIndex((o) => o.key === org.key || o.credential === org.credential);
    if (twin !== i) return [`"${org.entry.name}" is in the file twice (same name, or same refreshToken as "${adding[twin]?.entry.name}")`];
    const holder = registered.find((r) => r.key !== org.key && r.credential !== undefined && r.credential === org.credential);
    return holder
      ? [`"${org.entry.name}" has the refresh token of the registered org "${holder.entry.name}": each org needs its own consent`]
      : [];
  });
}

/** Per client the file uses: how many orgs it serves once these are added, if that is near Zoho's limit. */
function limitWarnings(adding: RegisteredOrg[], registered: RegisteredOrg[]): string[] {
  const all = [...registered.filter((r) => !adding.some((o) => o.key === r.key)), ...adding];
  const clients = [...new Set(adding.map((o) => o.entry.clientId ?? ''))];
  return clients.flatMap((client) => refreshTokenLimitWarning(all.filter((o) => o.entry.clientId === client).length, client) ?? []);
}

function registrationOf(entry: unknown, label: string): { org: RegisteredOrg; orgSecrets: OrgSecrets } {
  const config = orgConfig(entry, VALIDATION_BASE, label);
  const fields = entry as OrgEntry;
  const key = orgIdentityKey(config.zoho.orgName);
  const publicEntry = Object.fromEntries(Object.entries(fields).filter(([field]) => !(SECRET_FIELDS as readonly string[]).includes(field)));
  return {
    org: { key, rowKey: key, entry: publicEntry, secretName: secretNameOf(key), credential: credentialFingerprint(config.zoho) },
    orgSecrets: {
      clientSecret: config.zoho.clientSecret,
      refreshToken: config.zoho.refreshToken,
      ...(fields.slackWebhookUrl ? { slackWebhookUrl: fields.slackWebhookUrl } : {}),
      ...(fields.teamsWebhookUrl ? { teamsWebhookUrl: fields.teamsWebhookUrl } : {}),
    },
  };
}

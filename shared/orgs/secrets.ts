/**
 * Each registered org's secrets (Zoho client secret and refresh token, its own webhooks) in
 * Key Vault: one secret per org, a small JSON object, so that a check reads one secret and
 * 1,000 orgs are 1,000 secrets (a secret holds at most 25 KB: one for all would not fit).
 * The vault has purge protection: a removed org's secret stays recoverable for its retention
 * period, so adding the org again recovers the secret and then overwrites it.
 */
import { createHash } from 'node:crypto';
import type { TokenCredential } from '@azure/core-auth';

// The ES module build's types: the SDK is loaded with import() (shared/lazy.ts).
type SecretClient = import('@azure/keyvault-secrets', { with: { 'resolution-mode': 'import' }}).SecretClient;

import { CodedError } from '../errors';
import { onFirstUse } from '../lazy';
import { isLoopbackHost } from '../urls';

/** How often a recovery is polled: Key Vault usually finishes one within a few seconds. */
const RECOVERY_POLL_MS = 500;

export interface OrgSecrets {
  clientSecret: string;
  refreshToken: string;
  slackWebhookUrl?: string;
  teamsWebhookUrl?: string;
}

export interface OrgSecretStore {
  get(name: string): Promise<OrgSecrets>;
  put(name: string, secrets: OrgSecrets): Promise<void>;
  remove(name: string): Promise<void>;
}

/** The vault's name for an org's secret: readable, unique, within Key Vault's 127 [0-9a-zA-Z-]. */
export function secretNameOf(orgKey: string): string {
  const readable = orgKey.replace(/[^0-9A-Za-z]+/g, '-').slice(0, 80);
  return `zoho-org-${readable}-${createHash('sha256').update(orgKey).digest('hex').slice(0, 12)}`;
}

class OrgSecretsError extends CodedError {
  constructor(name: string, why: string) {
    super('ORG_SECRETS_UNAVAILABLE', `the org's secret ${name} ${why}`, 'Add the org again with "zoho-backup-notifier orgs add".');
  }
}

export class KeyVaultOrgSecrets implements OrgSecretStore {
  private readonly client: () => Promise<SecretClient>;

  /** The client (and the Key Vault SDK) is built on first use: listing orgs never needs it. */
  constructor(vaultUrl: string, credential: () => TokenCredential) {
    this.client = onFirstUse(async () => {
      const { SecretClient } = await import('@azure/keyvault-secrets');
      // A local stand-in for the vault answers the challenge for its own host, not *.vault.azure.net.
      const local = isLoopbackHost(new URL(vaultUrl).hostname);
      return new SecretClient(vaultUrl, credential(), { disableChallengeResourceVerification: local });
    });
  }

  async get(name: string): Promise<OrgSecrets> {
    const secret = await (await this.client()).getSecret(name).catch((error: unknown) => {
      throw statusOf(error) === 404 ? new OrgSecretsError(name, 'is not in the vault') : error;
    });
    return parseSecrets(name, secret.value);
  }

  async put(name: string, secrets: OrgSecrets): Promise<void> {
    const value = JSON.stringify(secrets);
    const client = await this.client();
    const set = () => client.setSecret(name, value, { contentType: 'application/json', tags: { app: 'zoho-backup-notifier' } });
    try {
      await set();
    } catch (error) {
      if (statusOf(error) !== 409) throw error;
      // Deleted but recoverable (purge protection): bring it back (Key Vault takes a moment), then overwrite it.
      await (await client.beginRecoverDeletedSecret(name, { intervalInMs: RECOVERY_POLL_MS })).pollUntilDone();
      await set();
    }
  }

  async remove(name: string): Promise<void> {
    try {
      // The delete is issued when the poller starts; the vault finishes it on its own.
      await (await this.client()).beginDeleteSecret(name);
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }
}

function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number } | null)?.statusCode;
}

/** The vault's value is untrusted input too: the right shape, or a clear error without it. */
function parseSecrets(name: string, value: string | undefined): OrgSecrets {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value ?? '');
  } catch {
    throw new OrgSecretsError(name, 'is not JSON');
  }
  const s = parsed as Record<string, unknown> | null;
  const optional = (v: unknown) => v === undefined || typeof v === 'string';
  if (
    !s ||
    typeof s.clientSecret !== 'string' ||
    typeof s.refreshToken !== 'string' ||
    !optional(s.slackWebhookUrl) ||
    !optional(s.teamsWebhookUrl)
  )
    throw new OrgSecretsError(name, 'lacks clientSecret or refreshToken');
  return {
    clientSecret: s.clientSecret,
    refreshToken: s.refreshToken,
    ...(s.slackWebhookUrl ? { slackWebhookUrl: s.slackWebhookUrl as string } : {}),
    ...(s.teamsWebhookUrl ? { teamsWebhookUrl: s.teamsWebhookUrl as string } : {}),
  };
}

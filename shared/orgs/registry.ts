/**
 * The registry of orgs a deployment watches besides the one in its settings: a Table in the
 * app's storage account, one entity per org with its non-secret fields and the name of its
 * secret in Key Vault. `zoho-backup-notifier orgs add|remove` writes it; the timer lists it.
 */
import type { TokenCredential } from '@azure/core-auth';
import { odata, RestError, type TableClient } from '@azure/data-tables';
import { identityCredential } from '../azureStorage';
import type { OrgEntry } from '../config/orgs';
import type { RegistrySettings } from '../config/partial';
import { CodedError } from '../errors';
import { orgIdentityKey, sameOrgName } from '../orgName';
import { isTableNotFound, tableClientFor, writeCreatingTable } from '../state/tableStore';
import { KeyVaultOrgSecrets } from './secrets';

export const ORGS_TABLE = 'zohoorgs';
const PARTITION = 'org';

/** An org's entry without its secrets, and where they are. */
export interface RegisteredOrg {
  /** The org's own key (its name: shared/orgName.ts), as the state and the queues know it. */
  key: string;
  /** Its row: the key, or the data centre and client ID for an org release 0.1 registered. */
  rowKey: string;
  entry: Omit<OrgEntry, 'clientSecret' | 'refreshToken' | 'slackWebhookUrl' | 'teamsWebhookUrl'>;
  secretName: string;
  /** A hash of its client and refresh token (credentialFingerprint): one consent is one org. */
  credential?: string;
}

interface OrgEntity {
  partitionKey: string;
  rowKey: string;
  entry: string;
  secretName: string;
  credential?: string;
}

class UnknownOrgError extends CodedError {
  constructor(which: string) {
    super(
      'ORG_UNKNOWN',
      `no registered org is ${JSON.stringify(which.slice(0, 100))}`,
      'Run "zoho-backup-notifier orgs list" to see the registered orgs.',
    );
  }
}

export class OrgRegistry {
  constructor(private readonly table: TableClient) {}

  /** No table yet is no org registered yet: it is created by the first `orgs add`. */
  async list(): Promise<RegisteredOrg[]> {
    const orgs: RegisteredOrg[] = [];
    try {
      const entities = this.table.listEntities<OrgEntity>({ queryOptions: { filter: odata`PartitionKey eq ${PARTITION}` } });
      for await (const entity of entities) orgs.push(orgOf(entity));
    } catch (error) {
      if (isTableNotFound(error)) return [];
      throw error;
    }
    return orgs;
  }

  /** The org under this key, or undefined when it was removed. */
  async get(key: string): Promise<RegisteredOrg | undefined> {
    try {
      return orgOf(await this.table.getEntity<OrgEntity>(PARTITION, key));
    } catch (error) {
      if (!(error instanceof RestError && error.statusCode === 404)) throw error;
    }
    // An org release 0.1 registered has its old row: found by its own key in the list.
    return (await this.list()).find((o) => o.key === key);
  }

  /** The org with this name or key: what people type. */
  async find(nameOrKey: string): Promise<RegisteredOrg> {
    const found = (await this.list()).find((o) => o.key === nameOrKey || sameOrgName(o.entry.name, nameOrKey));
    if (!found) throw new UnknownOrgError(nameOrKey);
    return found;
  }

  async put(org: RegisteredOrg): Promise<void> {
    const entity: OrgEntity = {
      partitionKey: PARTITION,
      rowKey: org.rowKey,
      entry: JSON.stringify(org.entry),
      secretName: org.secretName,
      ...(org.credential ? { credential: org.credential } : {}),
    };
    await writeCreatingTable(this.table, () => this.table.upsertEntity(entity, 'Replace'));
  }

  async remove(rowKey: string): Promise<void> {
    await this.table.deleteEntity(PARTITION, rowKey).catch((error: unknown) => {
      if (!(error instanceof RestError && error.statusCode === 404)) throw error;
    });
  }
}

/** The stored entry is checked again when the org is checked (orgConfig); here only its shape. */
function orgOf(entity: OrgEntity): RegisteredOrg {
  let entry: unknown;
  try {
    entry = JSON.parse(entity.entry);
  } catch {
    entry = undefined;
  }
  if (typeof entry !== 'object' || entry === null)
    throw new CodedError('ORG_UNKNOWN', `the registered org ${entity.rowKey} has an unreadable entry`, 'Remove the org and add it again.');
  const { name } = entry as { name?: unknown };
  return {
    key: typeof name === 'string' ? orgIdentityKey(name) : entity.rowKey,
    rowKey: entity.rowKey,
    entry: entry as RegisteredOrg['entry'],
    secretName: entity.secretName,
    ...(typeof entity.credential === 'string' ? { credential: entity.credential } : {}),
  };
}

/**
 * A deployment's registry table and vault, sharing one identity that is built on first use:
 * the app's managed identity (`clientId`), or whoever is signed in (az login) without one.
 */
export function openRegistry(
  settings: RegistrySettings,
  clientId: string | undefined,
): { registry: OrgRegistry; secrets: KeyVaultOrgSecrets } {
  let credential: TokenCredential | undefined;
  const identity = () => {
    credential ??= identityCredential(clientId);
    return credential;
  };
  return {
    registry: new OrgRegistry(tableClientFor(settings.storage, ORGS_TABLE, identity)),
    secrets: new KeyVaultOrgSecrets(settings.vaultUrl, identity),
  };
}

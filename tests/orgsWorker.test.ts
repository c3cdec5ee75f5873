/**
 * The registered orgs' runtimes on a warm worker: the registry in Azurite's Table storage,
 * the secrets in a store that counts its reads (Key Vault itself is tests/registry.test.ts's).
 */
import { randomBytes } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { orgIdentityKey } from '../shared/orgName';
import { OrgRegistry } from '../shared/orgs/registry';
import type { OrgSecretStore, OrgSecrets } from '../shared/orgs/secrets';
import { createOrgsWorker } from '../shared/orgs/worker';
import { azuriteConnectionString, freshTableStore } from './support/azurite';

const KEY = orgIdentityKey('Acme Ltd');
const SECRETS: OrgSecrets = {
  clientSecret: 'acme-secret-value',
  refreshToken: '1000.acme.refresh',
  slackWebhookUrl: 'https://hooks.slack.com/services/T0/B0/acme',
};

class CountingSecrets implements OrgSecretStore {
  reads = 0;
  failNext = false;

  async get(): Promise<OrgSecrets> {
    this.reads += 1;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('the vault did not answer');
    }
    return SECRETS;
  }

  async put(): Promise<void> {}
  async remove(): Promise<void> {}
}

async function orgsWorker() {
  const table = TableClient.fromConnectionString(azuriteConnectionString(), `o${randomBytes(6).toString('hex')}`, {
    allowInsecureConnection: true,
  });
  const registry = new OrgRegistry(table);
  const secrets = new CountingSecrets();
  const worker = createOrgsWorker({
    registry,
    secrets,
    queue: { enqueue: async () => {} },
    store: freshTableStore(),
    env: { AzureWebJobsStorage: azuriteConnectionString() },
  });
  const entry = { name: 'Acme Ltd', dc: 'eu', clientId: '1000.ACME' };
  const add = () => registry.put({ key: KEY, rowKey: KEY, entry, secretName: 'zoho-org-acme' });
  // As release 0.1 registered it: its row keyed by data centre and client ID.
  const addAsRelease01 = () => registry.put({ key: KEY, rowKey: 'eu-1000.ACME', entry, secretName: 'zoho-org-eu-1000-ACME' });
  return { worker, secrets, add, addAsRelease01 };
}

describe('a registered org runtime on a warm worker', () => {
  it('is built once for checks of the same org that arrive together', async () => {
    const { worker, secrets, add } = await orgsWorker();
    await add();
    const [first, second] = await Promise.all([worker.runtimeFor(KEY), worker.runtimeFor(KEY)]);
    expect(first).toBeDefined();
    expect(second).toBe(first);
    expect(secrets.reads).toBe(1);
    expect(await worker.runtimeFor(KEY)).toBe(first);
  });

  it('is not kept when its build failed or the org was not there: the next check asks again', async () => {
    const { worker, secrets, add } = await orgsWorker();
    expect(await worker.runtimeFor(KEY)).toBeUndefined();
    await add();
    secrets.failNext = true;
    await expect(worker.runtimeFor(KEY)).rejects.toThrow('the vault did not answer');
    const runtime = await worker.runtimeFor(KEY);
    expect(runtime?.org.key).toBe(KEY);
    expect(secrets.reads).toBe(2);
  });

  it('finds an org release 0.1 registered (its row keyed by data centre and client) by its own key', async () => {
    const { worker, addAsRelease01 } = await orgsWorker();
    await addAsRelease01();
    expect((await worker.list()).map((o) => o.key)).toEqual([KEY]);
    const runtime = await worker.runtimeFor(KEY);
    expect(runtime?.org).toMatchObject({ key: KEY, name: 'Acme Ltd', legacy: { key: 'eu-1000.ACME' } });
  });
});

/**
 * Upgrading from release 0.1, which keyed an org by its data centre and client ID: the state
 * that release wrote (tests/fixtures/upgrade, made by its own command line with make.mjs) is
 * adopted under the org's own key, so the next check announces nothing twice and keeps the
 * alert's history; and a second org on the same client does not take the first one's history.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { odata, TableClient } from '@azure/data-tables';
import { WebhookReceiver } from '../sandbox/webhookReceiver';
import { ZohoSandbox } from '../sandbox/zohoSandbox';
import { loadConfig } from '../shared/config';
import { silentLogger } from '../shared/log';
import { orgIdentityKey } from '../shared/orgName';
import { createRuntime } from '../shared/runtime';
import { TableStateStore } from '../shared/state/tableStore';
import type { WatchState } from '../shared/state/watchState';
import { azuriteConnectionString } from './support/azurite';
import { cli } from './support/cli';
import { tempFolders } from './support/tempFolders';

const tempFolder = tempFolders();
const FIXTURES = join(__dirname, 'fixtures/upgrade');
const OLD_KEY = 'us-1000.SANDBOXCLIENTID0000000000000';
const NEW_KEY = orgIdentityKey('Acme Ltd');
const ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?(Z|\+00:00)/g;

/**
 * A fixture's text with every timestamp moved by the same amount, in the format it had, so
 * that release 0.1's last check ran 10 minutes ago and its backup's links are still valid.
 */
function movedToNow(text: string, now: number): string {
  const lastCheck = Date.parse(/lastCheck\\?":\s*\{\s*\\?"at\\?":\s*\\?"([^"\\]+)/.exec(text)?.[1] ?? '');
  if (Number.isNaN(lastCheck)) throw new Error('the fixture has no lastCheck: make it again with make.mjs');
  const shift = now - 10 * 60_000 - lastCheck;
  return text.replace(ISO, (stamp, millis: string | undefined, zone: string) => {
    const moved = new Date(Date.parse(stamp) + shift).toISOString();
    return (millis ? moved : moved.replace('.000', '')).replace('Z', zone);
  });
}

let zoho: ZohoSandbox;
let chat: WebhookReceiver;
let settings: Record<string, string>;
let now: number;

beforeEach(async () => {
  now = Date.now();
  [zoho, chat] = await Promise.all([ZohoSandbox.start({ zgid: '700000001' }), WebhookReceiver.start()]);
  // The backup release 0.1 announced, at the same place in Zoho's history.
  const fixture = JSON.parse(movedToNow(readFileSync(join(FIXTURES, 'state-0.1.json'), 'utf8'), now));
  const announced = fixture[`${OLD_KEY}/watch`].value.backup;
  expect(zoho.completeBackup({ at: new Date(announced.logTime) }).historyId).toBe(announced.historyId);
  expect(Date.parse(announced.expiresAt)).toBeGreaterThan(now); // else "nothing announced twice" would prove nothing
  settings = { ...zoho.settings, SLACK_WEBHOOK_URL: chat.slackUrl, ZOHO_ORG_NAME: 'Acme Ltd', NOTIFY_TIMEZONE: 'UTC' };
});

afterEach(async () => {
  await Promise.all([zoho.close(), chat.close()]);
});

const texts = () => chat.messages.map((m) => JSON.stringify(m.body));

describe('upgrading from release 0.1 (orgs keyed by data centre and client ID)', () => {
  it("a state file: the next check announces no backup again, says the monitor recovered from release 0.1's alert, and status lists the org once", async () => {
    const cwd = tempFolder('upgrade-');
    const file = join(cwd, 'state.json');
    writeFileSync(file, movedToNow(readFileSync(join(FIXTURES, 'state-0.1.json'), 'utf8'), now));
    const env = { ...settings, STATE_FILE: file };

    const before = await cli(['status', '--json'], env, cwd);
    expect(JSON.parse(before.stdout)).toMatchObject({
      org: 'Acme Ltd',
      backup: { historyId: expect.any(String) },
      lastCheck: { outcome: 'failed' },
    });

    const check = await cli(['check'], env, cwd);
    expect(check.code).toBe(0);
    expect(texts()).toEqual([expect.stringMatching(/checking backups again|recovered/i)]);
    expect(texts().join()).not.toMatch(/backup is ready/i);

    const records = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { value: WatchState }>;
    expect(records[`${OLD_KEY}/watch`]?.value).toEqual({ movedTo: NEW_KEY });
    const adopted = records[`${NEW_KEY}/watch`]?.value;
    expect(adopted?.backup?.deliveries.slack?.status).toBe('delivered');
    expect(Object.keys(adopted?.alerts ?? {})).toContain('monitor-unhealthy');

    expect((await cli(['check'], env, cwd)).code).toBe(0);
    expect(chat.messages).toHaveLength(1);
    const status = await cli(['status', '--json'], env, cwd);
    expect(JSON.parse(status.stdout)).toMatchObject({ org: 'Acme Ltd', lastCheck: { outcome: expect.not.stringMatching(/failed/) } });
  });

  it('a Table: adopted by the org whose refresh token it was, never by another org on the same client', async () => {
    const tableName = `u${now.toString(36)}`;
    const table = TableClient.fromConnectionString(azuriteConnectionString(), tableName, { allowInsecureConnection: true });
    await table.createTable();
    const entities = JSON.parse(movedToNow(readFileSync(join(FIXTURES, 'table-0.1.json'), 'utf8'), now)) as Array<Record<string, string>>;
    for (const entity of entities) await table.createEntity(entity as { partitionKey: string; rowKey: string });
    const store = new TableStateStore(table);
    const check = (orgSettings: Record<string, string>) =>
      createRuntime(loadConfig({ ...settings, STATE_FILE: undefined, AzureWebJobsStorage: azuriteConnectionString(), ...orgSettings }), {
        store,
        log: silentLogger,
      }).runCheck(silentLogger);

    // A partner's second org, on the same client with its own consent, checks first.
    const zylker = await check({ ZOHO_ORG_NAME: 'Zylker', ZOHO_REFRESH_TOKEN: '1000.zylker.refresh' });
    expect(zylker.ok).toBe(false); // the sandbox knows only Acme's refresh token
    expect((await store.read<WatchState>(OLD_KEY, 'watch'))?.value.backup).toBeDefined();
    expect((await store.read<WatchState>(orgIdentityKey('Zylker'), 'watch'))?.value.backup).toBeUndefined();

    // Its alert says what may have revoked a partner's token: Zoho's 20 refresh tokens per user and client.
    expect(texts()).toEqual([expect.stringMatching(/Zylker.*keeps at most 20 refresh tokens per user for one client/)]);

    const acme = await check({});
    expect(acme.ok).toBe(true);
    expect(texts().slice(1)).toEqual([expect.stringMatching(/Acme Ltd is checking backups again/)]);
    expect((await store.read<WatchState>(OLD_KEY, 'watch'))?.value).toEqual({ movedTo: NEW_KEY });
    const rows: string[] = [];
    for await (const e of table.listEntities({ queryOptions: { filter: odata`RowKey eq 'watch'` } })) rows.push(e.partitionKey as string);
    expect(rows.sort()).toEqual([NEW_KEY, orgIdentityKey('Zylker'), OLD_KEY].sort());
  });
});

/**
 * Infrastructure checks without Azure or the Bicep CLI: every Bicep file parses, the
 * security properties hold on the parsed tree, and the settings the code reads, the Bicep
 * sets and the sample settings file lists agree.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Node } from 'web-tree-sitter';
import { ARCHIVE_QUEUE } from '../shared/archive/plan';
import { type Generation, keptDays } from '../shared/archive/retention';
import { SETTING_NAMES } from '../shared/config';
import { STATE_TABLE } from '../shared/state/tableStore';
import { DATA_CENTRE_NAMES } from '../shared/zoho/datacentres';
import {
  descendants,
  entries,
  identifiersIn,
  literal,
  modules,
  outputs,
  params,
  parseBicep,
  parseBicepFile,
  property,
  resources,
  syntaxProblems,
} from './support/bicep';
import { azdService } from './support/deploy/azdPackage';

const root = join(__dirname, '..');
const infra = join(root, 'infra');
const bicepFiles = [join(infra, 'main.bicep'), ...readdirSync(join(infra, 'modules')).map((f) => join(infra, 'modules', f))];

/** Settings the Functions host reads itself (not our config). */
const HOST_SETTINGS = [
  'AzureWebJobsStorage__accountName',
  'AzureWebJobsStorage__credential',
  'AzureWebJobsStorage__clientId',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  'BACKUP_WATCH_SCHEDULE',
];

/** Settings the code reads that Azure deliberately does not set, and why. */
const NOT_SET_ON_AZURE: Record<string, string> = {
  STATE_FILE: 'local runs only; on Azure the state lives in Table storage',
  ZOHO_ORGS_FILE: 'the command line and local runs; Azure reads one org from its settings',
  ARCHIVE_DIR: 'the command line archives to a folder; Azure archives to Blob storage (ARCHIVE_ENABLED)',
  AzureWebJobsStorage: 'connection-string form; Azure uses the identity-based __accountName form',
  AzureWebJobsStorage__tableServiceUri: 'alternative to __accountName',
  AzureWebJobsStorage__blobServiceUri: 'alternative to __accountName',
  AzureWebJobsStorage__queueServiceUri: 'alternative to __accountName',
};

/** Settings the local sample deliberately leaves out, and why. */
const NOT_IN_SAMPLE: Record<string, string> = {
  ZOHO_ORGS_FILE: 'an alternative to the single-org ZOHO_ settings the sample shows',
  ZOHO_ORGS_VAULT_URI: 'the registered orgs live on Azure; locally, ZOHO_ORGS_FILE',
  ARCHIVE_DIR: 'the command line only: the Functions host archives to Blob storage',
  AzureWebJobsStorage__accountName: 'identity-based storage is for Azure; locally Azurite',
  AzureWebJobsStorage__credential: 'identity-based storage is for Azure',
  AzureWebJobsStorage__clientId: 'identity-based storage is for Azure',
  AzureWebJobsStorage__tableServiceUri: 'identity-based storage is for Azure',
  AzureWebJobsStorage__blobServiceUri: 'identity-based storage is for Azure',
  AzureWebJobsStorage__queueServiceUri: 'identity-based storage is for Azure',
};

const SECRET_SETTINGS = ['ZOHO_CLIENT_SECRET', 'ZOHO_REFRESH_TOKEN', 'SLACK_WEBHOOK_URL', 'TEAMS_WEBHOOK_URL'];

const parsed = new Map<string, Node>();
async function tree(file: string): Promise<Node> {
  const path = isAbsolute(file) ? file : join(infra, file);
  if (!parsed.has(path)) parsed.set(path, await parseBicepFile(path));
  return parsed.get(path)!;
}

function resourceOfType(root: Node, type: string) {
  const found = resources(root).filter((r) => r.type === type);
  expect(found.length).toBeGreaterThan(0);
  return found;
}

describe('Bicep syntax', () => {
  it.each(bicepFiles.map((f) => [f.slice(root.length + 1), f]))('%s parses with no ERROR or missing node', async (_name, file) => {
    expect(syntaxProblems(await tree(file))).toEqual([]);
  });

  it('catches a broken file (so the check above can fail)', async () => {
    const broken = await parseBicep(
      "resource st 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: \n  properties: { minimumTlsVersion: 'TLS1_2'\n}\n",
    );
    expect(syntaxProblems(broken).length).toBeGreaterThan(0);
  });

  it('main.bicepparam sets only parameters main.bicep declares, and every required one', async () => {
    const text = readFileSync(join(infra, 'main.bicepparam'), 'utf8');
    expect(text).toMatch(/^using '\.\/main\.bicep'$/m);
    // The grammar knows Bicep, not bicepparam: give each `param x = value` a type so its
    // expression is parsed and checked like any Bicep default value.
    const asBicep = text.replace(/^using .*$/m, '').replace(/^param (\w+) =/gm, 'param $1 string =');
    const given = params(await parseBicep(asBicep));
    expect(syntaxProblems(await parseBicep(asBicep))).toEqual([]);
    const declared = params(await tree('main.bicep'));
    for (const p of given) expect(declared.map((d) => d.name)).toContain(p.name);
    for (const p of declared.filter((d) => !d.defaultValue)) expect(given.map((g) => g.name)).toContain(p.name);
    // Secrets come from the environment, never from the file.
    for (const p of given.filter((g) => declared.find((d) => d.name === g.name)?.decorators.includes('secure'))) {
      expect(p.defaultValue?.text).toMatch(/^readEnvironmentVariable\(/);
    }
  });
});

describe('main.bicep', () => {
  it('deploys at resource-group scope', async () => {
    const scope = descendants(await tree('main.bicep'), 'target_scope_assignment')[0];
    expect(scope?.text).toContain("'resourceGroup'");
  });

  it('describes every parameter, and allows exactly the data centres the code knows', async () => {
    const declared = params(await tree('main.bicep'));
    for (const p of declared)
      expect({ name: p.name, described: p.decorators.includes('description') }).toEqual({ name: p.name, described: true });
    const dc = declared.find((p) => p.name === 'zohoDataCentre')!;
    const allowed = dc.decoratorCalls.find((c) => c.namedChildren[0]?.text === 'allowed')!;
    expect(descendants(allowed, 'string').map(literal)).toEqual(DATA_CENTRE_NAMES);
  });

  it('takes every secret as a @secure() parameter', async () => {
    const secure = params(await tree('main.bicep'))
      .filter((p) => p.decorators.includes('secure'))
      .map((p) => p.name);
    expect(secure.sort()).toEqual(['slackWebhookUrl', 'teamsWebhookUrl', 'zohoClientSecret', 'zohoRefreshToken']);
  });
});

describe('security properties', () => {
  it('storage: StorageV2, TLS 1.2, no public blobs, no shared keys, https only', async () => {
    const [storage] = resourceOfType(await tree('modules/storage.bicep'), 'Microsoft.Storage/storageAccounts');
    expect(literal(property(storage!.body, 'kind'))).toBe('StorageV2');
    expect(literal(property(storage!.body, 'properties.minimumTlsVersion'))).toBe('TLS1_2');
    expect(literal(property(storage!.body, 'properties.allowBlobPublicAccess'))).toBe(false);
    expect(literal(property(storage!.body, 'properties.allowSharedKeyAccess'))).toBe(false);
    expect(literal(property(storage!.body, 'properties.supportsHttpsTrafficOnly'))).toBe(true);
    const [container] = resourceOfType(await tree('modules/storage.bicep'), 'Microsoft.Storage/storageAccounts/blobServices/containers');
    expect(literal(property(container!.body, 'properties.publicAccess'))).toBe('None');
  });

  it('storage: provisions the state table the code uses', async () => {
    const p = params(await tree('modules/storage.bicep')).find((x) => x.name === 'stateTableName');
    expect(literal(p?.defaultValue)).toBe(STATE_TABLE);
  });

  it('storage: a private archive container, write once (version-level immutability, an unlocked time-based policy), and its queue', async () => {
    const root = await tree('modules/storage.bicep');
    const containers = resourceOfType(root, 'Microsoft.Storage/storageAccounts/blobServices/containers');
    expect(containers.map((c) => property(c.body, 'name')?.text).sort()).toEqual(['archiveContainerName', 'deploymentContainerName']);
    for (const c of containers) expect(literal(property(c.body, 'properties.publicAccess'))).toBe('None');
    const archive = containers.find((c) => property(c.body, 'name')?.text === 'archiveContainerName')!;
    expect(literal(property(archive.body, 'properties.immutableStorageWithVersioning.enabled'))).toBe(true);
    const [policy] = resourceOfType(root, 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies');
    expect(literal(property(policy!.body, 'name'))).toBe('default');
    expect(property(policy!.body, 'properties.immutabilityPeriodSinceCreationInDays')?.text).toBe('archiveKeepDailyDays');
    expect(literal(property(policy!.body, 'properties.allowProtectedAppendWrites'))).toBe(false);
    // Unlocked: no lock action in the template (README "Archive" says how to lock it).
    expect(readFileSync(join(__dirname, '../infra/modules/storage.bicep'), 'utf8')).not.toMatch(/\/lock\b|immutabilityPolicies\/lock/);
    const [blobService] = resourceOfType(root, 'Microsoft.Storage/storageAccounts/blobServices');
    expect(literal(property(blobService!.body, 'properties.isVersioningEnabled'))).toBe(true);
    expect(literal(property(blobService!.body, 'properties.deleteRetentionPolicy.enabled'))).toBe(true);
    expect(literal(property(blobService!.body, 'properties.containerDeleteRetentionPolicy.enabled'))).toBe(true);
    const queueParam = params(root).find((p) => p.name === 'archiveQueueName');
    expect(literal(queueParam?.defaultValue)).toBe(ARCHIVE_QUEUE);
    resourceOfType(root, 'Microsoft.Storage/storageAccounts/queueServices/queues');
  });

  it("rbac: the app identity's Blob role cannot delete in the archive container (a condition on the assignment)", async () => {
    const root = await tree('modules/rbac.bicep');
    const owner = resourceOfType(root, 'Microsoft.Authorization/roleAssignments').find((r) => r.symbol === 'blobOwner')!;
    expect(property(owner.body, 'properties.condition')?.text).toBe('noArchiveDeletes');
    expect(literal(property(owner.body, 'properties.conditionVersion'))).toBe('2.0');
    const actions = descendants(root, 'variable_declaration').find((v) => v.text.startsWith('var archiveDeleteActions'))!;
    const listed = descendants(actions, 'string').map((n) => literal(n));
    expect(listed).toEqual([
      'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete',
      'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/deleteBlobVersion/action',
      'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/permanentDelete/action',
      'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/runAsSuperUser/action',
    ]);
    const text = descendants(root, 'variable_declaration')
      .map((v) => v.text)
      .join('\n');
    expect(text).toMatch(/containers:name\] StringNotEquals \\'\$\{archiveContainerName\}\\'/);
    expect(text).toMatch(/join\(map\(archiveDeleteActions, action => '!\(ActionMatches\{\\'\$\{action\}\\'\}\)'\), ' AND '\)/);
  });

  it('function app: the report page signs owners in with Entra ID (only when a client ID is given), and leaves the key-protected functions to their keys', async () => {
    const root = await tree('modules/functionapp.bicep');
    const auth = resourceOfType(root, 'Microsoft.Web/sites/config').find((r) => r.symbol === 'auth')!;
    expect(auth.conditional).toBe(true);
    expect(literal(property(auth.body, 'name'))).toBe('authsettingsV2');
    expect(literal(property(auth.body, 'properties.platform.enabled'))).toBe(true);
    expect(literal(property(auth.body, 'properties.globalValidation.requireAuthentication'))).toBe(true);
    expect(literal(property(auth.body, 'properties.globalValidation.unauthenticatedClientAction'))).toBe('RedirectToLoginPage');
    const excluded = descendants(property(auth.body, 'properties.globalValidation.excludedPaths')!, 'string').map((n) => literal(n));
    expect(excluded).toEqual(['/api/backupCheck', '/api/backupStatus', '/admin', '/runtime']);
    expect(property(auth.body, 'properties.identityProviders.azureActiveDirectory.registration.clientId')?.text).toBe('reportAuthClientId');
    expect(property(auth.body, 'properties.identityProviders.azureActiveDirectory.validation.defaultAuthorizationPolicy')?.text).toContain(
      'allowedPrincipals: { identities: reportAllowedPrincipals }',
    );
  });

  it('storage: lifecycle rules per generation tag tier and delete the archive as retention.ts counts it', async () => {
    const root = await tree('modules/storage.bicep');
    const [policy] = resourceOfType(root, 'Microsoft.Storage/storageAccounts/managementPolicies');
    const loop = descendants(policy!.body, 'for_statement')[0]!;
    expect(loop.text).toMatch(/for generation in \[\s*'daily', 'monthly', 'yearly'\s*\]/);
    const rule = descendants(loop, 'object').find((o) => literal(property(o, 'type')) === 'Lifecycle')!;
    expect(property(rule, 'definition.filters.blobIndexMatch')?.text.replace(/\s+/g, ' ')).toBe(
      "[ { name: 'generation', op: '==', value: generation } ]",
    );
    expect(property(rule, 'definition.filters.prefixMatch')?.text).toMatch(/^\[ '\$\{archiveContainerName\}\/' \]$/);
    expect(property(rule, 'definition.actions.version.delete.daysAfterCreationGreaterThan')?.text).toBe('keptDays[generation]');
    const kept = descendants(root, 'variable_declaration')
      .find((v) => v.text.startsWith('var keptDays'))!
      .text.replace(/\s+/g, ' ');
    expect(kept).toContain('daily: archiveKeepDailyDays');
    expect(kept).toContain('monthly: max(archiveKeepDailyDays, archiveKeepMonthlyMonths * 31)');
    expect(kept).toContain('yearly: max(archiveKeepDailyDays, archiveKeepMonthlyMonths * 31, archiveKeepYearlyYears * 366)');
    const retention = { keepDailyDays: 35, keepMonthlyMonths: 12, keepYearlyYears: 7 };
    expect(['daily', 'monthly', 'yearly'].map((g) => keptDays(g as Generation, retention))).toEqual([35, 372, 2562]);
    for (const [name, value] of [
      ['archiveKeepDailyDays', 35],
      ['archiveKeepMonthlyMonths', 12],
      ['archiveKeepYearlyYears', 7],
    ] as const)
      expect(literal(params(root).find((p) => p.name === name)?.defaultValue)).toBe(value);
  });

  it('key vault: RBAC authorization, soft delete and purge protection', async () => {
    const [vault] = resourceOfType(await tree('modules/keyvault.bicep'), 'Microsoft.KeyVault/vaults');
    expect(literal(property(vault!.body, 'properties.enableRbacAuthorization'))).toBe(true);
    expect(literal(property(vault!.body, 'properties.enableSoftDelete'))).toBe(true);
    expect(literal(property(vault!.body, 'properties.enablePurgeProtection'))).toBe(true);
  });

  it('key vault: secure parameters flow only into secret values (or emptiness checks)', async () => {
    const root = await tree('modules/keyvault.bicep');
    const secure = params(root)
      .filter((p) => p.decorators.includes('secure'))
      .map((p) => p.name);
    expect(secure).toHaveLength(4);
    const secretValues = resourceOfType(root, 'Microsoft.KeyVault/vaults/secrets').map((s) => property(s.body, 'properties.value')!);
    for (const reference of descendants(root, 'identifier').filter(
      (i) => secure.includes(i.text) && i.parent?.type !== 'parameter_declaration',
    )) {
      const inSecretValue = secretValues.some((v) => v.equals(reference));
      const inEmptyCheck =
        reference.parent?.parent?.type === 'call_expression' && reference.parent.parent.namedChildren[0]?.text === 'empty';
      expect({ line: reference.startPosition.row + 1, safe: inSecretValue || inEmptyCheck }).toEqual({
        line: reference.startPosition.row + 1,
        safe: true,
      });
    }
  });

  it('main: secure parameters go only to the key vault module (or emptiness checks)', async () => {
    const root = await tree('main.bicep');
    const secure = params(root)
      .filter((p) => p.decorators.includes('secure'))
      .map((p) => p.name);
    const vaultModule = modules(root).find((m) => m.path === 'modules/keyvault.bicep')!;
    for (const reference of descendants(root, 'identifier').filter(
      (i) => secure.includes(i.text) && i.parent?.type !== 'parameter_declaration',
    )) {
      const inVaultModule = reference.startIndex >= vaultModule.body.startIndex && reference.endIndex <= vaultModule.body.endIndex;
      const inEmptyCheck =
        reference.parent?.parent?.type === 'call_expression' && reference.parent.parent.namedChildren[0]?.text === 'empty';
      expect({ line: reference.startPosition.row + 1, safe: inVaultModule || inEmptyCheck }).toEqual({
        line: reference.startPosition.row + 1,
        safe: true,
      });
    }
  });

  it('no output carries a secret, a key or a connection string with a key', async () => {
    for (const file of bicepFiles) {
      const root = await tree(file);
      const secure = params(root)
        .filter((p) => p.decorators.includes('secure'))
        .map((p) => p.name);
      for (const output of outputs(root)) {
        const used = identifiersIn(output.value);
        expect({ file, output: output.name, secrets: used.filter((u) => secure.includes(u)) }).toEqual({
          file,
          output: output.name,
          secrets: [],
        });
        expect(used.some((u) => /^list(Keys|Secrets|AccountSas|ServiceSas)$/i.test(u))).toBe(false);
      }
    }
  });

  it('function app: Flex Consumption, Linux, Node 24 (the newest line engines admits), HTTPS only, TLS 1.2, no ftpsState, no basic-auth publishing, user-assigned identity', async () => {
    const root = await tree('modules/functionapp.bicep');
    const [plan] = resourceOfType(root, 'Microsoft.Web/serverfarms');
    expect(literal(property(plan!.body, 'sku.name'))).toBe('FC1');
    expect(literal(property(plan!.body, 'properties.reserved'))).toBe(true);
    const [site] = resourceOfType(root, 'Microsoft.Web/sites');
    expect(literal(property(site!.body, 'kind'))).toBe('functionapp,linux');
    expect(literal(property(site!.body, 'properties.httpsOnly'))).toBe(true);
    expect(literal(property(site!.body, 'properties.siteConfig.minTlsVersion'))).toBe('1.2');
    // Flex Consumption rejects ftpsState (ARM 51021); the ftp publishing policy below turns FTP off.
    expect(property(site!.body, 'properties.siteConfig.ftpsState')).toBeUndefined();
    expect(property(site!.body, 'properties.keyVaultReferenceIdentity')?.text).toBe('identityId');
    expect(literal(property(site!.body, 'identity.type'))).toBe('UserAssigned');
    expect(literal(property(site!.body, 'properties.functionAppConfig.runtime.name'))).toBe('node');
    expect(literal(property(site!.body, 'properties.functionAppConfig.runtime.version'))).toBe('24');
    const engines = JSON.parse(readFileSync(join(__dirname, '../package.json'), 'utf8')).engines.node as string;
    expect(engines.split('||').map((line) => line.trim())).toEqual(['^22.2', '^24']); // 22.2: zlib.crc32, which the inspection of every zip entry uses
    expect(literal(property(site!.body, 'properties.functionAppConfig.deployment.storage.authentication.type'))).toBe(
      'UserAssignedIdentity',
    );
    const publishing = resourceOfType(root, 'Microsoft.Web/sites/basicPublishingCredentialsPolicies');
    expect(publishing.map((p) => [literal(property(p.body, 'name')), literal(property(p.body, 'properties.allow'))]).sort()).toEqual([
      ['ftp', false],
      ['scm', false],
    ]);
  });

  it('app settings: secrets only as Key Vault references, storage identity-based', async () => {
    const settings = await bicepAppSettings();
    for (const name of SECRET_SETTINGS) {
      const strings = [settings.get(name)!, ...descendants(settings.get(name)!, 'string')].filter((n) => n.type === 'string');
      const nonEmpty = strings.filter((s) => s.text !== "''");
      expect(nonEmpty.length).toBeGreaterThan(0);
      for (const s of nonEmpty) expect(s.text).toMatch(/^'@Microsoft\.KeyVault\(SecretUri=\$\{keyVault\.outputs\.\w+Uri\}\)'$/);
    }
    expect(literal(settings.get('AzureWebJobsStorage__credential'))).toBe('managedidentity');
    expect(settings.has('AzureWebJobsStorage')).toBe(false);
  });

  it("rbac: the app identity's five least-privilege roles and, for the orgs' administrator only, three more; each named by a deterministic guid()", async () => {
    const assignments = resourceOfType(await tree('modules/rbac.bicep'), 'Microsoft.Authorization/roleAssignments');
    const roleVar = descendants(await tree('modules/rbac.bicep'), 'variable_declaration').find(
      (v) => v.namedChildren[0]?.text === 'roles',
    )!;
    const roleIds = Object.fromEntries(entries(roleVar.namedChildren[1]!).map(([k, v]) => [k, literal(v)]));
    expect(Object.values(roleIds).sort()).toEqual(
      [
        'b7e6dc6d-f1e8-4753-8033-0f276bb0955b', // Storage Blob Data Owner
        '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3', // Storage Table Data Contributor
        '974c5e8b-45b9-4653-ba55-5f855dd0fb88', // Storage Queue Data Contributor
        '4633458b-17de-408a-b874-0445c86b69e6', // Key Vault Secrets User
        '3913510d-42f4-4e42-8a64-420c390055eb', // Monitoring Metrics Publisher
        'b86a8fe4-44ce-4948-aee5-eccb2c155cd7', // Key Vault Secrets Officer (the orgs' administrator)
        '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1', // Storage Blob Data Reader (the administrator, on the archive)
      ].sort(),
    );
    expect(assignments).toHaveLength(8);
    const byPrincipal = new Map<string, string[]>();
    for (const a of assignments) {
      const name = property(a.body, 'name')!;
      expect(name.type).toBe('call_expression');
      expect(name.namedChildren[0]?.text).toBe('guid');
      const principal = property(a.body, 'properties.principalId')!.text;
      const role = property(a.body, 'properties.roleDefinitionId')!.text.match(/roles\.(\w+)/)![1]!;
      byPrincipal.set(principal, [...(byPrincipal.get(principal) ?? []), role]);
      if (principal === 'principalId') expect(literal(property(a.body, 'properties.principalType'))).toBe('ServicePrincipal');
    }
    expect(byPrincipal.get('principalId')?.sort()).toEqual(
      Object.keys(roleIds)
        .filter((r) => r !== 'keyVaultSecretsOfficer' && r !== 'storageBlobDataReader')
        .sort(),
    );
    // The administrator writes org secrets and registry entries; nothing else, and only when named.
    expect(byPrincipal.get('adminPrincipalId')?.sort()).toEqual([
      'keyVaultSecretsOfficer',
      'storageBlobDataReader',
      'storageTableDataContributor',
    ]);
    const reader = assignments.find((a) => a.symbol === 'adminArchiveReader')!;
    expect(property(reader.body, 'scope')?.text).toBe('archive');
  });

  it.each(['main.bicep', 'modules/alerts.bicep'])(
    '%s allows only the stale-check windows a scheduled-query rule accepts, from 30 minutes',
    async (file) => {
      const stale = params(await tree(file)).find((p) => p.name === 'staleCheckMinutes')!;
      const allowed = stale.decoratorCalls.find((c) => c.namedChildren[0]?.text === 'allowed');
      // Azure Monitor's windowSize: 5, 10, 15, 30, 45, 60, 120, 180, 240, 300, 360, 1440 or 2880 minutes.
      const windows = [5, 10, 15, 30, 45, 60, 120, 180, 240, 300, 360, 1440, 2880];
      expect(descendants(allowed!, 'number').map(literal)).toEqual(windows.filter((m) => m >= 30));
      if (file === 'main.bicep') expect(literal(stale.defaultValue)).toBe(60);
    },
  );

  it('alerts: the stale-check window is the parameter in minutes, evaluated every 15 minutes', async () => {
    const [rule] = resourceOfType(await tree('modules/alerts.bicep'), 'Microsoft.Insights/scheduledQueryRules').filter((r) =>
      property(r.body, 'properties.windowSize')?.text.includes('staleCheckMinutes'),
    );
    expect(property(rule!.body, 'properties.windowSize')?.text).toMatch(/^'PT\$\{staleCheckMinutes\}M'$/);
    expect(literal(property(rule!.body, 'properties.evaluationFrequency'))).toBe('PT15M');
  });

  it('alerts: the first failing check and a stale successful check both alert an action group', async () => {
    const root = await tree('modules/alerts.bicep');
    resourceOfType(root, 'Microsoft.Insights/actionGroups');
    const rules = resourceOfType(root, 'Microsoft.Insights/scheduledQueryRules');
    expect(rules).toHaveLength(2);
    for (const rule of rules) expect(property(rule.body, 'properties.actions.actionGroups')?.text).toContain('actionGroup.id');
    const queries = rules.map((r) =>
      descendants(r.body, 'string')
        .map(literal)
        .find((s) => typeof s === 'string' && s.startsWith('requests')),
    );
    expect(queries).toEqual([expect.stringContaining('success == false'), expect.stringContaining('success == true')]);
    // "Checks are failing" fires on the first failed check, not the second.
    const failing = rules.find((r) => r.symbol === 'checksFailing')!;
    const criterion = descendants(property(failing.body, 'properties.criteria.allOf')!, 'object')[0]!;
    expect([literal(property(criterion, 'operator')), literal(property(criterion, 'threshold'))]).toEqual(['GreaterThan', 0]);
  });
});

/** The app settings the Bicep sets: main's contractSettings plus the module's own. */
async function bicepAppSettings(): Promise<Map<string, Node>> {
  const main = await tree('main.bicep');
  const appModule = modules(main).find((m) => m.path === 'modules/functionapp.bicep')!;
  const contract = property(appModule.body, 'params.contractSettings')!;
  const [site] = resources(await tree('modules/functionapp.bicep')).filter((r) => r.type === 'Microsoft.Web/sites/config');
  const union = property(site!.body, 'properties')!;
  const moduleObject = descendants(union, 'object')[0]!;
  return new Map([...entries(contract), ...entries(moduleObject)]);
}

describe('settings consistency', () => {
  const sample = Object.keys(JSON.parse(readFileSync(join(root, 'local.settings.sample.json'), 'utf8')).Values as object);

  it('Bicep sets every setting the code reads (but the documented exceptions)', async () => {
    const set = [...(await bicepAppSettings()).keys()];
    const missing = SETTING_NAMES.filter((name) => !set.includes(name) && !(name in NOT_SET_ON_AZURE));
    expect(missing).toEqual([]);
  });

  it('every setting Bicep sets is read by the code or by the Functions host', async () => {
    const orphans = [...(await bicepAppSettings()).keys()].filter(
      (name) => !(SETTING_NAMES as string[]).includes(name) && !HOST_SETTINGS.includes(name),
    );
    expect(orphans).toEqual([]);
  });

  it('the sample settings file lists every setting the code reads (but the documented exceptions), and no orphan', () => {
    expect(SETTING_NAMES.filter((name) => !sample.includes(name) && !(name in NOT_IN_SAMPLE))).toEqual([]);
    expect(
      sample.filter(
        (name) => !(SETTING_NAMES as string[]).includes(name) && !HOST_SETTINGS.includes(name) && name !== 'FUNCTIONS_WORKER_RUNTIME',
      ),
    ).toEqual([]);
  });

  it('every setting the code reads is in the README configuration table', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const name of SETTING_NAMES) expect({ name, documented: readme.includes(`\`${name}\``) }).toEqual({ name, documented: true });
  });
});

describe('deployment files', () => {
  it('azure.yaml publishes dist/app as a TypeScript function app, as built, with no hook, and the Bicep in infra/', () => {
    const service = azdService(root);
    expect(service).toEqual({ project: '.', language: 'ts', host: 'function', dist: 'dist/app', remoteBuild: false });
    expect(readFileSync(join(root, 'azure.yaml'), 'utf8')).toMatch(/^ {2}path: infra$/m);
    // azd decides remote build by the project folder's .funcignore, whatever dist: says; there is none.
    expect(existsSync(join(root, '.funcignore'))).toBe(false);
  });

  it('deploy.yml publishes from dist/app with a worker runtime, and defaults every optional variable GitHub would pass as empty', () => {
    const workflow = readFileSync(join(root, '.github/workflows/deploy.yml'), 'utf8');
    expect(workflow).toMatch(/working-directory: dist\/app\n[\s\S]*func azure functionapp publish "\$app" --javascript/);
    for (const name of ['AZURE_ENV_NAME', 'ZOHO_DC', 'ZOHO_ORG_NAME', 'NOTIFY_TIMEZONE', 'ALERT_EMAIL', 'ARCHIVE_ENABLED']) {
      expect(workflow).toMatch(new RegExp(`${name}: \\$\\{\\{ vars\\.${name} \\|\\| '[^']*' \\}\\}`));
    }
  });

  it('uses only actions whose major version runs on Node 24, which GitHub forces Node 20 actions onto', () => {
    // The first majors built for Node 24: checkout v5, setup-node v5, azure/login v3.
    const FIRST_ON_NODE_24: Record<string, number> = { 'actions/checkout': 5, 'actions/setup-node': 5, 'azure/login': 3 };
    for (const file of ['ci.yml', 'deploy.yml']) {
      const uses = [...readFileSync(join(root, '.github/workflows', file), 'utf8').matchAll(/uses: ([\w-]+\/[\w-]+)@v(\d+)/g)];
      expect(uses.length).toBeGreaterThan(0);
      for (const [, action, major] of uses)
        expect({ action, major: Number(major) >= (FIRST_ON_NODE_24[action!] ?? Infinity) }).toEqual({ action, major: true });
    }
  });
});

// Key Vault for the Zoho credentials and webhook URLs: RBAC authorization, soft delete and
// purge protection. Secrets arrive as @secure() parameters and leave only as secret URIs
// (never values), which the app settings use as Key Vault references.
param name string
param location string
param tags object

@secure()
param zohoClientSecret string
@secure()
param zohoRefreshToken string
@secure()
param slackWebhookUrl string
@secure()
param teamsWebhookUrl string

var slackWebhookSecretName = 'slack-webhook-url'
var teamsWebhookSecretName = 'teams-webhook-url'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

// The org in the app settings is optional: a deployment may watch registered orgs only.
resource zohoClientSecretSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(zohoClientSecret)) {
  parent: vault
  name: 'zoho-client-secret'
  properties: { value: zohoClientSecret }
}

resource zohoRefreshTokenSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(zohoRefreshToken)) {
  parent: vault
  name: 'zoho-refresh-token'
  properties: { value: zohoRefreshToken }
}

resource slackWebhookSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(slackWebhookUrl)) {
  parent: vault
  name: slackWebhookSecretName
  properties: { value: slackWebhookUrl }
}

resource teamsWebhookSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(teamsWebhookUrl)) {
  parent: vault
  name: teamsWebhookSecretName
  properties: { value: teamsWebhookUrl }
}

output name string = vault.name
output id string = vault.id
// Also where `zoho-backup-notifier orgs add` keeps each registered org's secret.
output uri string = vault.properties.vaultUri
// Secret URIs without a version, so the app always reads the latest value. Every one is
// optional: main.bicep uses a URI only when its secret was given.
output zohoClientSecretUri string = '${vault.properties.vaultUri}secrets/zoho-client-secret'
output zohoRefreshTokenUri string = '${vault.properties.vaultUri}secrets/zoho-refresh-token'
output slackWebhookUri string = '${vault.properties.vaultUri}secrets/${slackWebhookSecretName}'
output teamsWebhookUri string = '${vault.properties.vaultUri}secrets/${teamsWebhookSecretName}'

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

resource zohoClientSecretSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'zoho-client-secret'
  properties: { value: zohoClientSecret }
}

resource zohoRefreshTokenSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
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
// Secret URIs without a version, so the app always reads the latest value. The webhook
// secrets are optional: their URIs are used by main.bicep only when the webhook is given.
output zohoClientSecretUri string = zohoClientSecretSecret.properties.secretUri
output zohoRefreshTokenUri string = zohoRefreshTokenSecret.properties.secretUri
output slackWebhookUri string = '${vault.properties.vaultUri}secrets/${slackWebhookSecretName}'
output teamsWebhookUri string = '${vault.properties.vaultUri}secrets/${teamsWebhookSecretName}'

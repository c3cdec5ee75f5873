// Zoho CRM backup notifier: everything one resource group needs. Deploy with
//   az deployment group create -g <group> -p infra/main.bicepparam
// (or azd up). Secrets are @secure() parameters stored in Key Vault, never outputs.
targetScope = 'resourceGroup'

@description('Short name that prefixes and seeds every resource name (letters and digits).')
@minLength(3)
@maxLength(12)
param environmentName string

@description('Azure region; defaults to the resource group\'s. Flex Consumption must be available there.')
param location string = resourceGroup().location

@description('Zoho data centre of your CRM account.')
@allowed([ 'us', 'eu', 'in', 'au', 'jp', 'ca', 'cn', 'sa' ])
param zohoDataCentre string = 'us'

@description('Client ID of your Zoho Self Client (not a secret); empty to watch registered orgs only (zoho-backup-notifier orgs add).')
param zohoClientId string = ''

@description('Client Secret of your Zoho Self Client.')
@secure()
param zohoClientSecret string = ''

@description('Refresh token with scope ZohoCRM.bulk.backup.READ.')
@secure()
param zohoRefreshToken string = ''

@description('Slack incoming webhook URL; empty for none (at least one of Slack and Teams).')
@secure()
param slackWebhookUrl string = ''

@description('Teams Workflows webhook URL; empty for none (at least one of Slack and Teams).')
@secure()
param teamsWebhookUrl string = ''

@description('Name of the org as shown in messages.')
param zohoOrgName string = 'Zoho CRM'

@description('Zoho CRM bulk API version.')
param zohoApiVersion string = 'v8'

@description('Explicit Zoho accounts server; empty uses the data centre\'s.')
param zohoAccountsUrl string = ''

@description('Explicit Zoho API domain; empty uses the data centre\'s.')
param zohoApiDomain string = ''

@description('IANA time zone for dates in messages, e.g. Europe/Berlin.')
param notifyTimeZone string = 'UTC'

@description('NCRONTAB schedule of the backup check (six fields).')
param backupWatchSchedule string = '0 */10 * * * *'

@description('How long past its scheduled time a backup may run before it is reported overdue (e.g. 6h).')
param backupOverdueGrace string = '6h'

@description('Consecutive failed checks (for passing errors) before the monitor reports itself in Slack/Teams.')
@minValue(1)
param alertAfterFailures int = 3

@description('Data-loss alarm: a module that lost at least this percent of its records since the previous archived backup (and at least recordDropMin records); 0 turns it off.')
@minValue(0)
@maxValue(100)
param recordDropPercent int = 10

@description('Data-loss alarm: the fewest lost records of a module that count; 0 turns it off.')
@minValue(0)
param recordDropMin int = 50

@description('How long before the links expire to remind (e.g. 24h); 0 disables.')
param remindBeforeExpiry string = '24h'

@description('The total time one check may take, whatever Zoho, Slack or Teams do (1m to 20m).')
param checkDeadline string = '3m'

@description('Keep a copy of every backup in the storage account before Zoho\'s links expire.')
param archiveEnabled bool = false

@description('Blob container for the archive.')
param archiveContainer string = 'archive'

@description('Days the archive keeps every backup (and none can be changed or deleted before: the container\'s immutability policy).')
@minValue(1)
@maxValue(3650)
param archiveKeepDailyDays int = 35

@description('Months the archive keeps the first backup of each month.')
@minValue(0)
@maxValue(120)
param archiveKeepMonthlyMonths int = 12

@description('Years the archive keeps the first backup of each year.')
@minValue(0)
@maxValue(100)
param archiveKeepYearlyYears int = 7

@description('Client ID of an Entra ID app registration for the report page (/api/report): App Service Authentication signs owners in with it. Empty: the page answers 401 to everyone.')
param reportAuthClientId string = ''

@description('Object IDs of the users (or service principals) allowed to open the report page; empty: anyone in the tenant who signs in.')
param reportAllowedPrincipals array = []

@description('Origins allowed to receive the Zoho token for downloads; empty: the data centre\'s download*.zoho hosts.')
param zohoDownloadHosts string = ''

@description('Object id of who manages the registered orgs (az ad signed-in-user show --query id); azd passes the signed-in user. Empty for nobody.')
param adminPrincipalId string = ''

@description('E-mail address for monitoring alerts; empty for none.')
param alertEmail string = ''

@description('Alert when no check has succeeded for this many minutes.')
// A scheduled-query rule's windowSize takes only these durations (any other fails the
// deployment); from 30 minutes up, so that one late run of the 10-minute timer is no alert.
@allowed([30, 45, 60, 120, 180, 240, 300, 360, 1440, 2880])
param staleCheckMinutes int = 60

var token = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var tags = { 'azd-env-name': environmentName, app: 'zoho-backup-notifier' }
var names = {
  functionApp: 'func-${environmentName}-${token}'
  plan: 'plan-${environmentName}-${token}'
  identity: 'id-${environmentName}-${token}'
  storage: take('st${toLower(environmentName)}${token}', 24)
  keyVault: take('kv-${environmentName}-${token}', 24)
  logAnalytics: 'log-${environmentName}-${token}'
  appInsights: 'appi-${environmentName}-${token}'
  deploymentContainer: 'app-package-${token}'
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: names.logAnalytics
    appInsightsName: names.appInsights
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    tags: tags
    deploymentContainerName: names.deploymentContainer
    archiveContainerName: archiveContainer
    archiveKeepDailyDays: archiveKeepDailyDays
    archiveKeepMonthlyMonths: archiveKeepMonthlyMonths
    archiveKeepYearlyYears: archiveKeepYearlyYears
  }
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: names.keyVault
    location: location
    tags: tags
    zohoClientSecret: zohoClientSecret
    zohoRefreshToken: zohoRefreshToken
    slackWebhookUrl: slackWebhookUrl
    teamsWebhookUrl: teamsWebhookUrl
  }
}

module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
    archiveContainerName: archiveContainer
    adminPrincipalId: adminPrincipalId
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  dependsOn: [ rbac ]
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: names.deploymentContainer
    appInsightsConnectionString: monitoring.outputs.connectionString
    // With the archive on: V8 collects the download's socket Buffers every 8 MB, not every 32,
    // keeping a 1 GB part's copy under 120 MB (npm run bench; README "Archive").
    nodeWorkerArguments: archiveEnabled ? '--scavenger-max-new-space-capacity-mb=2' : ''
    reportAuthClientId: reportAuthClientId
    reportAllowedPrincipals: reportAllowedPrincipals
    contractSettings: {
      ZOHO_CLIENT_ID: zohoClientId
      ZOHO_CLIENT_SECRET: empty(zohoClientSecret) ? '' : '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.zohoClientSecretUri})'
      ZOHO_REFRESH_TOKEN: empty(zohoRefreshToken) ? '' : '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.zohoRefreshTokenUri})'
      // The registered orgs' secrets (zoho-backup-notifier orgs add); their entries are in the zohoorgs table.
      ZOHO_ORGS_VAULT_URI: keyVault.outputs.uri
      ZOHO_DC: zohoDataCentre
      ZOHO_ACCOUNTS_URL: zohoAccountsUrl
      ZOHO_API_DOMAIN: zohoApiDomain
      ZOHO_API_VERSION: zohoApiVersion
      ZOHO_ORG_NAME: zohoOrgName
      SLACK_WEBHOOK_URL: empty(slackWebhookUrl) ? '' : '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.slackWebhookUri})'
      TEAMS_WEBHOOK_URL: empty(teamsWebhookUrl) ? '' : '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.teamsWebhookUri})'
      BACKUP_WATCH_SCHEDULE: backupWatchSchedule
      BACKUP_OVERDUE_GRACE: backupOverdueGrace
      ALERT_AFTER_FAILURES: string(alertAfterFailures)
      ALERT_RECORD_DROP_PERCENT: string(recordDropPercent)
      ALERT_RECORD_DROP_MIN: string(recordDropMin)
      REMIND_BEFORE_EXPIRY: remindBeforeExpiry
      CHECK_DEADLINE: checkDeadline
      NOTIFY_TIMEZONE: notifyTimeZone
      // ARM renders string(bool) as True/False; the app reads either, but lowercase is what people expect to see.
      ARCHIVE_ENABLED: toLower(string(archiveEnabled))
      ARCHIVE_CONTAINER: archiveContainer
      ARCHIVE_KEEP_DAILY_DAYS: string(archiveKeepDailyDays)
      ARCHIVE_KEEP_MONTHLY_MONTHS: string(archiveKeepMonthlyMonths)
      ARCHIVE_KEEP_YEARLY_YEARS: string(archiveKeepYearlyYears)
      ZOHO_DOWNLOAD_HOSTS: zohoDownloadHosts
    }
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    namePrefix: environmentName
    location: location
    tags: tags
    appInsightsId: monitoring.outputs.appInsightsId
    alertEmail: alertEmail
    staleCheckMinutes: staleCheckMinutes
  }
}

output functionAppName string = functionApp.outputs.name
output functionAppUrl string = 'https://${functionApp.outputs.defaultHostName}'
output keyVaultName string = keyVault.outputs.name
output storageAccountName string = storage.outputs.name

// Parameters for main.bicep. Secrets are read from the environment at deployment time, so
// they never sit in this file:  export ZOHO_CLIENT_SECRET=... ZOHO_REFRESH_TOKEN=... and so on.
using './main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'zohobackup')
param zohoDataCentre = readEnvironmentVariable('ZOHO_DC', 'us')
// Empty for a deployment that watches only the orgs added with `zoho-backup-notifier orgs add`.
param zohoClientId = readEnvironmentVariable('ZOHO_CLIENT_ID', '')
param zohoClientSecret = readEnvironmentVariable('ZOHO_CLIENT_SECRET', '')
param zohoRefreshToken = readEnvironmentVariable('ZOHO_REFRESH_TOKEN', '')
param slackWebhookUrl = readEnvironmentVariable('SLACK_WEBHOOK_URL', '')
param teamsWebhookUrl = readEnvironmentVariable('TEAMS_WEBHOOK_URL', '')
param zohoOrgName = readEnvironmentVariable('ZOHO_ORG_NAME', 'Zoho CRM')
param notifyTimeZone = readEnvironmentVariable('NOTIFY_TIMEZONE', 'UTC')
param alertEmail = readEnvironmentVariable('ALERT_EMAIL', '')
param archiveEnabled = bool(readEnvironmentVariable('ARCHIVE_ENABLED', 'false'))
param archiveKeepDailyDays = int(readEnvironmentVariable('ARCHIVE_KEEP_DAILY_DAYS', '35'))
param archiveKeepMonthlyMonths = int(readEnvironmentVariable('ARCHIVE_KEEP_MONTHLY_MONTHS', '12'))
param archiveKeepYearlyYears = int(readEnvironmentVariable('ARCHIVE_KEEP_YEARLY_YEARS', '7'))
// azd sets AZURE_PRINCIPAL_ID to the signed-in user: they may then run `orgs add|list|remove`.
param adminPrincipalId = readEnvironmentVariable('AZURE_PRINCIPAL_ID', '')
param reportAuthClientId = readEnvironmentVariable('REPORT_AUTH_CLIENT_ID', '')

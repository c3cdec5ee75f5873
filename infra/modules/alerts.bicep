// The monitor must not fail silently: alert when checks fail, and when no check has
// succeeded for a while (the timer stopped, the app is down, or every check fails).
param namePrefix string
param location string
param tags object
param appInsightsId string

@description('Where alerts go; empty creates the action group without receivers.')
param alertEmail string

@description('Alert when no backup check has succeeded for this many minutes.')
// A scheduled-query rule's windowSize takes only these durations (any other fails the
// deployment); from 30 minutes up, so that one late run of the 10-minute timer is no alert.
@allowed([30, 45, 60, 120, 180, 240, 300, 360, 1440, 2880])
param staleCheckMinutes int

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: '${namePrefix}-alerts'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'zohobackup'
    enabled: true
    emailReceivers: empty(alertEmail) ? [] : [
      { name: 'admin', emailAddress: alertEmail, useCommonAlertSchema: true }
    ]
  }
}

resource checksFailing 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: '${namePrefix}-checks-failing'
  location: location
  tags: tags
  properties: {
    displayName: 'Zoho backup checks are failing'
    description: 'backupWatch or backupCheck invocations failed: see backupStatus and the README troubleshooting table.'
    severity: 2
    enabled: true
    scopes: [ appInsightsId ]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT30M'
    criteria: {
      allOf: [
        {
          query: 'requests | where name in ("backupWatch", "backupCheck") and success == false'
          timeAggregation: 'Count'
          // The first failed check: the app may not have been able to say so in chat itself.
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: [ actionGroup.id ] }
  }
}

resource noSuccessfulCheck 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: '${namePrefix}-no-successful-check'
  location: location
  tags: tags
  properties: {
    displayName: 'No Zoho backup check has succeeded recently'
    description: 'No successful backupWatch run in the window: the timer stopped, the app is down, or every check fails.'
    severity: 1
    enabled: true
    scopes: [ appInsightsId ]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT${staleCheckMinutes}M'
    criteria: {
      allOf: [
        {
          query: 'requests | where name == "backupWatch" and success == true'
          timeAggregation: 'Count'
          operator: 'LessThan'
          threshold: 1
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: [ actionGroup.id ] }
  }
}

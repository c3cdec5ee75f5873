// Flex Consumption (FC1) Linux Function App on Node 24, with the user-assigned identity for
// storage, Key Vault references and telemetry. Secrets reach the app only as Key Vault
// references; storage is identity-based; HTTPS only, TLS 1.2, no basic-auth publishing (FTP
// included). No siteConfig.ftpsState: Flex Consumption rejects it (ARM error 51021).
param name string
param planName string
param location string
param tags object
param identityId string
param identityClientId string
param storageAccountName string
param storageBlobEndpoint string
param deploymentContainerName string
param appInsightsConnectionString string

@description('Memory per instance; the watch needs little, archive downloads stream.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 512

@description('Upper bound of instances (Flex Consumption minimum is 40).')
@minValue(40)
param maximumInstanceCount int = 40

@description('Settings of the configuration contract (README "Configuration"), secrets as Key Vault references.')
param contractSettings object

// Node options for the worker process, passed by the host on its command line
// (languageWorkers__node__arguments). Unset when empty: the host would pass an empty argument,
// and a custom one costs the instance its pre-started worker (a slower cold start).
@description('Options the Functions host passes to the Node.js worker; empty for none.')
param nodeWorkerArguments string = ''

@description('Client ID of the Entra ID app registration that signs owners in to /api/report (App Service Authentication); empty: the report answers 401 to everyone.')
param reportAuthClientId string = ''

@description('Object IDs of the users or groups-as-identities allowed to open /api/report; empty: anyone in the tenant who signs in.')
param reportAllowedPrincipals array = []

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      // Node 24: GA on Flex Consumption (Core Tools' stacks.json, #4867), supported to 2028;
      // Node 22 ends in April 2027. package.json's engines admits both, and the tests run on both.
      runtime: { name: 'node', version: '24' }
    }
  }

  resource appSettings 'config' = {
    name: 'appsettings'
    properties: union(contractSettings, {
      AzureWebJobsStorage__accountName: storageAccountName
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identityClientId
      APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    }, empty(nodeWorkerArguments) ? {} : { languageWorkers__node__arguments: nodeWorkerArguments })
  }

  // The report page is for the deployment's owners: built-in authentication with Entra ID. It
  // covers the app, so the key-protected HTTP functions and the host's own paths are excluded.
  resource auth 'config' = if (!empty(reportAuthClientId)) {
    name: 'authsettingsV2'
    properties: {
      platform: { enabled: true }
      globalValidation: {
        requireAuthentication: true
        unauthenticatedClientAction: 'RedirectToLoginPage'
        redirectToProvider: 'azureactivedirectory'
        excludedPaths: [ '/api/backupCheck', '/api/backupStatus', '/admin', '/runtime' ]
      }
      identityProviders: {
        azureActiveDirectory: {
          enabled: true
          registration: {
            clientId: reportAuthClientId
            openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
          }
          validation: {
            defaultAuthorizationPolicy: empty(reportAllowedPrincipals) ? {} : { allowedPrincipals: { identities: reportAllowedPrincipals } }
          }
        }
      }
      login: { tokenStore: { enabled: false } }
    }
  }

  resource ftpPublishing 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: { allow: false }
  }

  resource scmPublishing 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: { allow: false }
  }
}

output name string = app.name
output id string = app.id
output defaultHostName string = app.properties.defaultHostName

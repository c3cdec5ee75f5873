// The app's storage account: identity-based access only (no shared keys, no public blobs,
// TLS 1.2), the deployment container Flex Consumption publishes to, and the state table.
param name string
param location string
param tags object
param deploymentContainerName string

@description('Azure Table the watch keeps its state in (must match the app: zohobackupstate).')
param stateTableName string = 'zohobackupstate'

@description('Blob container the archive copies backups into (ARCHIVE_CONTAINER).')
param archiveContainerName string = 'archive'

@description('Queue the archive worker reads, one message per zip part (must match the app).')
param archiveQueueName string = 'zoho-backup-archive'

@description('Days every archived backup is kept; none can be changed or deleted before (the immutability policy).')
param archiveKeepDailyDays int = 35

@description('Months the first backup of each month is kept (blob index tag generation=monthly).')
param archiveKeepMonthlyMonths int = 12

@description('Years the first backup of each year is kept (generation=yearly).')
param archiveKeepYearlyYears int = 7

// As shared/archive/retention.ts counts them: the longest month and year, so no copy goes early.
var keptDays = {
  daily: archiveKeepDailyDays
  monthly: max(archiveKeepDailyDays, archiveKeepMonthlyMonths * 31)
  yearly: max(archiveKeepDailyDays, archiveKeepMonthlyMonths * 31, archiveKeepYearlyYears * 366)
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowCrossTenantReplication: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }

  resource blobService 'blobServices' = {
    name: 'default'
    properties: {
      // Version-level immutability needs versioning; soft delete keeps a deleted blob or container a week.
      isVersioningEnabled: true
      deleteRetentionPolicy: { enabled: true, days: 7 }
      containerDeleteRetentionPolicy: { enabled: true, days: 7 }
    }

    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
      properties: { publicAccess: 'None' }
    }

    // Write once, read many: no one (the app's identity included) can change or delete an
    // archived blob version before its retention ends. The policy is unlocked, so an owner can
    // shorten it; README "Archive" says how to lock it, after which it can only be extended.
    resource archiveContainer 'containers' = {
      name: archiveContainerName
      properties: {
        publicAccess: 'None'
        immutableStorageWithVersioning: { enabled: true }
      }

      resource immutability 'immutabilityPolicies' = {
        name: 'default'
        properties: {
          immutabilityPeriodSinceCreationInDays: archiveKeepDailyDays
          allowProtectedAppendWrites: false
        }
      }
    }
  }

  resource queueService 'queueServices' = {
    name: 'default'

    resource archiveQueue 'queues' = {
      name: archiveQueueName
    }
  }

  // Retention by generations, done by Azure: the app tags each archived blob with its
  // generation, and these rules tier and delete by the tag. No timer of ours deletes anything.
  resource lifecycle 'managementPolicies' = {
    name: 'default'
    properties: {
      policy: {
        rules: [
          for generation in [ 'daily', 'monthly', 'yearly' ]: {
            name: 'archive-${generation}'
            enabled: true
            type: 'Lifecycle'
            definition: {
              filters: {
                blobTypes: [ 'blockBlob' ]
                prefixMatch: [ '${archiveContainerName}/' ]
                blobIndexMatch: [ { name: 'generation', op: '==', value: generation } ]
              }
              actions: {
                // Cool, then Cold (online: archive get and the drills still read it at once); only
                // copies kept longer than the tier's minimum days move at all.
                baseBlob: union(
                  keptDays[generation] > 60 ? { tierToCool: { daysAfterModificationGreaterThan: 30 } } : {},
                  keptDays[generation] > 180 ? { tierToCold: { daysAfterModificationGreaterThan: 90 } } : {},
                  { delete: { daysAfterModificationGreaterThan: keptDays[generation] } }
                )
                // A deleted base blob stays as a version (versioning is on): it goes at the same age.
                version: { delete: { daysAfterCreationGreaterThan: keptDays[generation] } }
              }
            }
          }
        ]
      }
    }
  }

  resource tableService 'tableServices' = {
    name: 'default'

    resource stateTable 'tables' = {
      name: stateTableName
    }
  }
}

output name string = storage.name
output id string = storage.id
output blobEndpoint string = storage.properties.primaryEndpoints.blob

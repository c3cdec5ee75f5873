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

@description('Days an archived backup is kept before the lifecycle rule deletes it.')
@minValue(31)
param archiveRetentionDays int = 365

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
      deleteRetentionPolicy: { enabled: true, days: 7 }
    }

    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
      properties: { publicAccess: 'None' }
    }

    resource archiveContainer 'containers' = {
      name: archiveContainerName
      properties: { publicAccess: 'None' }
    }
  }

  resource queueService 'queueServices' = {
    name: 'default'

    resource archiveQueue 'queues' = {
      name: archiveQueueName
    }
  }

  // Archived backups: to the Cool tier after 30 days, deleted after the retention period.
  resource lifecycle 'managementPolicies' = {
    name: 'default'
    properties: {
      policy: {
        rules: [
          {
            name: 'archive-cool-then-delete'
            enabled: true
            type: 'Lifecycle'
            definition: {
              filters: {
                blobTypes: [ 'blockBlob' ]
                prefixMatch: [ '${archiveContainerName}/' ]
              }
              actions: {
                baseBlob: {
                  tierToCool: { daysAfterModificationGreaterThan: 30 }
                  delete: { daysAfterModificationGreaterThan: archiveRetentionDays }
                }
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

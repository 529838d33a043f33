// Two accounts: the app's own (task hub, relay queues and records, deployment package), in the
// recovery region, and the backup account APIM writes to, in the recovery region or
// geo-redundant (main.bicep decides). Shared-key access is off on both: every caller uses a
// managed identity. Every queue and container the code uses is created here (test/unit/infra).
param baseName string
param suffix string
@description('The recovery region (the app\'s account).')
param location string
@description('Where the backup account lives.')
param backupLocation string
@description('The backup account\'s redundancy.')
@allowed(['Standard_ZRS', 'Standard_RAGZRS', 'Standard_RAGRS'])
param backupSku string
param sites array
@description('Days alert records are kept (LIFEBOAT_ALERT_RETENTION_DAYS).')
@minValue(1)
@maxValue(3650)
param alertRetentionDays int = 90
param tags object = {}

resource appStorage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: take('${baseName}app${suffix}', 24)
  location: location
  tags: tags
  sku: { name: 'Standard_ZRS' }
  kind: 'StorageV2'
  properties: {
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource appBlobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: appStorage
  name: 'default'
}

resource deployments 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: appBlobs
  name: 'deployments'
  properties: { publicAccess: 'None' }
}

// Sent-command and ignored-result records of the relay (LIFEBOAT_RELAY_CONTAINER).
resource relayRecords 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: appBlobs
  name: 'lifeboat-relay'
  properties: { publicAccess: 'None' }
}

// Alert records: decisions, dedupe records, evidence, large payloads (shared/alerts/store.ts).
resource alertRecords 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: appBlobs
  name: 'lifeboat-alerts'
  properties: { publicAccess: 'None' }
}

// Alert records expire (issue 20): a lifecycle rule deletes every blob of lifeboat-alerts
// alertRetentionDays after its last change (the app's LIFEBOAT_ALERT_RETENTION_DAYS is the same
// number). Scoped to that container's prefix: the task hub and the relay records are not touched.
resource appLifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: appStorage
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'lifeboat-alert-retention'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['blockBlob', 'appendBlob'], prefixMatch: ['${alertRecords.name}/'] }
            actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: alertRetentionDays } } }
          }
        }
      ]
    }
  }
}

resource appQueues 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: appStorage
  name: 'default'
}

resource resultsQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: appQueues
  name: 'agent-results'
}

// Monitoring alerts (issue 11): written by POST /api/alerts, Event Grid subscriptions, Logic Apps
// and scripts (base64), read by the alertQueue trigger.
resource alertsQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: appQueues
  name: 'lifeboat-alerts'
}

resource commandQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [for site in sites: {
  parent: appQueues
  name: 'agent-${site}-commands'
}]

// Backups contain users, subscriptions and their keys: private container, no CORS rules (APIM
// rejects accounts with CORS rules: InvalidParameters backupStorageAccount).
resource backupStorage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: take('${baseName}bak${suffix}', 24)
  location: backupLocation
  tags: tags
  sku: { name: backupSku }
  kind: 'StorageV2'
  properties: {
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource backupBlobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: backupStorage
  name: 'default'
  properties: { deleteRetentionPolicy: { enabled: true, days: 7 } }
}

resource backupContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: backupBlobs
  name: 'apim-backups'
  properties: { publicAccess: 'None' }
}

output appStorageName string = appStorage.name
output backupStorageName string = backupStorage.name
output backupContainerName string = backupContainer.name
output relayContainerName string = relayRecords.name
output alertsQueueName string = alertsQueue.name
output deploymentContainerUrl string = '${appStorage.properties.primaryEndpoints.blob}deployments'

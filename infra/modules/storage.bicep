// Two accounts: the app's own (task hub, relay queues, deployment package) and the backup account
// APIM writes to. Shared-key access is off on both: every caller uses a managed identity.
param baseName string
param suffix string
param location string
param sites array

resource appStorage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: take('${baseName}app${suffix}', 24)
  location: location
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

resource appQueues 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: appStorage
  name: 'default'
}

resource resultsQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: appQueues
  name: 'agent-results'
}

resource commandQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [for site in sites: {
  parent: appQueues
  name: 'agent-${site}-commands'
}]

// Backups contain users, subscriptions and their keys: private container, no CORS rules (APIM
// rejects accounts with CORS rules: InvalidParameters backupStorageAccount).
resource backupStorage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: take('${baseName}bak${suffix}', 24)
  location: location
  sku: { name: 'Standard_GZRS' }
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
output deploymentContainerUrl string = '${appStorage.properties.primaryEndpoints.blob}deployments'

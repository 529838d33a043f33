// Least privilege, by built-in role id.
param appPrincipalId string
param appStorageName string
param backupStorageName string
param vaultName string
param apimPrincipalIds array
@description('On-premises sites (queues agent-<site>-commands).')
param sites array = []
@description('Agent identities by site (optional).')
param agentPrincipalIds object = {}

var roles = {
  blobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  blobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  queueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  queueMessageSender: 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a'
  queueMessageProcessor: '8a0f0c08-91a1-4084-bc3d-661d67233fed'
  tableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
}

resource appStorage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: appStorageName
}
resource backupStorage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: backupStorageName
}
resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: vaultName
}

// The task hub (blobs, queues, tables) and the relay queues live in the app's own account. The
// Functions host needs Blob Data Owner / Queue and Table Data Contributor there for the task hub
// (a data role, never Owner or Contributor). The relay's sender and processor roles cannot be
// split for the app: the task hub already needs Queue Data Contributor on this account, and the
// app creates the command queue if missing (shared/relay/send.ts), which Sender does not allow.
resource appRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for r in [roles.blobDataOwner, roles.queueDataContributor, roles.tableDataContributor]: {
  name: guid(appStorage.id, appPrincipalId, r)
  scope: appStorage
  properties: { principalId: appPrincipalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', r) }
}]

// The app lists, verifies (metadata) and prunes backups.
resource appBackupRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(backupStorage.id, appPrincipalId, roles.blobDataContributor)
  scope: backupStorage
  properties: { principalId: appPrincipalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.blobDataContributor) }
}

// Each APIM service's identity (protected services write, standby and drill targets read) uses the
// backup account only (apim-backup-restore.md: Storage Blob Data Contributor).
resource apimBackupRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for p in apimPrincipalIds: {
  name: guid(backupStorage.id, p, roles.blobDataContributor)
  scope: backupStorage
  properties: { principalId: p, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.blobDataContributor) }
}]

resource vaultRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appPrincipalId, roles.keyVaultSecretsUser)
  scope: vault
  properties: { principalId: appPrincipalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser) }
}

// Each site's agent (if its identity is given) only takes its own commands (Processor on its own
// queue: receive and delete) and answers (Sender on agent-results: add only). Scoped to the queue.
resource appQueueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' existing = {
  parent: appStorage
  name: 'default'
}
resource resultsQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' existing = {
  parent: appQueueService
  name: 'agent-results'
}
resource commandQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' existing = [for site in sites: {
  parent: appQueueService
  name: 'agent-${site}-commands'
}]

resource agentTakeRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (site, i) in sites: if (contains(agentPrincipalIds, site)) {
  name: guid(commandQueues[i].id, agentPrincipalIds[?site] ?? 'none', roles.queueMessageProcessor)
  scope: commandQueues[i]
  properties: { principalId: agentPrincipalIds[?site] ?? '', principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.queueMessageProcessor) }
}]

resource agentAnswerRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (site, i) in sites: if (contains(agentPrincipalIds, site)) {
  name: guid(resultsQueue.id, agentPrincipalIds[?site] ?? 'none', roles.queueMessageSender)
  scope: resultsQueue
  properties: { principalId: agentPrincipalIds[?site] ?? '', principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.queueMessageSender) }
}]

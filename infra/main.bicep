// Lifeboat: the Function app, its storage, the backup account, the relay queues and the signing
// key vault, with least-privilege role assignments for managed identities (no keys anywhere).
// Deploy: `azd up` (azure.yaml, infra/main.parameters.json), or
//   az deployment group create -g <rg in the recovery region> -f infra/main.bicep -p infra/main.parameters.example.json
//
// Where things live (docs/deploying.md): a region outage must take
// down neither the tool that recovers from it nor the backups it restores from. The app, its
// task-hub storage, the relay queues, the key vault and the logs are deployed in `location`, the
// RECOVERY region (where the standby APIM services run), never in the primary's. The backup
// account is either there too (`backupPlacement = 'recoveryRegion'`, the default) or in the
// primary's region with read-access geo-redundancy (`'geoRedundant'`: RA-GZRS or RA-GRS).
targetScope = 'resourceGroup'

@description('Short name used to derive resource names (lower-case letters and digits).')
@minLength(3)
@maxLength(11)
param baseName string

@description('The RECOVERY region: where the standby APIM services run. The app, its task hub, the relay queues, the vault and the logs are deployed here.')
param location string = resourceGroup().location

@description('The PRIMARY region: where the protected APIM services run. Nothing of Lifeboat is deployed here unless backupPlacement is geoRedundant.')
param primaryLocation string

@description('Where the backup account lives: recoveryRegion (beside the app, zone-redundant) or geoRedundant (in the primary region with a readable copy in its paired region).')
@allowed(['recoveryRegion', 'geoRedundant'])
param backupPlacement string = 'recoveryRegion'

@description('Redundancy of the backup account when backupPlacement is geoRedundant: RA-GZRS where the primary region has zones, else RA-GRS.')
@allowed(['Standard_RAGZRS', 'Standard_RAGRS'])
param backupGeoSku string = 'Standard_RAGZRS'

@description('APIM services to protect: ARM ids (resourceId, standbyResourceId?, drillTargetResourceId?) plus the principal id of each service\'s system-assigned identity (it writes backups).')
param protectedServices array = []

@description('Principal ids of the standby and drill-target services\' system-assigned identities (they read backups to restore them).')
param restoringPrincipalIds array = []

@description('On-premises sites; each gets a command queue agent-<site>-commands.')
param sites array = []

@description('Optional: the principal id of each site\'s agent identity (Azure Arc machine or service principal), by site: it may only take its own commands and send results.')
param agentPrincipalIds object = {}

@description('Agent public keys trusted for results: { "<keyId>": { "agentId": "...", "site": "...", "publicKey": "<PEM or base64>" } }.')
param agentKeys object = {}

@description('Backup retention in days (1-30: Azure restores backups up to 30 days old).')
@minValue(1)
@maxValue(30)
param retentionDays int = 7

@description('NCRONTAB schedule for backups.')
param backupSchedule string = '0 0 */6 * * *'

@description('NCRONTAB schedule of the restore canary (weekly by default: Sundays 03:00).')
param restoreCanarySchedule string = '0 0 3 * * 0'

@description('NCRONTAB schedule of the APIM usage report export (daily 00:30 by default): usage analytics are not in backups.')
param apimReportsSchedule string = '0 30 0 * * *'

@description('NCRONTAB schedule of the standby sync (daily by default: 02:00): the newest verified backup restored into each standby.')
param standbySyncSchedule string = '0 0 2 * * *'

@description('NCRONTAB schedule of the agent heartbeat (agent.ping to every site; every 5 minutes by default).')
param heartbeatSchedule string = '0 */5 * * * *'

@description('Client (application) id of Lifeboat\'s Entra app registration: App Service Authentication signs people in with it and its app roles say what they may do (infra/entra/create-app.sh, docs/identity.md).')
@minLength(36)
param authClientId string

@description('Days alert records are kept (a Blob lifecycle rule; LIFEBOAT_ALERT_RETENTION_DAYS).')
@minValue(1)
@maxValue(3650)
param alertRetentionDays int = 90

@description('Tags for every resource (azd adds azd-env-name).')
param tags object = {}

var suffix = uniqueString(resourceGroup().id, baseName)
var backupLocation = backupPlacement == 'recoveryRegion' ? location : primaryLocation
var backupSku = backupPlacement == 'recoveryRegion' ? 'Standard_ZRS' : backupGeoSku

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: { baseName: baseName, location: location, tags: tags }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    baseName: baseName
    suffix: suffix
    location: location
    backupLocation: backupLocation
    backupSku: backupSku
    sites: sites
    alertRetentionDays: alertRetentionDays
    tags: tags
  }
}

@description('Durable Functions backend (docs/scale.md): AzureStorage (default, the app storage account) or DurableTaskScheduler.')
@allowed(['AzureStorage', 'DurableTaskScheduler'])
param durableBackend string = 'AzureStorage'

module durableTask 'modules/durabletask.bicep' = if (durableBackend == 'DurableTaskScheduler') {
  name: 'durabletask'
  params: { baseName: baseName, suffix: suffix, location: location, tags: tags }
}

module durableTaskRole 'modules/durabletaskrole.bicep' = if (durableBackend == 'DurableTaskScheduler') {
  name: 'durabletaskrole'
  params: {
    schedulerName: durableTask!.outputs.schedulerName
    taskHubName: durableTask!.outputs.taskHubName
    principalId: app.outputs.principalId
  }
}

module vault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: { baseName: baseName, suffix: suffix, location: location, tags: tags }
}

module app 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    baseName: baseName
    suffix: suffix
    location: location
    tags: tags
    appStorageName: storage.outputs.appStorageName
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    backupStorageName: storage.outputs.backupStorageName
    backupContainerName: storage.outputs.backupContainerName
    relayContainerName: storage.outputs.relayContainerName
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    signingKeySecretUri: vault.outputs.signingKeySecretUri
    protectedServices: protectedServices
    sites: sites
    agentKeys: agentKeys
    retentionDays: retentionDays
    alertRetentionDays: alertRetentionDays
    backupSchedule: backupSchedule
    restoreCanarySchedule: restoreCanarySchedule
    apimReportsSchedule: apimReportsSchedule
    standbySyncSchedule: standbySyncSchedule
    heartbeatSchedule: heartbeatSchedule
    durableTaskSchedulerEndpoint: durableBackend == 'DurableTaskScheduler' ? durableTask!.outputs.endpoint : ''
    durableTaskHubName: durableBackend == 'DurableTaskScheduler' ? durableTask!.outputs.taskHubName : ''
  }
}

// Nobody reaches an operator route without signing in with Entra ID (SECURITY.md).
module auth 'modules/auth.bicep' = {
  name: 'auth'
  params: { siteName: app.outputs.name, clientId: authClientId }
}

// Monitoring alerts reach the intake through this action group (docs/alerts.md).
module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    baseName: baseName
    tags: tags
    functionAppId: app.outputs.id
    functionAppHostName: app.outputs.hostName
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  params: {
    appPrincipalId: app.outputs.principalId
    appStorageName: storage.outputs.appStorageName
    backupStorageName: storage.outputs.backupStorageName
    vaultName: vault.outputs.vaultName
    apimPrincipalIds: union(map(protectedServices, s => s.principalId), restoringPrincipalIds)
    sites: sites
    agentPrincipalIds: agentPrincipalIds
  }
}

// The app may manage (back up / restore) each protected service, its standby and its drill
// target, and nothing else. The services may live in other resource groups, so the assignment
// is deployed at each service's own scope.
var managedServiceIds = union(
  map(protectedServices, s => s.resourceId),
  map(filter(protectedServices, s => contains(s, 'standbyResourceId')), s => s.standbyResourceId),
  map(filter(protectedServices, s => contains(s, 'drillTargetResourceId')), s => s.drillTargetResourceId)
)

module apimRoles 'modules/apimrole.bicep' = [for (id, i) in managedServiceIds: {
  name: 'apimrole-${i}'
  scope: resourceGroup(split(id, '/')[2], split(id, '/')[4])
  params: { serviceName: last(split(id, '/')), appPrincipalId: app.outputs.principalId }
}]

// Lifeboat reads each alert from the Alerts Management API before it acts on it (issue 20):
// Monitoring Reader on each protected service (the alerts' target), nothing broader.
module alertReaderRoles 'modules/alertreader.bicep' = [for (s, i) in protectedServices: {
  name: 'alertreader-${i}'
  scope: resourceGroup(split(s.resourceId, '/')[2], split(s.resourceId, '/')[4])
  params: { serviceName: last(split(s.resourceId, '/')), appPrincipalId: app.outputs.principalId }
}]

output functionAppName string = app.outputs.name
output backupStorageAccount string = storage.outputs.backupStorageName
output backupLocation string = backupLocation
output backupSku string = backupSku
output alertsActionGroupId string = alerts.outputs.actionGroupId

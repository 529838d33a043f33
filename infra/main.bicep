// Lifeboat: the Function app, its storage, the backup account, the relay queues and the signing
// key vault, with least-privilege role assignments for managed identities (no keys anywhere).
// Compose: az deployment group create -g <rg> -f infra/main.bicep -p infra/main.parameters.example.json
targetScope = 'resourceGroup'

@description('Short name used to derive resource names (lower-case letters and digits).')
@minLength(3)
@maxLength(11)
param baseName string

param location string = resourceGroup().location

@description('APIM services to protect: ARM ids plus the principal id of each service\'s system-assigned identity (it writes backups).')
param protectedServices array = []

@description('On-premises sites; each gets a command queue agent-<site>-commands.')
param sites array = []

@description('Agent public keys trusted for results: { "<keyId>": { "agentId": "...", "site": "...", "publicKey": "<PEM or base64>" } }.')
param agentKeys object = {}

@description('Backup retention in days (1-30: Azure restores backups up to 30 days old).')
@minValue(1)
@maxValue(30)
param retentionDays int = 7

@description('NCRONTAB schedule for backups.')
param backupSchedule string = '0 0 */6 * * *'

var suffix = uniqueString(resourceGroup().id, baseName)

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: { baseName: baseName, location: location }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: { baseName: baseName, suffix: suffix, location: location, sites: sites }
}

module vault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: { baseName: baseName, suffix: suffix, location: location }
}

module app 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    baseName: baseName
    suffix: suffix
    location: location
    appStorageName: storage.outputs.appStorageName
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    backupStorageName: storage.outputs.backupStorageName
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    signingKeySecretUri: vault.outputs.signingKeySecretUri
    protectedServices: protectedServices
    sites: sites
    agentKeys: agentKeys
    retentionDays: retentionDays
    backupSchedule: backupSchedule
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  params: {
    appPrincipalId: app.outputs.principalId
    appStorageName: storage.outputs.appStorageName
    backupStorageName: storage.outputs.backupStorageName
    vaultName: vault.outputs.vaultName
    apimPrincipalIds: [for s in protectedServices: s.principalId]
  }
}

// The app may manage (back up / restore) each protected service and its standby. The services may
// live in other resource groups, so the assignment is deployed at each service's own scope.
var managedServiceIds = union(map(protectedServices, s => s.resourceId), map(filter(protectedServices, s => contains(s, 'standbyResourceId')), s => s.standbyResourceId))

module apimRoles 'modules/apimrole.bicep' = [for (id, i) in managedServiceIds: {
  name: 'apimrole-${i}'
  scope: resourceGroup(split(id, '/')[2], split(id, '/')[4])
  params: { serviceName: last(split(id, '/')), appPrincipalId: app.outputs.principalId }
}]

output functionAppName string = app.outputs.name
output backupStorageAccount string = storage.outputs.backupStorageName

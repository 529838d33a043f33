// Flex Consumption, Node 22, system-assigned identity; every connection is identity-based.
param baseName string
param suffix string
param location string
param appStorageName string
param deploymentContainerUrl string
param backupStorageName string
param backupContainerName string
param relayContainerName string
param tags object = {}
param appInsightsConnectionString string
param signingKeySecretUri string
param protectedServices array
param sites array
param agentKeys object
param retentionDays int
@description('Days alert records are kept (the storage lifecycle rule uses the same number).')
param alertRetentionDays int = 90
param backupSchedule string
param restoreCanarySchedule string
param apimReportsSchedule string
param standbySyncSchedule string
param heartbeatSchedule string
@description('The Durable Task Scheduler endpoint and task hub when durableBackend is DurableTaskScheduler; empty: the Azure Storage provider on AzureWebJobsStorage.')
param durableTaskSchedulerEndpoint string = ''
param durableTaskHubName string = ''

// The durable backend switch (docs/scale.md): host.json keeps the Azure Storage provider; these
// settings override it as the host reads `AzureFunctionsJobHost__<path>` settings.
var durableSettings = empty(durableTaskSchedulerEndpoint)
  ? []
  : [
      {
        name: 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING'
        value: 'Endpoint=${durableTaskSchedulerEndpoint};Authentication=ManagedIdentity'
      }
      { name: 'AzureFunctionsJobHost__extensions__durableTask__storageProvider__type', value: 'azureManaged' }
      {
        name: 'AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName'
        value: 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING'
      }
      { name: 'AzureFunctionsJobHost__extensions__durableTask__hubName', value: durableTaskHubName }
    ]

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: '${baseName}-plan'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: '${baseName}-${suffix}'
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: { type: 'blobContainer', value: deploymentContainerUrl, authentication: { type: 'SystemAssignedIdentity' } }
      }
      scaleAndConcurrency: { maximumInstanceCount: 40, instanceMemoryMB: 2048 }
      runtime: { name: 'node', version: '22' }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: concat([
        { name: 'AzureWebJobsStorage__accountName', value: appStorageName }
        { name: 'AgentQueues__queueServiceUri', value: 'https://${appStorageName}.queue.${environment().suffixes.storage}' }
        { name: 'BackupStorage__blobServiceUri', value: 'https://${backupStorageName}.blob.${environment().suffixes.storage}' }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsightsConnectionString }
        // The configuration's fields of each service (not principalId, which only the role assignments use).
        {
          name: 'LIFEBOAT_PROTECTED_SERVICES'
          value: string(map(protectedServices, s => union(
            { resourceId: s.resourceId },
            contains(s, 'standbyResourceId') ? { standbyResourceId: s.standbyResourceId } : {},
            contains(s, 'drillTargetResourceIds') ? { drillTargetResourceIds: s.drillTargetResourceIds } : {},
            contains(s, 'allowRestoreOverPrimary') ? { allowRestoreOverPrimary: s.allowRestoreOverPrimary } : {}
          )))
        }
        { name: 'LIFEBOAT_BACKUP_STORAGE_ACCOUNT', value: backupStorageName }
        { name: 'LIFEBOAT_BACKUP_CONTAINER', value: backupContainerName }
        { name: 'LIFEBOAT_RELAY_CONTAINER', value: relayContainerName }
        { name: 'LIFEBOAT_BACKUP_ACCESS_TYPE', value: 'SystemAssignedManagedIdentity' }
        { name: 'LIFEBOAT_BACKUP_RETENTION_DAYS', value: string(retentionDays) }
        { name: 'LIFEBOAT_ALERT_RETENTION_DAYS', value: string(alertRetentionDays) }
        { name: 'LIFEBOAT_BACKUP_SCHEDULE', value: backupSchedule }
        { name: 'LIFEBOAT_RESTORE_CANARY_SCHEDULE', value: restoreCanarySchedule }
        { name: 'LIFEBOAT_APIM_REPORTS_SCHEDULE', value: apimReportsSchedule }
        { name: 'LIFEBOAT_STANDBY_SYNC_SCHEDULE', value: standbySyncSchedule }
        { name: 'LIFEBOAT_HEARTBEAT_SCHEDULE', value: heartbeatSchedule }
        { name: 'LIFEBOAT_RELAY_SIGNING_KEY', value: '@Microsoft.KeyVault(SecretUri=${signingKeySecretUri})' }
        { name: 'LIFEBOAT_RELAY_SITES', value: join(sites, ',') }
        { name: 'LIFEBOAT_RELAY_AGENT_KEYS', value: string(agentKeys) }
      ], durableSettings)
    }
  }
}

output name string = site.name
output id string = site.id
output hostName string = site.properties.defaultHostName
output principalId string = site.identity.principalId

// The app's managed identity works the Durable Task Scheduler task hub (docs/scale.md).
param schedulerName string
param taskHubName string
param principalId string

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' existing = {
  name: schedulerName
}

resource hub 'Microsoft.DurableTask/schedulers/taskHubs@2025-11-01' existing = {
  parent: scheduler
  name: taskHubName
}

// "Durable Task Data Contributor": the worker role on the task hub (built-in role id as published
// by Microsoft; check it with `az role definition list --name "Durable Task Data Contributor"`).
var durableTaskDataContributor = '0ad04412-c4d5-4796-b79c-f76d14c8d402'

resource worker 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: hub
  name: guid(hub.id, principalId, durableTaskDataContributor)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', durableTaskDataContributor)
  }
}


// Durable Task Scheduler (docs/scale.md): a scheduler and a task hub (the app's identity gets its
// role in durabletaskrole.bicep), for when the Azure Storage provider's limits bite. Only deployed when main.bicep's
// durableBackend is 'DurableTaskScheduler'.
param baseName string
param suffix string
param location string
param tags object = {}
@description('Scheduler SKU: Consumption (pay per action) or Dedicated (capacity units).')
@allowed(['Consumption', 'Dedicated'])
param skuName string = 'Consumption'

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' = {
  name: '${baseName}-dts-${suffix}'
  location: location
  tags: tags
  properties: {
    ipAllowlist: ['0.0.0.0/0']
    sku: { name: skuName }
  }
}

resource hub 'Microsoft.DurableTask/schedulers/taskHubs@2025-11-01' = {
  parent: scheduler
  name: 'lifeboat'
}

output schedulerName string = scheduler.name
output endpoint string = scheduler.properties.endpoint
output taskHubName string = hub.name

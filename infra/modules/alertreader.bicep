// Monitoring Reader on one protected service, for the app's identity: Lifeboat reads the alerts
// whose target is the service from the Alerts Management API before it acts on them (issue 20;
// Microsoft.AlertsManagement/alerts/read). Deployed at the service's own resource group, scoped
// to the service: nothing broader.
param serviceName string
param appPrincipalId string

var monitoringReader = '43d0d8ad-25c7-4714-9337-8ba259a9fe05'

resource apim 'Microsoft.ApiManagement/service@2024-05-01' existing = {
  name: serviceName
}

resource role 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(apim.id, appPrincipalId, monitoringReader)
  scope: apim
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringReader)
  }
}

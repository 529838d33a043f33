// API Management Service Contributor on one protected service, for the app's identity
// (backup, restore and reading the service). Deployed at the service's own resource group.
param serviceName string
param appPrincipalId string

resource apim 'Microsoft.ApiManagement/service@2024-05-01' existing = {
  name: serviceName
}

resource role 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(apim.id, appPrincipalId, '312a565d-c81f-4fd8-895a-4e21e48d571c')
  scope: apim
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '312a565d-c81f-4fd8-895a-4e21e48d571c')
  }
}

// The action group that sends Azure Monitor alerts to Lifeboat (issue 11): an Azure Function
// receiver calling the intake, POST /api/alerts (function alertIntake, authLevel function), with
// the common alert schema (the only schema the intake accepts). Alert rules on the protected
// services (or a region's health) add this group as their action; which alerts start which plan
// is said by each plan's `triggers`, not here. The receiver names the function app and the
// function: the template writes no function key (it would stay in the deployment history).
param baseName string
param tags object = {}
@description('Resource id of the Function app.')
param functionAppId string
@description('Default host name of the Function app.')
param functionAppHostName string

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: '${baseName}-alerts'
  // Action groups are global resources.
  location: 'global'
  tags: tags
  properties: {
    groupShortName: take('${baseName}dr', 12)
    enabled: true
    azureFunctionReceivers: [
      {
        name: 'lifeboat-intake'
        functionAppResourceId: functionAppId
        functionName: 'alertIntake'
        httpTriggerUrl: 'https://${functionAppHostName}/api/alerts'
        useCommonAlertSchema: true
      }
    ]
  }
}

output actionGroupId string = actionGroup.id

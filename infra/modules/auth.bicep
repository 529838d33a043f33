// App Service Authentication ("Easy Auth") with Microsoft Entra ID in front of every route
// (issue 20, SECURITY.md): a request without a valid Entra token gets 401 from the platform before
// it reaches Lifeboat, and the platform sets the X-MS-CLIENT-PRINCIPAL* headers the app reads
// (outside requests cannot set them). Two paths are served without a sign-in: the health probe,
// and the alert intake, which the action group calls with the function key. The app roles
// (Lifeboat.Reader / Operator / Approver) are declared on the app registration: infra/entra/.
param siteName string

@description('Client (application) id of Lifeboat\'s Entra app registration (docs/identity.md).')
param clientId string

@description('Entra tenant of the app registration (default: the deployment\'s tenant).')
param tenantId string = tenant().tenantId

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: siteName
}

resource auth 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: { enabled: true }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
      // Served without a sign-in: the probe, and the intake (function key; its GET twin still
      // needs a signed-in Lifeboat.Reader, which the app checks itself).
      excludedPaths: ['/api/health', '/api/alerts']
    }
    httpSettings: { requireHttps: true }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: clientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: ['api://${clientId}', clientId]
        }
      }
    }
    // Lifeboat needs no token of the caller's, only who they are: nothing stored.
    login: { tokenStore: { enabled: false } }
  }
}

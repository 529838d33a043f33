// Holds the relay's Ed25519 command-signing key (PEM). The secret value is set out of band
// (az keyvault secret set) so it never appears in a template, a parameter file or a deployment log.
param baseName string
param suffix string
param location string
param tags object = {}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: take('${baseName}-kv-${suffix}', 24)
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    enablePurgeProtection: true
  }
}

output vaultName string = vault.name
output signingKeySecretUri string = '${vault.properties.vaultUri}secrets/relay-signing-key'

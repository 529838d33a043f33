// Parameters for `azd up` (azure.yaml) and `az deployment group create -p infra/main.bicepparam`,
// read from the azd environment (`azd env set NAME value`) so no site-specific value is committed.
// Arrays and objects are JSON text. See README, "Deploying".
using './main.bicep'

param baseName = readEnvironmentVariable('LIFEBOAT_BASE_NAME', 'lifeboat')
// The recovery region (where the standby APIM services run): azd's own location.
param location = readEnvironmentVariable('AZURE_LOCATION')
// The region of the protected (primary) APIM services.
param primaryLocation = readEnvironmentVariable('LIFEBOAT_PRIMARY_LOCATION')
// recoveryRegion (default) or geoRedundant.
param backupPlacement = readEnvironmentVariable('LIFEBOAT_BACKUP_PLACEMENT', 'recoveryRegion')
param backupGeoSku = readEnvironmentVariable('LIFEBOAT_BACKUP_GEO_SKU', 'Standard_RAGZRS')
// [{ "resourceId": "...", "standbyResourceId": "...", "drillTargetResourceId"?: "...", "principalId": "..." }]
param protectedServices = json(readEnvironmentVariable('LIFEBOAT_PROTECTED_SERVICES', '[]'))
// Principal ids of the standby and drill-target services' identities.
param restoringPrincipalIds = json(readEnvironmentVariable('LIFEBOAT_RESTORING_PRINCIPAL_IDS', '[]'))
// ["dc1", ...]
param sites = json(readEnvironmentVariable('LIFEBOAT_SITES', '[]'))
// { "dc1": "<principal id of the dc1 agent's identity>" }
param agentPrincipalIds = json(readEnvironmentVariable('LIFEBOAT_AGENT_PRINCIPAL_IDS', '{}'))
// { "<keyId>": { "agentId": "...", "site": "...", "publicKey": "<PEM or base64>" } } (public keys only)
param agentKeys = json(readEnvironmentVariable('LIFEBOAT_AGENT_KEYS', '{}'))
// Client id of Lifeboat's Entra app registration (infra/entra/create-app.sh prints it).
param authClientId = readEnvironmentVariable('LIFEBOAT_AUTH_CLIENT_ID')
param retentionDays = int(readEnvironmentVariable('LIFEBOAT_BACKUP_RETENTION_DAYS', '7'))
param tags = { 'azd-env-name': readEnvironmentVariable('AZURE_ENV_NAME', 'lifeboat') }

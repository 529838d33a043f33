// The same deployment on the Durable Task Scheduler instead of the Azure Storage provider
// (docs/scale.md, "Moving off the Azure Storage provider"): `azd env set` as for main.bicepparam,
// then deploy with `-p infra/main.dts.bicepparam`. `npm run infra:check` compiles it too.
using './main.bicep'

param baseName = readEnvironmentVariable('LIFEBOAT_BASE_NAME', 'lifeboat')
param location = readEnvironmentVariable('AZURE_LOCATION')
param primaryLocation = readEnvironmentVariable('LIFEBOAT_PRIMARY_LOCATION')
param backupPlacement = readEnvironmentVariable('LIFEBOAT_BACKUP_PLACEMENT', 'recoveryRegion')
param backupGeoSku = readEnvironmentVariable('LIFEBOAT_BACKUP_GEO_SKU', 'Standard_RAGZRS')
param protectedServices = json(readEnvironmentVariable('LIFEBOAT_PROTECTED_SERVICES', '[]'))
param restoringPrincipalIds = json(readEnvironmentVariable('LIFEBOAT_RESTORING_PRINCIPAL_IDS', '[]'))
param sites = json(readEnvironmentVariable('LIFEBOAT_SITES', '[]'))
param agentPrincipalIds = json(readEnvironmentVariable('LIFEBOAT_AGENT_PRINCIPAL_IDS', '{}'))
param agentKeys = json(readEnvironmentVariable('LIFEBOAT_AGENT_KEYS', '{}'))
param authClientId = readEnvironmentVariable('LIFEBOAT_AUTH_CLIENT_ID')
param retentionDays = int(readEnvironmentVariable('LIFEBOAT_BACKUP_RETENTION_DAYS', '7'))
param tags = { 'azd-env-name': readEnvironmentVariable('AZURE_ENV_NAME', 'lifeboat') }
param durableBackend = 'DurableTaskScheduler'

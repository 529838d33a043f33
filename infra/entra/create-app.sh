#!/usr/bin/env bash
# Creates (or updates) Lifeboat's Microsoft Entra app registration with its app roles
# (infra/entra/app-roles.json) and prints the client id to give the deployment
# (`azd env set LIFEBOAT_AUTH_CLIENT_ID <id>`). Bicep cannot create app registrations without the
# Microsoft Graph extension, so this runs once, by someone allowed to register applications.
# Then assign people or groups to the roles in Enterprise applications → Lifeboat → Users and groups.
# Usage: infra/entra/create-app.sh [display-name]   (needs the Azure CLI, signed in: az login)
set -euo pipefail
name="${1:-Lifeboat}"
roles="$(dirname "$0")/app-roles.json"
id="$(az ad app list --display-name "$name" --query '[0].appId' -o tsv)"
if [ -z "$id" ]; then
  id="$(az ad app create --display-name "$name" --sign-in-audience AzureADMyOrg --app-roles "@$roles" --query appId -o tsv)"
else
  az ad app update --id "$id" --app-roles "@$roles"
fi
az ad app update --id "$id" --identifier-uris "api://$id"
# Role assignment is required: a signed-in person with no role gets no token for Lifeboat.
sp="$(az ad sp list --filter "appId eq '$id'" --query '[0].id' -o tsv)"
[ -n "$sp" ] || sp="$(az ad sp create --id "$id" --query id -o tsv)"
az ad sp update --id "$sp" --set appRoleAssignmentRequired=true
echo "$id"

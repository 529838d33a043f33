#!/usr/bin/env bash
# Compiles and lints the infrastructure with the pinned Bicep CLI (npm run tools): main.bicep and
# its parameter file. Fails on any error AND on any warning: a warning is fixed, or disabled in
# infra/bicepconfig.json with the reason beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
bicep=tools/bin/bicep
[ -x "$bicep" ] || { echo "infra: the Bicep CLI is not installed: run 'npm run tools' (needs the .NET SDK)" >&2; exit 1; }
# Sample values for the parameters main.bicepparam reads from the azd environment.
export AZURE_LOCATION="${AZURE_LOCATION:-northeurope}" LIFEBOAT_PRIMARY_LOCATION="${LIFEBOAT_PRIMARY_LOCATION:-westeurope}"
export LIFEBOAT_AUTH_CLIENT_ID="${LIFEBOAT_AUTH_CLIENT_ID:-44444444-4444-4444-4444-444444444444}"
status=0
run() {
  local out
  # Diagnostics only (stderr, and lint's own output); compiled JSON goes nowhere.
  if [ "$1" = lint ]; then
    if ! out="$("$bicep" "$@" 2>&1)"; then status=1; fi
  else
    if ! out="$("$bicep" "$@" 2>&1 >/dev/null)"; then status=1; fi
  fi
  if [ -n "$out" ]; then printf '%s\n' "$out"; status=1; fi
}
run build infra/main.bicep --stdout
run lint infra/main.bicep
run build-params infra/main.bicepparam --stdout
run lint infra/main.bicepparam
# The durable backend switch (docs/scale.md): the same template on the Durable Task Scheduler.
run build-params infra/main.dts.bicepparam --stdout
run lint infra/main.dts.bicepparam
if [ "$status" -ne 0 ]; then echo "infra: bicep reported errors or warnings (above)" >&2; exit 1; fi
echo "infra: main.bicep, main.bicepparam and main.dts.bicepparam build and lint clean ($("$bicep" --version))"

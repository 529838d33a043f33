#!/usr/bin/env bash
# Installs the project's non-npm tools from NuGet, pinned: PowerShell 7.6.9 (a .NET local tool,
# .config/dotnet-tools.json), Pester 6.2.0 and the Bicep CLI 0.49.2 (tools/tools.proj). Needs the
# .NET SDK (`dotnet`, 10.x). Writes launchers tools/bin/pwsh and tools/bin/bicep (git-ignored)
# that tests, CI and the README use, so nobody needs to know where NuGet unpacked them. Then
# headless Chromium from Debian's package for the browser checks (tools/install-chromium.sh; silent
# when it is already on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
command -v dotnet >/dev/null || { echo "tools: the .NET SDK (dotnet) is required: https://dot.net" >&2; exit 1; }
dotnet tool restore
dotnet restore tools/tools.proj --nologo --verbosity quiet
mkdir -p tools/bin
# The PowerShell package ships a native app host beside pwsh.dll; ask it where it lives.
pshome="$(dotnet tool run pwsh -- -NoProfile -NonInteractive -Command '$PSHOME' | tail -n 1)"
[ -x "$pshome/pwsh" ] || chmod u+x "$pshome/pwsh" 2>/dev/null || { echo "tools: no pwsh app host in '$pshome'" >&2; exit 1; }
# Each launcher is written beside and renamed into place: a run that uses it meanwhile (CI runs
# Pester and the benchmarks beside other steps) never sees a half-written file.
launcher() { # name, target
  printf '#!/bin/sh\nexec "%s" "$@"\n' "$2" > "tools/bin/$1.tmp.$$"
  chmod u+x "tools/bin/$1.tmp.$$"
  mv -f "tools/bin/$1.tmp.$$" "tools/bin/$1"
}
launcher pwsh "$pshome/pwsh"
bicep="$PWD/tools/packages/azure.bicep.commandline.linux-x64/0.49.2/tools/bicep"
chmod u+x "$bicep" # NuGet does not keep the execute bit everywhere
launcher bicep "$bicep"
echo "tools: $(tools/bin/pwsh -NoProfile -NonInteractive -Command '"pwsh $($PSVersionTable.PSVersion)"'), Pester 6.2.0, $(tools/bin/bicep --version)"
bash tools/install-chromium.sh

<#
  Runs the Pester tests of the agent's PowerShell scripts (test/powershell/*.Tests.ps1) with the
  Pester restored by `npm run tools` (tools/packages/pester/6.2.0). Exit code: failed tests.
  Usage: tools/bin/pwsh -NoProfile -NonInteractive -File test/powershell/Invoke-Tests.ps1 [-Path <file>]
#>
param([string[]]$Path = @($PSScriptRoot))
$ErrorActionPreference = 'Stop'
$pester = Join-Path $PSScriptRoot '../../tools/packages/pester/6.2.0/tools/Pester.psd1'
if (-not (Test-Path -LiteralPath $pester)) { Write-Error "Pester 6.2.0 is not installed: run 'npm run tools' (needs the .NET SDK)"; exit 2 }
Import-Module $pester -Force
$config = New-PesterConfiguration
# -File passes "a,b" as one string: accept a comma-separated list too.
$config.Run.Path = @($Path | ForEach-Object { $_ -split "," } | Where-Object { $_ })
$config.Run.Exit = $true
$config.Output.Verbosity = 'Detailed'
$config.Output.CIFormat = 'None'
$config.TestResult.Enabled = $false
Invoke-Pester -Configuration $config

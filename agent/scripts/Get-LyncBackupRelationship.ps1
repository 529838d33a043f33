#Requires -Version 5.1
<#
  Lifeboat agent script: Get-CsPoolBackupRelationship: the Front End pool a pool is paired with
  Run ONLY by the agent as an argument vector:
    powershell.exe -NoProfile -NonInteractive -File Get-LyncBackupRelationship.ps1 -PoolFqdn <fqdn>
  Parameters are validated here again ([ValidatePattern] with \z, [ValidateSet]); the agent has
  already validated them with the same patterns. Prints exactly one JSON object on stdout:
    {"ok":true,"output":{...}} or {"ok":false,"error":{"code":"...","message":"..."}} (exit 1).
  CI runs it under pwsh 7 against fake Lync / Hyper-V modules (test/powershell); a real server
  remains to be tried: see agent/README.md.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][ValidateLength(1, 253)][ValidatePattern('^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\z')]
    [string]$PoolFqdn
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

Import-Module (Join-Path $PSScriptRoot 'LifeboatAgent.psm1') -Force -DisableNameChecking

try {
  Import-LyncModule
  Write-Ok @{ poolFqdn = $PoolFqdn; backupPoolFqdn = (Get-LyncBackupPool $PoolFqdn) }
} catch { Write-Fail 'CmdletFailed' $_.Exception.Message }

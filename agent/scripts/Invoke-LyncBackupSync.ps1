#Requires -Version 5.1
<#
  Lifeboat agent script: Invoke-CsBackupServiceSync on the pool that HOLDS the data (incremental, harmless to repeat)
  Run ONLY by the agent as an argument vector:
    powershell.exe -NoProfile -NonInteractive -File Invoke-LyncBackupSync.ps1 -PoolFqdn <fqdn> -LostPoolFqdn <fqdn> -BackupModule <module>
  -PoolFqdn is the pool that still HOLDS the data (the sync runs there); -LostPoolFqdn the paired
  pool that lost it. The pairing is read first (Get-CsPoolBackupRelationship): NotPaired, nothing
  synced, when they are not a pair.
  Parameters are validated here again ([ValidatePattern] with \z, [ValidateSet]); the agent has
  already validated them with the same patterns. Prints exactly one JSON object on stdout:
    {"ok":true,"output":{...}} or {"ok":false,"error":{"code":"...","message":"..."}} (exit 1).
  CI runs it under pwsh 7 against fake Lync / Hyper-V modules (test/powershell); a real server
  remains to be tried: see agent/README.md.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][ValidateLength(1, 253)][ValidatePattern('^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\z')]
    [string]$PoolFqdn,
    [Parameter(Mandatory = $true)][ValidateLength(1, 253)][ValidatePattern('^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\z')]
    [string]$LostPoolFqdn,
    [Parameter()][ValidateSet('UserServices.PresenceFocus', 'ConfServices.DataConf', 'CentralMgmt.CMSMaster', 'ApplicationServer.RGSDataStore', 'ApplicationServer.RGSFileStore')]
    [string]$BackupModule = 'ConfServices.DataConf'
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

Import-Module (Join-Path $PSScriptRoot 'LifeboatAgent.psm1') -Force -DisableNameChecking

try {
  if ($PoolFqdn -eq $LostPoolFqdn) { Write-Fail 'NotPaired' "the sync runs on the pool that holds the data, never on $LostPoolFqdn, the pool that lost it" }
  Import-LyncModule
  $pair = Get-LyncBackupPool $PoolFqdn
  if ($pair -ne $LostPoolFqdn) {
    $what = if ($pair) { "paired with $pair" } else { 'paired with no pool' }
    Write-Fail 'NotPaired' "$PoolFqdn and $LostPoolFqdn are not a Front End pool pair ($PoolFqdn is $what)"
  }
  Invoke-CsBackupServiceSync -PoolFqdn $PoolFqdn -BackupModule $BackupModule | Out-Null
  Write-Ok @{ poolFqdn = $PoolFqdn; lostPoolFqdn = $LostPoolFqdn; module = $BackupModule }
} catch { Write-Fail 'CmdletFailed' $_.Exception.Message }

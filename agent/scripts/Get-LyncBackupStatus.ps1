#Requires -Version 5.1
<#
  Lifeboat agent script: Get-CsBackupServiceStatus for one Backup Service module
  Run ONLY by the agent as an argument vector:
    pwsh -NoProfile -NonInteractive -File Get-LyncBackupStatus.ps1 -PoolFqdn <fqdn> -BackupModule <module>
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
    [Parameter()][ValidateSet('UserServices.PresenceFocus', 'ConfServices.DataConf', 'CentralMgmt.CMSMaster', 'ApplicationServer.RGSDataStore', 'ApplicationServer.RGSFileStore')]
    [string]$BackupModule = 'ConfServices.DataConf'
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

Import-Module (Join-Path $PSScriptRoot 'LifeboatAgent.psm1') -Force -DisableNameChecking

try {
  Import-LyncModule
  $status = Get-CsBackupServiceStatus -PoolFqdn $PoolFqdn
  $entry = @($status.BackupModules | Where-Object { [string]$_.Identity -eq $BackupModule }) | Select-Object -First 1
  if ($null -eq $entry) { Write-Fail 'NotFound' "module $BackupModule is not reported for $PoolFqdn" }
  # "Steady State" (as Microsoft's procedure spells it) is normalised by the agent.
  $export = ([string]$entry.ExportStatus) -replace '\s', ''
  $import = ([string]$entry.ImportStatus) -replace '\s', ''
  if ($export -eq 'ErrorState' -or $import -eq 'ErrorState') { $state = 'failed' }
  elseif (($export -eq 'SteadyState' -or $export -eq 'FinalState') -and $import -eq 'NormalState') { $state = 'done' }
  else { $state = 'inProgress' }
  Write-Ok @{ poolFqdn = $PoolFqdn; module = $BackupModule; exportStatus = $export; importStatus = $import; state = $state }
} catch { Write-Fail 'CmdletFailed' $_.Exception.Message }

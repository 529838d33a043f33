#Requires -Version 5.1
<#
  Lifeboat agent script: Get-CsBackupServiceStatus for one Backup Service module
  Run ONLY by the agent as an argument vector:
    powershell.exe -NoProfile -NonInteractive -File Get-LyncBackupStatus.ps1 -PoolFqdn <fqdn> -BackupModule <module>
  Calls exactly what Microsoft's restore procedure writes, Get-CsBackupServiceStatus -PoolFqdn <pool>
  -BackupModule <module>, when the cmdlet has -BackupModule (its reference lists only -PoolFqdn,
  -Category, -Force: then without it); either way the module's entry is picked by Identity.
  "Done" is the procedure's Steady State only; FinalState is reported as in progress.
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
  $arguments = @{ PoolFqdn = $PoolFqdn }
  $cmdlet = $ExecutionContext.InvokeCommand.GetCommand('Get-CsBackupServiceStatus', [System.Management.Automation.CommandTypes]'Cmdlet, Function')
  if ($null -ne $cmdlet -and $cmdlet.Parameters.ContainsKey('BackupModule')) { $arguments['BackupModule'] = $BackupModule }
  $entries = @(foreach ($status in @(Get-CsBackupServiceStatus @arguments)) {
      if ($null -ne $status -and $null -ne $status.PSObject.Properties['BackupModules']) { @($status.PSObject.Properties['BackupModules'].Value) }
    })
  # Read by name, cast to text: the same on live and deserialized objects (Get-PropertyText).
  $entry = @($entries | Where-Object { (Get-PropertyText $_ 'Identity') -eq $BackupModule }) | Select-Object -First 1
  if ($null -eq $entry) {
    if (@($entries | Where-Object { $null -ne $_ -and $null -eq $_.PSObject.Properties['Identity'] }).Count -gt 0) {
      Write-Fail 'Deserialized' "Get-CsBackupServiceStatus returned BackupModules flattened to text (the Lync module ran through the PowerShell 7 compatibility layer): run the Lync scripts with Windows PowerShell (executor.executables.lync)"
    }
    Write-Fail 'NotFound' "module $BackupModule is not reported for $PoolFqdn"
  }
  # "Steady State" (as Microsoft's procedure spells it) is normalised here and by the agent.
  $export = ([string](Get-PropertyText $entry 'ExportStatus')) -replace '\s', ''
  $import = ([string](Get-PropertyText $entry 'ImportStatus')) -replace '\s', ''
  if ($export -eq 'ErrorState' -or $import -eq 'ErrorState') { $state = 'failed' }
  elseif ($export -eq 'SteadyState' -and $import -eq 'NormalState') { $state = 'done' }
  else { $state = 'inProgress' }
  Write-Ok @{ poolFqdn = $PoolFqdn; module = $BackupModule; exportStatus = $export; importStatus = $import; state = $state }
} catch { Write-Fail 'CmdletFailed' $_.Exception.Message }

#Requires -Version 5.1
<#
  Lifeboat agent script: reads a CIM_ConcreteJob (Msvm_ConcreteJob) by id
  Run ONLY by the agent as an argument vector:
    pwsh -NoProfile -NonInteractive -File Get-HypervJob.ps1 -JobId <guid>
  Parameters are validated here again ([ValidatePattern] with \z, [ValidateSet]); the agent has
  already validated them with the same patterns. Prints exactly one JSON object on stdout:
    {"ok":true,"output":{...}} or {"ok":false,"error":{"code":"...","message":"..."}} (exit 1).
  CI runs it under pwsh 7 against fake Lync / Hyper-V modules (test/powershell); a real server
  remains to be tried: see agent/README.md.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][ValidatePattern('^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\z')]
    [string]$JobId
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

Import-Module (Join-Path $PSScriptRoot 'LifeboatAgent.psm1') -Force -DisableNameChecking

$JobStates = @{ 2 = 'New'; 3 = 'Starting'; 4 = 'Running'; 5 = 'Suspended'; 6 = 'ShuttingDown'; 7 = 'Completed'; 8 = 'Terminated'; 9 = 'Killed'; 10 = 'Exception'; 11 = 'Service' }
try {
  $job = @(Get-CimInstance -Namespace $Namespace -ClassName Msvm_ConcreteJob | Where-Object { $_.InstanceID -eq $JobId }) | Select-Object -First 1
  if ($null -eq $job) { Write-Fail 'NotFound' "job $JobId is not known on this host" }
  $name = $JobStates[[int]$job.JobState]
  if ($null -eq $name) { Write-Fail 'BadJobState' "job state $([int]$job.JobState) is not a CIM job state" }
  $errorCode = [int64]$job.ErrorCode
  if ($name -eq 'Completed') { $state = if ($errorCode -eq 0) { 'done' } else { 'failed' } }
  elseif ($name -in @('Terminated', 'Killed', 'Exception')) { $state = 'failed' }
  else { $state = 'inProgress' }
  $out = @{ jobId = $JobId; jobState = $name; state = $state; percentComplete = [int]$job.PercentComplete; errorCode = $errorCode }
  if ($job.ErrorDescription) { $out['errorDescription'] = ([string]$job.ErrorDescription).Substring(0, [Math]::Min(1024, ([string]$job.ErrorDescription).Length)) }
  Write-Ok $out
} catch { Write-Fail 'WmiFailed' $_.Exception.Message }

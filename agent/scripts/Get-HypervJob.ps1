#Requires -Version 5.1
<#
  Lifeboat agent script: reads a CIM_ConcreteJob (Msvm_ConcreteJob) by id
  Run ONLY by the agent as an argument vector:
    pwsh -NoProfile -NonInteractive -File Get-HypervJob.ps1 -JobId <guid>
  Parameters are validated here again ([ValidatePattern] with \z, [ValidateSet]); the agent has
  already validated them with the same patterns. Prints exactly one JSON object on stdout:
    {"ok":true,"output":{...}} or {"ok":false,"error":{"code":"...","message":"..."}} (exit 1).
  NOT RUN in this repository's CI (no PowerShell / Lync / Hyper-V there): see agent/README.md.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][ValidatePattern('^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\z')]
    [string]$JobId
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

function Write-Ok($Output) { [Console]::Out.WriteLine((@{ ok = $true; output = $Output } | ConvertTo-Json -Compress -Depth 6)) }
function Write-Fail([string]$Code, [string]$Message) {
  [Console]::Out.WriteLine((@{ ok = $false; error = @{ code = $Code; message = $Message } } | ConvertTo-Json -Compress -Depth 4))
  exit 1
}

$Namespace = 'root\virtualization\v2'
$GuidPattern = '^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\z'
function Get-TargetVm([string]$Ref) {
  # Compare with -eq on objects, never a WQL filter built from the value.
  $all = @(Get-CimInstance -Namespace $Namespace -ClassName Msvm_ComputerSystem | Where-Object { $_.Caption -eq 'Virtual Machine' })
  if ($Ref -match $GuidPattern) { $found = @($all | Where-Object { $_.Name -eq $Ref }) }
  else { $found = @($all | Where-Object { $_.ElementName -eq $Ref }) }
  if ($found.Count -eq 0) { Write-Fail 'NotFound' "VM $Ref is not on this host" }
  if ($found.Count -gt 1) { Write-Fail 'Ambiguous' "several VMs are named $Ref: address it by GUID" }
  return $found[0]
}
# Msvm_ComputerSystem.ReplicationState values → Lifeboat names (13/14 are the failback states
# the reference calls WaitingForFailback / FailbackCompleted; check on a real host).
$StateNames = @{
  0 = 'Disabled'; 1 = 'ReadyForInitialReplication'; 2 = 'WaitingForInitialReplication'; 3 = 'Replicating';
  4 = 'PreparedForFailover'; 5 = 'FailedOver'; 6 = 'FailedOver'; 7 = 'Suspended'; 8 = 'Error';
  9 = 'WaitingForStartResynchronize'; 10 = 'Resynchronizing'; 11 = 'ResynchronizeSuspended';
  12 = 'RecoveryInProgress'; 13 = 'WaitingForFailback'; 14 = 'FailbackCompleted'
}
function Get-StateName($Value) {
  $n = [int]$Value
  if ($StateNames.ContainsKey($n)) { return $StateNames[$n] } else { return 'Unknown' }
}
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

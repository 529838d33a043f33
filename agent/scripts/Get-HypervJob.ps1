#Requires -Version 5.1
<#
  Lifeboat agent script: reads a CIM_ConcreteJob (Msvm_ConcreteJob) by id
  Run ONLY by the agent as an argument vector:
    pwsh -NoProfile -NonInteractive -File Get-HypervJob.ps1 -JobId <guid> [-Vm <guid|name> [-Node <node>]] [-Cluster <name>]
  -Cluster <name> (the agent's hyperv.cluster.name, on a failover cluster only) with -Vm: a job
  lives on the node whose Hyper-V ran the call; it is read on -Node (the node InitiateFailback
  answered from), or on the VM's owner node without it. A VM whose role moved away from -Node is
  VmMoved, naming both nodes: the flow then reads the replication state on the new owner. Without
  -Vm (a flow that predates clusters) or without -Cluster, the job is read on this host.
  Parameters are validated here again ([ValidatePattern] with \z, [ValidateSet]); the agent has
  already validated them with the same patterns. Prints exactly one JSON object on stdout:
    {"ok":true,"output":{...}} or {"ok":false,"error":{"code":"...","message":"..."}} (exit 1).
  CI runs it under pwsh 7 against fake Lync / Hyper-V modules (test/powershell); a real server
  remains to be tried: see agent/README.md.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][ValidatePattern('^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\z')]
    [string]$JobId,
    [Parameter()][ValidateLength(1, 64)][ValidatePattern('^(?:[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}|[A-Za-z0-9](?:[A-Za-z0-9 ._-]{0,62}[A-Za-z0-9])?)\z')]
    [string]$Vm,
    [Parameter()][ValidateLength(1, 253)][ValidatePattern('^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\z')]
    [string]$Node,
    [Parameter()][ValidateLength(1, 253)][ValidatePattern('^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\z')]
    [string]$Cluster
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

Import-Module (Join-Path $PSScriptRoot 'LifeboatAgent.psm1') -Force -DisableNameChecking

$JobStates = @{ 2 = 'New'; 3 = 'Starting'; 4 = 'Running'; 5 = 'Suspended'; 6 = 'ShuttingDown'; 7 = 'Completed'; 8 = 'Terminated'; 9 = 'Killed'; 10 = 'Exception'; 11 = 'Service' }
$target = $null
try {
  $target = @{ Cluster = $null; Ref = $Vm; Node = $null; Cim = @{} }
  if ($Cluster -and $Vm) {
    $owner = Get-VmOwnerNode $Cluster $Vm
    if ($Node -and $owner -ne $Node) {
      Write-Fail 'VmMoved' "VM $Vm moved from node $Node to node $owner while its failback job $JobId ran on ${Node}: the job's outcome is read from the replication state on $owner"
    }
    $at = if ($Node) { $Node } else { $owner }
    $target = @{ Cluster = $Cluster; Ref = $Vm; Node = $at; Cim = @{ CimSession = (New-CimSession -ComputerName $at -ErrorAction Stop) } }
  }
  $cim = $target.Cim
  $job = @(Get-CimInstance @cim -Namespace $Namespace -ClassName Msvm_ConcreteJob | Where-Object { $_.InstanceID -eq $JobId }) | Select-Object -First 1
  if ($null -eq $job) {
    Assert-VmStayed $target "the read of job $JobId"
    Write-Fail 'NotFound' "job $JobId is not known on $(if ($target.Node) { "node $($target.Node)" } else { 'this host' })"
  }
  Assert-VmStayed $target "the read of job $JobId"
  $name = $JobStates[[int]$job.JobState]
  if ($null -eq $name) { Write-Fail 'BadJobState' "job state $([int]$job.JobState) is not a CIM job state" }
  $errorCode = [int64]$job.ErrorCode
  if ($name -eq 'Completed') { $state = if ($errorCode -eq 0) { 'done' } else { 'failed' } }
  elseif ($name -in @('Terminated', 'Killed', 'Exception')) { $state = 'failed' }
  else { $state = 'inProgress' }
  $out = @{ jobId = $JobId; jobState = $name; state = $state; percentComplete = [int]$job.PercentComplete; errorCode = $errorCode }
  if ($job.ErrorDescription) { $out['errorDescription'] = ([string]$job.ErrorDescription).Substring(0, [Math]::Min(1024, ([string]$job.ErrorDescription).Length)) }
  if ($target.Node) { $out['node'] = $target.Node }
  Write-Ok $out
} catch { Write-StepFailure $target "the read of job $JobId" 'WmiFailed' $_.Exception.Message }

#Requires -Version 5.1
<#
  Lifeboat agent script: Msvm_ReplicationService.InitiateFailback on a recovery VM
  Run ONLY by the agent as an argument vector:
    pwsh -NoProfile -NonInteractive -File Invoke-HypervFailback.ps1 -Vm <guid|name> [-RecoveryPointId <id>] [-Cluster <name>]
  -Cluster <name> (the agent's hyperv.cluster.name, on a failover cluster only): the VM's WMI calls
  go to the node that owns its clustered role (Connect-VmHost), and a move meanwhile is VmMoved.
  Parameters are validated here again ([ValidatePattern] with \z, [ValidateSet]); the agent has
  already validated them with the same patterns. Prints exactly one JSON object on stdout:
    {"ok":true,"output":{...}} or {"ok":false,"error":{"code":"...","message":"..."}} (exit 1).
  CI runs it under pwsh 7 against fake Lync / Hyper-V modules (test/powershell); a real server
  remains to be tried: see agent/README.md.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][ValidateLength(1, 64)][ValidatePattern('^(?:[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}|[A-Za-z0-9](?:[A-Za-z0-9 ._-]{0,62}[A-Za-z0-9])?)\z')]
    [string]$Vm,
    [Parameter()][ValidatePattern('^(?:Microsoft:)?[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\z')]
    [string]$RecoveryPointId,
    [Parameter()][ValidateLength(1, 253)][ValidatePattern('^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\z')]
    [string]$Cluster
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

Import-Module (Join-Path $PSScriptRoot 'LifeboatAgent.psm1') -Force -DisableNameChecking

$Meanings = @{ 0 = 'Completed with No Error'; 4096 = 'Method Parameters Checked - Job Started'; 32768 = 'Failed'; 32769 = 'Access Denied';
  32770 = 'Not Supported'; 32771 = 'Status is unknown'; 32772 = 'Timeout'; 32773 = 'Invalid parameter'; 32774 = 'System is in use';
  32775 = 'Invalid state for this operation'; 32776 = 'Incorrect data type'; 32777 = 'System is not available'; 32778 = 'Out of memory'; 32779 = 'File not found' }
$target = $null
try {
  $target = Connect-VmHost $Cluster $Vm
  $cim = $target.Cim
  $vmObj = Get-TargetVm $Vm $target
  # InitiateFailback works on a recovery VM that is failed over: check before calling (the agent
  # has read it too). Already on its way back: call anyway, the host answers 32775 and the agent re-reads.
  $mode = Get-ModeName $vmObj
  if ($null -ne $mode -and $mode -ne 'Replica') { Write-Fail 'NotReplica' "VM $Vm is not a Hyper-V Replica recovery VM (its replication role is $mode)" }
  $state = Get-StateName $vmObj.ReplicationState
  if ($state -notin @('FailedOver', 'WaitingForFailback', 'FailbackCompleted')) { Write-Fail 'WrongState' "VM $Vm is ${state}: InitiateFailback needs a recovery VM that is FailedOver" }
  $service = Get-CimInstance @cim -Namespace $Namespace -ClassName Msvm_ReplicationService
  $settings = Get-CimAssociatedInstance @cim -InputObject $vmObj -ResultClassName Msvm_ReplicationSettingData | Select-Object -First 1
  if ($null -eq $settings) { Write-Fail 'NotReplica' "VM $Vm has no replication settings" }
  # Embedded-instance string parameter: serialise the CIM instance (no text built from input).
  $rsdText = ConvertTo-CimEmbeddedString $settings
  $arguments = @{ ComputerSystem = $vmObj; ReplicationSettingData = $rsdText }
  if ($PSBoundParameters.ContainsKey('RecoveryPointId')) { $arguments['RecoveryPointIdentifier'] = $RecoveryPointId }
  $r = Invoke-CimMethod @cim -InputObject $service -MethodName InitiateFailback -Arguments $arguments
  # On a cluster, a call made just before the role moved is VmMoved too: its job is on the old
  # node, and the replication state is read on the new one (a failed call: Write-StepFailure).
  Assert-VmStayed $target 'InitiateFailback'
  $code = [int64]$r.ReturnValue
  $meaning = if ($Meanings.ContainsKey([int]$code)) { $Meanings[[int]$code] } else { "Unknown return code $code" }
  $out = @{ returnCode = $code; meaning = $meaning }
  if ($code -eq 4096 -and $null -ne $r.Job) { $out['jobId'] = ([string]$r.Job.InstanceID).ToLowerInvariant() }
  if ($target.Node) { $out['node'] = $target.Node }
  Write-Ok $out
} catch { Write-StepFailure $target 'InitiateFailback' 'WmiFailed' $_.Exception.Message }

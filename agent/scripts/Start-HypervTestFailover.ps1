#Requires -Version 5.1
<#
  Lifeboat agent script: Start-VMFailover -AsTest (TestReplicaSystem): a test VM, production untouched
  Run ONLY by the agent as an argument vector:
    pwsh -NoProfile -NonInteractive -File Start-HypervTestFailover.ps1 -Vm <guid|name> [-RecoveryPointId <id>]
  Parameters are validated here again ([ValidatePattern] with \z, [ValidateSet]); the agent has
  already validated them with the same patterns. Prints exactly one JSON object on stdout:
    {"ok":true,"output":{...}} or {"ok":false,"error":{"code":"...","message":"..."}} (exit 1).
  NOT RUN in this repository's CI (no PowerShell / Lync / Hyper-V there): see agent/README.md.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][ValidateLength(1, 64)][ValidatePattern('^(?:[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}|[A-Za-z0-9](?:[A-Za-z0-9 ._-]{0,62}[A-Za-z0-9])?)\z')]
    [string]$Vm,
    [Parameter()][ValidatePattern('^(?:Microsoft:)?[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\z')]
    [string]$RecoveryPointId
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
try {
  $vmObj = Get-TargetVm $Vm
  $target = Get-VM -Id ([string]$vmObj.Name)
  if ($PSBoundParameters.ContainsKey('RecoveryPointId')) {
    $id = $RecoveryPointId -replace '^Microsoft:', ''
    $snapshot = @(Get-VMSnapshot -VM $target | Where-Object { [string]$_.Id -eq $id }) | Select-Object -First 1
    if ($null -eq $snapshot) { Write-Fail 'NotFound' "recovery point $RecoveryPointId is not on VM $Vm" }
    $test = Start-VMFailover -VMRecoverySnapshot $snapshot -AsTest -Confirm:$false -Passthru
  } else {
    $test = Start-VMFailover -VM $target -AsTest -Confirm:$false -Passthru
  }
  $testName = if ($null -ne $test) { [string]$test.Name } else { "$($target.Name) - Test" }
  Write-Ok @{ vm = $Vm; testVmName = $testName; created = $true }
} catch { Write-Fail 'CmdletFailed' $_.Exception.Message }

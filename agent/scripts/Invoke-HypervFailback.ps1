#Requires -Version 5.1
<#
  Lifeboat agent script: Msvm_ReplicationService.InitiateFailback on a recovery VM
  Run ONLY by the agent as an argument vector:
    pwsh -NoProfile -NonInteractive -File Invoke-HypervFailback.ps1 -Vm <guid|name> [-RecoveryPointId <id>]
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
$Meanings = @{ 0 = 'Completed with No Error'; 4096 = 'Method Parameters Checked - Job Started'; 32768 = 'Failed'; 32769 = 'Access Denied';
  32770 = 'Not Supported'; 32771 = 'Status is unknown'; 32772 = 'Timeout'; 32773 = 'Invalid parameter'; 32774 = 'System is in use';
  32775 = 'Invalid state for this operation'; 32776 = 'Incorrect data type'; 32777 = 'System is not available'; 32778 = 'Out of memory'; 32779 = 'File not found' }
try {
  $vmObj = Get-TargetVm $Vm
  $service = Get-CimInstance -Namespace $Namespace -ClassName Msvm_ReplicationService
  $settings = Get-CimAssociatedInstance -InputObject $vmObj -ResultClassName Msvm_ReplicationSettingData | Select-Object -First 1
  if ($null -eq $settings) { Write-Fail 'NotReplica' "VM $Vm has no replication settings" }
  # Embedded-instance string parameter: serialise the CIM instance (no text built from input).
  $serializer = [Microsoft.Management.Infrastructure.Serialization.CimSerializer]::Create()
  $rsdText = [System.Text.Encoding]::Unicode.GetString($serializer.Serialize($settings, [Microsoft.Management.Infrastructure.Serialization.InstanceSerializationOptions]::None))
  $arguments = @{ ComputerSystem = $vmObj; ReplicationSettingData = $rsdText }
  if ($PSBoundParameters.ContainsKey('RecoveryPointId')) { $arguments['RecoveryPointIdentifier'] = $RecoveryPointId }
  $r = Invoke-CimMethod -InputObject $service -MethodName InitiateFailback -Arguments $arguments
  $code = [int64]$r.ReturnValue
  $meaning = if ($Meanings.ContainsKey([int]$code)) { $Meanings[[int]$code] } else { "Unknown return code $code" }
  $out = @{ returnCode = $code; meaning = $meaning }
  if ($code -eq 4096 -and $null -ne $r.Job) { $out['jobId'] = ([string]$r.Job.InstanceID).ToLowerInvariant() }
  Write-Ok $out
} catch { Write-Fail 'WmiFailed' $_.Exception.Message }

#Requires -Version 5.1
<#
  Shared helpers of the Lifeboat agent scripts (imported by each script from $PSScriptRoot).
  The output contract: exactly one JSON object on stdout,
    {"ok":true,"output":{...}} or {"ok":false,"error":{"code":"...","message":"..."}} (exit 1).
  CI runs it under pwsh 7 against fake Lync / Hyper-V modules (test/powershell); a real server
  remains to be tried: see agent/README.md.
#>
Set-StrictMode -Version Latest
# Preference variables do not flow from the calling script into a module's functions: set them here too.
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
  if ($found.Count -gt 1) { Write-Fail 'Ambiguous' "several VMs are named ${Ref}: address it by GUID" }
  return $found[0]
}
# Msvm_ComputerSystem.ReplicationState values -> Lifeboat names (13/14 are the failback states
# the reference calls WaitingForFailback / FailbackCompleted; check on a real host).
$StateNames = @{
  0 = 'Disabled'; 1 = 'ReadyForInitialReplication'; 2 = 'WaitingForInitialReplication'; 3 = 'Replicating';
  4 = 'PreparedForFailover'; 5 = 'FailedOver'; 6 = 'FailedOver'; 7 = 'Suspended'; 8 = 'Error';
  9 = 'WaitingForStartResynchronize'; 10 = 'Resynchronizing'; 11 = 'ResynchronizeSuspended';
  12 = 'RecoveryInProgress'; 13 = 'WaitingForFailback'; 14 = 'FailbackCompleted'
}
# Msvm_ComputerSystem.ReplicationMode -> Lifeboat names (2 Recovery is the replica).
$ModeNames = @{ 0 = 'None'; 1 = 'Primary'; 2 = 'Replica'; 3 = 'TestReplica'; 4 = 'ExtendedReplica' }
<# The VM's replica role, or $null when the host does not report ReplicationMode. #>
function Get-ModeName($VmObject) {
  $text = Get-PropertyText $VmObject 'ReplicationMode'
  if ($null -eq $text -or $text -eq '') { return $null }
  $n = [int]$text
  if ($ModeNames.ContainsKey($n)) { return $ModeNames[$n] } else { return 'Unknown' }
}
function Get-StateName($Value) {
  $n = [int]$Value
  if ($StateNames.ContainsKey($n)) { return $StateNames[$n] } else { return 'Unknown' }
}

# Embedded-instance string parameters (InitiateFailback's ReplicationSettingData) take the CIM
# instance serialised as DTD 2.0 text, never text built from input. Needs the native MI library
# (Windows); the test fakes provide their own (test/powershell/fakes/Modules/CimCmdlets).
function ConvertTo-CimEmbeddedString($CimInstance) {
  $serializer = [Microsoft.Management.Infrastructure.Serialization.CimSerializer]::Create()
  $bytes = $serializer.Serialize($CimInstance, [Microsoft.Management.Infrastructure.Serialization.InstanceSerializationOptions]::None)
  return [System.Text.Encoding]::Unicode.GetString($bytes)
}

# Skype for Business Server ships the SkypeForBusiness module; Lync Server 2013 ships Lync.
function Import-LyncModule {
  if (Get-Module -ListAvailable -Name SkypeForBusiness) { Import-Module SkypeForBusiness -ErrorAction Stop }
  else { Import-Module Lync -ErrorAction Stop }
}

<#
  A property's text, or $null when the object lacks it (under Set-StrictMode a missing property
  throws). Reads through PSObject.Properties and casts to [string], so it works the same on live
  objects and on deserialized ones (PowerShell 7's compatibility layer returns Deserialized.*
  property bags whose enum values are not strings: '-eq' on the raw value would be false).
#>
function Get-PropertyText($Object, [string]$Name) {
  if ($null -eq $Object) { return $null }
  $p = $Object.PSObject.Properties[$Name]
  if ($null -eq $p -or $null -eq $p.Value) { return $null }
  return [string]$p.Value
}

<#
  The pool a Front End pool is paired with (Get-CsPoolBackupRelationship), or $null. The cmdlet's
  output properties are not documented: BackupPoolFqdn is read first, then BackupPool (text, or an
  object with an Fqdn); to be checked on a lab server (agent/README.md).
#>
function Get-LyncBackupPool([string]$PoolFqdn) {
  foreach ($r in @(Get-CsPoolBackupRelationship -PoolFqdn $PoolFqdn)) {
    $text = Get-PropertyText $r 'BackupPoolFqdn'
    if (-not $text -and $null -ne $r -and $null -ne $r.PSObject.Properties['BackupPool']) {
      $value = $r.PSObject.Properties['BackupPool'].Value
      $text = Get-PropertyText $value 'Fqdn'
      if (-not $text -and $null -ne $value) { $text = [string]$value }
    }
    if ($text) { return ($text -replace '^[^:]*:', '') }
  }
  return $null
}

Export-ModuleMember -Function Write-Ok, Write-Fail, Get-TargetVm, Get-StateName, Get-ModeName, ConvertTo-CimEmbeddedString, Import-LyncModule, Get-PropertyText, Get-LyncBackupPool -Variable Namespace, GuidPattern, StateNames

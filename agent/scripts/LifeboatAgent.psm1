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
<#
  The VM's Msvm_ComputerSystem on the host its WMI calls go to: this host, or (on a failover
  cluster) the node that owns it, through the CIM session of Connect-VmHost ($Target; $null on a
  standalone host). A clustered VM missing on its owner is first checked for a move (VmMoved).
#>
function Get-TargetVm([string]$Ref, $Target = $null) {
  $cim = if ($null -ne $Target) { $Target.Cim } else { @{} }
  # Compare with -eq on objects, never a WQL filter built from the value.
  $all = @(Get-CimInstance @cim -Namespace $Namespace -ClassName Msvm_ComputerSystem | Where-Object { $_.Caption -eq 'Virtual Machine' })
  if ($Ref -match $GuidPattern) { $found = @($all | Where-Object { $_.Name -eq $Ref }) }
  else { $found = @($all | Where-Object { $_.ElementName -eq $Ref }) }
  if ($found.Count -eq 0 -and $null -ne $Target -and $Target.Cluster) {
    Assert-VmStayed $Target 'the VM read'
    Write-Fail 'NotFound' "VM $Ref is not on node $($Target.Node), which cluster $($Target.Cluster) names as its owner"
  }
  if ($found.Count -eq 0) { Write-Fail 'NotFound' "VM $Ref is not on this host" }
  if ($found.Count -gt 1) { Write-Fail 'Ambiguous' "several VMs are named ${Ref}: address it by GUID" }
  return $found[0]
}
# A cluster or node name: one DNS label or an FQDN (shared/contracts/validators.ts, HOSTNAME_PATTERN).
$HostnamePattern = '^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\z'

<#
  The node that owns a clustered VM (issue 22 item 9). On a failover cluster the replica VM is a
  clustered role (a resource group, "the unit of failover": Get-ClusterGroup, FailoverClusters
  module), registered in Hyper-V only on the node that owns the role: its WMI objects, methods and
  jobs are on that node. Get-ClusterGroup reports "the state and owner node of each clustered role".
  By name: the groups are listed and matched with -eq on GroupType VirtualMachine and Name (the role
  is named after the VM when it is made highly available; a renamed role is found by GUID). By GUID:
  Get-ClusterGroup -VMId. Unknown until tried on a lab cluster: whether -VMId answers an unknown id
  with nothing or with an ObjectNotFound error (both read as NotFound), whether FailoverClusters
  loads natively in PowerShell 7 or through the compatibility layer (OwnerNode is then a
  deserialized object: its Name is read by property, else its text).
#>
function Get-VmOwnerNode([string]$Cluster, [string]$Ref) {
  if (-not (Get-Module -Name FailoverClusters)) { Import-Module FailoverClusters -ErrorAction Stop -DisableNameChecking }
  if ($Ref -match $GuidPattern) {
    try { $groups = @(Get-ClusterGroup -Cluster $Cluster -VMId $Ref) }
    catch { if ($_.CategoryInfo.Category -eq 'ObjectNotFound') { $groups = @() } else { throw } }
  } else {
    $groups = @(Get-ClusterGroup -Cluster $Cluster | Where-Object { (Get-PropertyText $_ 'GroupType') -eq 'VirtualMachine' -and (Get-PropertyText $_ 'Name') -eq $Ref })
  }
  if ($groups.Count -eq 0) { Write-Fail 'NotFound' "VM $Ref is not a clustered role of cluster $Cluster" }
  if ($groups.Count -gt 1) { Write-Fail 'Ambiguous' "several clustered roles of cluster $Cluster are named ${Ref}: address the VM by GUID" }
  $ownerObject = $groups[0].PSObject.Properties['OwnerNode']
  $owner = $null
  if ($null -ne $ownerObject -and $null -ne $ownerObject.Value) {
    $owner = Get-PropertyText $ownerObject.Value 'Name'
    if (-not $owner) { $owner = [string]$ownerObject.Value }
  }
  # The owner's name goes into New-CimSession -ComputerName: it must be a host name too.
  if (-not $owner -or $owner -notmatch $HostnamePattern) { Write-Fail 'NoOwner' "cluster $Cluster reports no usable owner node for VM $Ref (is the role moving? retry)" }
  return $owner
}

<#
  Where a script's WMI calls for a VM go. Standalone host ($Cluster empty): here, no session.
  Failover cluster: a CIM session to the node that owns the VM (New-CimSession -ComputerName <owner>).
  Returns @{ Cluster; Ref; Node; Cim (splat for the CIM cmdlets); Hv (splat for the Hyper-V cmdlets) }.
#>
function Connect-VmHost([string]$Cluster, [string]$Ref) {
  if (-not $Cluster) { return @{ Cluster = $null; Ref = $Ref; Node = $null; Cim = @{}; Hv = @{} } }
  $node = Get-VmOwnerNode $Cluster $Ref
  $session = New-CimSession -ComputerName $node -ErrorAction Stop
  return @{ Cluster = $Cluster; Ref = $Ref; Node = $node; Cim = @{ CimSession = $session }; Hv = @{ ComputerName = $node } }
}

<#
  After (or when) a step's calls on the owner node: asks the cluster again and reports VmMoved,
  naming both nodes, when the role moved meanwhile. The job and the objects the step used are on
  the old node; the VM's replication state is on the new one: the flow re-reads it there (a
  re-sent command re-targets the new owner). Nothing to check on a standalone host.
#>
function Assert-VmStayed($Target, [string]$During) {
  if (-not $Target.Cluster) { return }
  $now = Get-VmOwnerNode $Target.Cluster $Target.Ref
  if ($now -ne $Target.Node) {
    Write-Fail 'VmMoved' "VM $($Target.Ref) moved from node $($Target.Node) to node $now during ${During}: its state is now read on $now (the step re-reads the replication state there; sending it again targets the new owner)"
  }
}

<#
  A step's failure: on a cluster, first asks whether the VM moved (a WMI call on a node that lost
  the role fails because that node no longer has the VM: VmMoved says so, naming both nodes).
#>
function Write-StepFailure($Target, [string]$During, [string]$Code, [string]$Message) {
  if ($null -ne $Target -and $Target.Cluster) {
    try { Assert-VmStayed $Target $During }
    catch { $Message = "$Message (cluster $($Target.Cluster) could not be asked whether VM $($Target.Ref) moved: $($_.Exception.Message))" }
  }
  Write-Fail $Code $Message
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

Export-ModuleMember -Function Write-Ok, Write-Fail, Get-TargetVm, Get-VmOwnerNode, Connect-VmHost, Assert-VmStayed, Write-StepFailure, Get-StateName, Get-ModeName, ConvertTo-CimEmbeddedString, Import-LyncModule, Get-PropertyText, Get-LyncBackupPool -Variable Namespace, GuidPattern, HostnamePattern, StateNames

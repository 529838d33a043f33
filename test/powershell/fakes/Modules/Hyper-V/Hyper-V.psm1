<#
  Test-only fake of the Hyper-V module: Get-VM, Get-VMSnapshot, Get-VMReplication,
  Start-VMFailover -AsTest (TestReplicaSystem) and Stop-VMFailover, on the VMs of the fake state
  (see CimCmdlets.psm1). Only test failovers are faked: anything else is refused, so a script that
  tried a real failover would fail its tests.
  On a failover cluster (hyperv.cluster; LifeboatFakeSite.psm1) Get-VM answers for the node named by
  -ComputerName (else the agent's own node) and lists only the VMs whose role that node owns; a VM
  object carries its ComputerName, and Start-VMFailover / Stop-VMFailover act on that host, which
  must still own the VM (a clustered VM is registered only on its owner node).
#>
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path (Split-Path $PSScriptRoot) 'LifeboatFakeSite') -DisableNameChecking

$ReplicationStateNames = @{ 0 = 'Disabled'; 3 = 'Replicating'; 5 = 'FailedOverWaitingCompletion'; 6 = 'FailedOver'; 8 = 'Error'; 13 = 'WaitingForFailback'; 14 = 'FailbackCompleted' }

function ConvertTo-FakeVm($vm, [switch]$Test, $Node) {
  $computer = if ($null -ne $Node) { $Node } else { 'HV01' }
  if ($Test) { return [pscustomobject]@{ Name = "$($vm.name) - Test"; Id = [guid]::Empty; VMId = [guid]::Empty; State = 'Off'; ReplicaOf = $vm.id; ComputerName = $computer } }
  [pscustomobject]@{ Name = $vm.name; Id = [guid]$vm.id; VMId = [guid]$vm.id; State = 'Off'; ReplicaOf = $null; ComputerName = $computer }
}

function Get-VM {
  [CmdletBinding()]
  param([Parameter(Position = 0)][string]$Name, [guid]$Id, [string[]]$ComputerName)
  $byId = $PSBoundParameters.ContainsKey('Id') # (inside the block below, $PSBoundParameters is the block's own)
  $computer = if ($ComputerName) { [string]@($ComputerName)[0] } else { $null }
  Use-FakeState {
    param($State)
    Assert-FakeNotFailing $State 'Get-VM'
    $node = Get-FakeAnsweringNode $State $computer
    $all = foreach ($vm in @($State.hyperv.vms)) {
      if (-not (Test-FakeVmOnNode $State $vm $node)) { continue }
      ConvertTo-FakeVm $vm -Node $node
      if ($vm.ContainsKey('testVm') -and $vm.testVm) { ConvertTo-FakeVm $vm -Test -Node $node }
    }
    if ($byId) {
      $found = @($all | Where-Object { $_.Id -eq $Id })
      if ($found.Count -eq 0) { throw "Hyper-V was unable to find a virtual machine with id `"$Id`"." }
      return $found
    }
    if ($Name) { return @($all | Where-Object { $_.Name -eq $Name }) }
    $all
  }
}

function Find-FakeVm($State, $VM) {
  $found = @($State.hyperv.vms | Where-Object { [guid]$_.id -eq $VM.Id })
  if ($found.Count -eq 0) { throw "Hyper-V was unable to find the virtual machine `"$($VM.Name)`"." }
  # The VM object names its host; on a cluster that host must still own the VM's role.
  $computer = if ($VM.PSObject.Properties['ComputerName']) { [string]$VM.ComputerName } else { $null }
  if ((Test-FakeCluster $State) -and -not (Test-FakeVmOnNode $State $found[0] (Get-FakeAnsweringNode $State $computer))) {
    throw "Hyper-V was unable to find the virtual machine `"$($VM.Name)`" on $computer."
  }
  return $found[0]
}

function Get-VMSnapshot {
  [CmdletBinding()]
  param([Parameter(Mandatory = $true)]$VM)
  $computer = if ($null -ne $VM -and $VM.PSObject.Properties['ComputerName']) { [string]$VM.ComputerName } else { $null } # ($vm below is the same variable)
  Use-FakeState {
    param($State)
    $vm = Find-FakeVm $State $VM
    foreach ($rp in @($vm.recoveryPoints)) { [pscustomobject]@{ Id = [guid]$rp; Name = "Recovery point $rp"; VMName = $vm.name; VMId = [guid]$vm.id; SnapshotType = 'Replica' } }
  }
}

function Get-VMReplication {
  [CmdletBinding()]
  param([Parameter(Position = 0)][string]$VMName)
  Use-FakeState {
    param($State)
    foreach ($vm in @($State.hyperv.vms)) {
      if ($VMName -and $vm.name -ne $VMName) { continue }
      $state = $ReplicationStateNames[[int]$vm.replicationState]
      [pscustomobject]@{ VMName = $vm.name; VMId = [guid]$vm.id; Mode = 'Replica'; State = $(if ($state) { $state } else { "State$($vm.replicationState)" }) }
    }
  }
}

function Start-VMFailover {
  [CmdletBinding(SupportsShouldProcess = $true)]
  param($VM, $VMRecoverySnapshot, [switch]$AsTest, [switch]$Prepare, [switch]$Passthru)
  if (-not $AsTest) { throw 'fake Hyper-V: only test failovers (-AsTest) are faked; the agent must never fail over production' }
  $computer = if ($null -ne $VM -and $VM.PSObject.Properties['ComputerName']) { [string]$VM.ComputerName } else { $null } # ($vm below is the same variable)
  Use-FakeState {
    param($State)
    Assert-FakeNotFailing $State 'Start-VMFailover'
    if ($null -ne $VMRecoverySnapshot) {
      $vm = @($State.hyperv.vms | Where-Object { [guid]$_.id -eq $VMRecoverySnapshot.VMId })[0]
      $recorded = @{ VM = $vm.name; Snapshot = [string]$VMRecoverySnapshot.Id; AsTest = $true }
    } else {
      $vm = Find-FakeVm $State $VM
      $recorded = @{ VM = $vm.name; AsTest = $true }
      if (Test-FakeCluster $State) { $recorded.Node = $computer }
    }
    Add-FakeCall $State 'Start-VMFailover' $recorded
    if ($vm.ContainsKey('testVm') -and $vm.testVm) { throw "'$($vm.name)' failed to start test failover: a test virtual machine already exists." }
    $vm.testVm = $true
    if ($Passthru) { ConvertTo-FakeVm $vm -Test }
  }
}

function Stop-VMFailover {
  [CmdletBinding(SupportsShouldProcess = $true)]
  param([Parameter(Mandatory = $true)]$VM)
  $computer = if ($null -ne $VM -and $VM.PSObject.Properties['ComputerName']) { [string]$VM.ComputerName } else { $null } # ($vm below is the same variable)
  Use-FakeState {
    param($State)
    Assert-FakeNotFailing $State 'Stop-VMFailover'
    $vm = Find-FakeVm $State $VM
    $recorded = @{ VM = $vm.name }
    if (Test-FakeCluster $State) { $recorded.Node = $computer }
    Add-FakeCall $State 'Stop-VMFailover' $recorded
    $vm.testVm = $false
  } | Out-Null
}

Export-ModuleMember -Function Get-VM, Get-VMSnapshot, Get-VMReplication, Start-VMFailover, Stop-VMFailover

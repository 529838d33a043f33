<#
  Test-only fake of the FailoverClusters module: Get-ClusterGroup and Get-ClusterNode on the
  cluster of the fake state (see CimCmdlets.psm1 and LifeboatFakeSite.psm1):
    hyperv.cluster: { name, nodes[], localNode? }; hyperv.vms[].ownerNode (default nodes[0]).
  Each replica VM is a clustered role (GroupType VirtualMachine) named after the VM, owned by one
  node; the core "Cluster Group" and "Available Storage" groups are listed too, so a script must
  pick the VM's role by type and name. Strictness, and where each comes from (Microsoft's
  FailoverClusters reference, Get-ClusterGroup):
  - "A resource group is the unit of failover. During failover, all resources in the resource group
    move together": a role has exactly one OwnerNode, and a move (LifeboatFakeSite's Move-FakeVm)
    changes it for every cmdlet at once.
  - -Cluster "specifies the name of the cluster on which to run this cmdlet": another name, or a
    state without a cluster (a standalone host), throws as a cluster that cannot be reached does.
  - -Name of a role that does not exist, and -VMId of a VM that is no clustered role, throw an
    ObjectNotFound error. Whether the real cmdlet throws or answers nothing for -VMId is unknown
    (the scripts accept both); the fake takes the stricter of the two.
#>
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path (Split-Path $PSScriptRoot) 'LifeboatFakeSite') -DisableNameChecking

function Get-FakeClusterOrThrow($State, [string]$Cluster) {
  if (-not ($State.ContainsKey('hyperv') -and $State.hyperv.ContainsKey('cluster') -and $null -ne $State.hyperv.cluster)) {
    throw "fake FailoverClusters: the cluster '$Cluster' could not be reached: this host is not a cluster node and no such cluster answers"
  }
  $c = $State.hyperv.cluster
  if ($Cluster -and $Cluster -ne '.' -and $Cluster -ne $c.name -and $Cluster -notlike "$($c.name).*") {
    throw "fake FailoverClusters: the cluster '$Cluster' could not be reached (this site's cluster is $($c.name))"
  }
  return $c
}

<#
  A ClusterNode as Get-ClusterGroup's OwnerNode. hyperv.cluster.ownerNodeAsText: the node as text
  instead, the shape a deserialized object may take when the module loads through PowerShell 7's
  compatibility layer (which shape a real host gives there is unknown: the scripts read both).
#>
function New-FakeNode([string]$Name, $State = $null) {
  if ($null -ne $State -and $State.hyperv.cluster.ContainsKey('ownerNodeAsText') -and $State.hyperv.cluster.ownerNodeAsText) { return $Name }
  [pscustomobject]@{ Name = $Name; State = 'Up' }
}

function Get-ClusterGroup {
  [CmdletBinding()]
  param([Parameter(Position = 0)][string[]]$Name, [guid]$VMId, [string]$Cluster, $InputObject)
  $byId = $PSBoundParameters.ContainsKey('VMId')
  Use-FakeState {
    param($State)
    Assert-FakeNotFailing $State 'Get-ClusterGroup'
    $c = Get-FakeClusterOrThrow $State $Cluster
    $groups = @(
      [pscustomobject]@{ Name = 'Cluster Group'; GroupType = 'Cluster'; State = 'Online'; OwnerNode = (New-FakeNode @($c.nodes)[0]); VMId = $null }
      [pscustomobject]@{ Name = 'Available Storage'; GroupType = 'AvailableStorage'; State = 'Online'; OwnerNode = (New-FakeNode @($c.nodes)[0]); VMId = $null }
      foreach ($vm in @($State.hyperv.vms)) {
        [pscustomobject]@{ Name = $vm.name; GroupType = 'VirtualMachine'; State = 'Online'; OwnerNode = (New-FakeNode (Get-FakeVmOwner $State $vm) $State); VMId = [guid]$vm.id }
      }
    )
    if ($byId) {
      $found = @($groups | Where-Object { $null -ne $_.VMId -and $_.VMId -eq $VMId })
      if ($found.Count -eq 0) { Write-Error -Category ObjectNotFound -Message "fake FailoverClusters: no clustered role holds the virtual machine $VMId" -ErrorAction Stop }
      return $found
    }
    if ($Name) {
      $found = @($groups | Where-Object { $g = $_; @($Name | Where-Object { $g.Name -like $_ }).Count -gt 0 })
      if ($found.Count -eq 0) { Write-Error -Category ObjectNotFound -Message "fake FailoverClusters: the clustered role $($Name -join ', ') was not found" -ErrorAction Stop }
      return $found
    }
    $groups
  }
}

function Get-ClusterNode {
  [CmdletBinding()]
  param([Parameter(Position = 0)][string[]]$Name, [string]$Cluster)
  Use-FakeState {
    param($State)
    $c = Get-FakeClusterOrThrow $State $Cluster
    foreach ($n in @($c.nodes)) { if (-not $Name -or $Name -contains $n) { New-FakeNode $n } }
  }
}

Export-ModuleMember -Function Get-ClusterGroup, Get-ClusterNode

<#
  State shared by the fake Lync / Skype for Business, Hyper-V and CIM modules (test-only).
  The state is one JSON file named by $env:LIFEBOAT_FAKE_STATE that a test writes before running a
  script and reads afterwards (test/powershell/FakeSite.psm1 and test/powershell/fakeSite.ts build it).
  Time moves: a sync or a failback job started at t finishes at t + its duration, settled on every read,
  as docs/reference/onprem-commands.md describes. Every state-changing call is appended to
  `calls`, so a test can prove what ran and with which parameters.
  Several scripts may run at once (the agent handles a batch concurrently): each change opens the file
  exclusively, reads, changes and writes it back while holding it.
#>
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

function Get-FakeNow { [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() }

function Open-FakeStateFile {
  $path = $env:LIFEBOAT_FAKE_STATE
  if (-not $path) { throw 'fake site: LIFEBOAT_FAKE_STATE is not set' }
  for ($i = 0; $i -lt 400; $i++) {
    try { return [System.IO.File]::Open($path, 'Open', 'ReadWrite', 'None') }
    catch [System.IO.IOException] { Start-Sleep -Milliseconds 25 }
  }
  throw "fake site: $path stayed locked"
}

# Finished syncs and failback jobs reach their end state.
function Update-FakeTime($State) {
  $now = Get-FakeNow
  foreach ($job in @($State.hyperv.jobs)) {
    if ($job.settled -or $now -lt $job.startedAt + $job.durationMs) { continue }
    $job.settled = $true
    $vm = @($State.hyperv.vms | Where-Object { $_.id -eq $job.vmId })[0]
    if ($job.errorCode -eq 0) { $vm.replicationState = 14 } else { $vm.replicationState = 8 }
  }
}

<# Runs $Change on the state (a hashtable) while holding the file; writes it back when $Change returns. #>
function Use-FakeState([scriptblock]$Change) {
  $file = Open-FakeStateFile
  try {
    $reader = [System.IO.StreamReader]::new($file, [System.Text.UTF8Encoding]::new($false), $false, 4096, $true)
    $state = $reader.ReadToEnd() | ConvertFrom-Json -AsHashtable
    $reader.Dispose()
    Update-FakeTime $state
    $result = & $Change $state
    $text = [System.Text.UTF8Encoding]::new($false).GetBytes(($state | ConvertTo-Json -Depth 20))
    $file.SetLength(0)
    $file.Write($text, 0, $text.Length)
    return $result
  } finally { $file.Dispose() }
}

<# Throws the message a test configured for this cmdlet under `fail` (a cmdlet failing as a whole). #>
function Assert-FakeNotFailing($State, [string]$Cmdlet) {
  if ($State.ContainsKey('fail') -and $null -ne $State.fail -and $State.fail.ContainsKey($Cmdlet)) { throw $State.fail[$Cmdlet] }
}

function Add-FakeCall($State, [string]$Cmdlet, [hashtable]$Parameters) {
  if (-not $State.ContainsKey('calls')) { $State.calls = @() }
  $State.calls = @($State.calls) + @(@{ cmdlet = $Cmdlet; parameters = $Parameters; at = (Get-FakeNow) })
}

<#
  A failover cluster (issue 22 item 9): hyperv.cluster = { name, nodes[], localNode? } and each VM's
  ownerNode (default: the first node). A clustered VM is registered in Hyper-V only on the node that
  owns its role, so the fake CIM and Hyper-V cmdlets answer per node: the node a call reaches is its
  CimSession's (or -ComputerName's) computer, else the agent's own node (localNode, default the
  first). Without hyperv.cluster the site is one standalone host (HV01) that has every VM.
#>
function Test-FakeCluster($State) { $State.ContainsKey('hyperv') -and $State.hyperv.ContainsKey('cluster') -and $null -ne $State.hyperv.cluster }

function Get-FakeVmOwner($State, $Vm) {
  if (-not (Test-FakeCluster $State)) { return $null }
  if ($Vm.ContainsKey('ownerNode') -and $Vm.ownerNode) { return [string]$Vm.ownerNode }
  return [string]@($State.hyperv.cluster.nodes)[0]
}

<#
  The node a call reaches ($null on a standalone host). A session or computer name that is no node
  of the cluster (or not the standalone host) throws, as WinRM cannot reach a host that is not there.
#>
function Get-FakeAnsweringNode($State, [string]$ComputerName) {
  if (-not (Test-FakeCluster $State)) {
    if ($ComputerName -and $ComputerName -ne 'HV01' -and $ComputerName -ne 'localhost') { throw "fake site: WinRM cannot reach $ComputerName (the standalone host is HV01)" }
    return $null
  }
  $c = $State.hyperv.cluster
  if (-not $ComputerName) { if ($c.ContainsKey('localNode') -and $c.localNode) { return [string]$c.localNode } else { return [string]@($c.nodes)[0] } }
  $node = @($c.nodes | Where-Object { $_ -eq $ComputerName -or $ComputerName -like "$_.*" })
  if ($node.Count -eq 0) { throw "fake site: WinRM cannot reach ${ComputerName}: it is not a node of cluster $($c.name)" }
  return [string]$node[0]
}

<# Whether $Node has the VM (a standalone host has every VM). #>
function Test-FakeVmOnNode($State, $Vm, $Node) { ($null -eq $Node) -or ((Get-FakeVmOwner $State $Vm) -eq $Node) }

<# The test hook: moves a VM's clustered role to another node (a live migration or a node failure). #>
function Move-FakeVm($State, [string]$VmName, [string]$ToNode) {
  if (-not (Test-FakeCluster $State)) { throw 'fake site: only a clustered VM can move' }
  if (@($State.hyperv.cluster.nodes) -notcontains $ToNode) { throw "fake site: $ToNode is not a node of the cluster" }
  $vm = @($State.hyperv.vms | Where-Object { $_.name -eq $VmName -or $_.id -eq $VmName })
  if ($vm.Count -ne 1) { throw "fake site: no VM $VmName" }
  $vm[0].ownerNode = $ToNode
}

<#
  A move a test scheduled to happen during a script: hyperv.vms[].moveDuring = { when, to }, applied
  once when the fake reaches `when` ('vmRead': after the owner node listed the VM;
  'beforeInitiateFailback' / 'afterInitiateFailback': around the call).
#>
function Invoke-FakeMoveTrigger($State, $Vm, [string]$When) {
  if ($Vm.ContainsKey('moveDuring') -and $null -ne $Vm.moveDuring -and $Vm.moveDuring.when -eq $When) {
    $to = [string]$Vm.moveDuring.to
    $Vm.moveDuring = $null
    Move-FakeVm $State ([string]$Vm.name) $to
    Add-FakeCall $State 'Move-ClusterVirtualMachineRole' @{ VM = $Vm.name; Node = $to }
  }
}

Export-ModuleMember -Function Get-FakeNow, Use-FakeState, Assert-FakeNotFailing, Add-FakeCall, Test-FakeCluster, Get-FakeVmOwner, Get-FakeAnsweringNode, Test-FakeVmOnNode, Move-FakeVm, Invoke-FakeMoveTrigger

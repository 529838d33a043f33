<#
  Test-only fake of the CIM cmdlets for the Hyper-V WMI provider (namespace root\virtualization\v2):
  Msvm_ComputerSystem, Msvm_ConcreteJob, Msvm_ReplicationService (InitiateFailback) and the VM's
  Msvm_ReplicationSettingData. pwsh on Linux has no CIM (no native MI library), so CIM instances
  here are plain objects with the same property names. State: LifeboatFakeSite.
    hyperv.vms[]: { id, name, replicationState (Msvm number), failbackDurationMs, mode ('job'|'sync'),
                    returnCode?, jobErrorCode?, recoveryPoints[], testVm }
    hyperv.jobs[]: { id, vmId, startedAt, durationMs, errorCode, errorDescription, settled, endState? }
  InitiateFailback, as the reference describes: a recovery VM that is FailedOver (5/6) goes to
  WaitingForFailback (13) with a job (4096) that ends FailbackCompleted (14) after
  failbackDurationMs, or at once with 0 in mode 'sync'; any other state answers 32775; a VM with
  `returnCode` answers that code; a job with jobErrorCode ends in Exception and the VM in Error (8).
  Strictness, and where each comes from:
  - hyperv.vms[].replicationMode (Msvm_ComputerSystem.ReplicationMode: 0 None, 1 Primary, 2 Recovery,
    3 TestReplica, 4 Extended; default 2): InitiateFailback "works on a recovery VM"
    (onprem-commands.md); any other role answers 32775. The property's presence on every host
    version is to be checked on a lab host: the scripts work without it.
  - hyperv.jobRetentionMs (default 300000): a finished job is gone that long after it ended, as
    CIM_Job.TimeBeforeRemoval (5 minutes by default) removes it on a real host.
  - hyperv.vms[].returnCodes[]: codes answered first, one per call (32774 in use, 32777 not
    available: documented as codes, their transience is the agent's assumption).
  - The ReplicationSettingData embedded instance must be a Msvm_ReplicationSettingData (32776,
    "Incorrect data type", otherwise: the exact code a real host answers is unknown) and the VM's own.
  - A failover cluster (hyperv.cluster, issue 22 item 9; see LifeboatFakeSite.psm1): every cmdlet
    answers for the node its -CimSession reaches (New-CimSession -ComputerName <node>), else the
    agent's own node. A clustered VM is registered in Hyper-V only on the node that owns its role
    (Get-ClusterGroup reports "the state and owner node of each clustered role"; the role is "the
    unit of failover", so the VM, its WMI objects and its jobs move with it): another node does not
    list it, refuses an association or a method call naming it with a "Not found" error (the exact
    CIM error a real node gives is unknown; an exception is the stricter choice over a return
    code), and lists only the jobs it ran itself.
#>
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path (Split-Path $PSScriptRoot) 'LifeboatFakeSite') -DisableNameChecking

$HypervNamespace = 'root\virtualization\v2'

function Assert-Namespace([string]$Namespace) {
  if ($Namespace -ne $HypervNamespace) { throw "Invalid namespace $Namespace" }
}

function ConvertTo-FakeVmSystem($vm) {
  # Real hosts report the VM GUID upper-case in Name.
  $mode = if ($vm.ContainsKey('replicationMode')) { [uint16]$vm.replicationMode } else { [uint16]2 }
  [pscustomobject]@{ CimClass = 'Msvm_ComputerSystem'; Caption = 'Virtual Machine'; Name = ([string]$vm.id).ToUpperInvariant(); ElementName = $vm.name; ReplicationState = [uint16]$vm.replicationState; ReplicationMode = $mode; EnabledState = [uint16]2 }
}

function ConvertTo-FakeJob($job) {
  $elapsed = (Get-FakeNow) - $job.startedAt
  if ($elapsed -lt $job.durationMs) {
    $state = 4; $percent = [int][Math]::Floor(100 * $elapsed / [Math]::Max(1, $job.durationMs)); $code = 0; $description = ''
  } else {
    $state = if ($job.ContainsKey('endState')) { [int]$job.endState } elseif ($job.errorCode -eq 0) { 7 } else { 10 }
    $percent = 100; $code = $job.errorCode; $description = $job.errorDescription
  }
  [pscustomobject]@{ CimClass = 'Msvm_ConcreteJob'; InstanceID = ([string]$job.id).ToUpperInvariant(); JobState = [uint16]$state; PercentComplete = [uint16]$percent; ErrorCode = [uint16]$code; ErrorDescription = $description }
}

<# The computer a -CimSession reaches ($null: this host). #>
function Get-SessionComputer($CimSession) {
  if ($null -eq $CimSession) { return $null }
  if ($CimSession.PSObject.Properties['CimClass'] -and $CimSession.CimClass -eq 'CimSession') { return [string]$CimSession.ComputerName }
  throw 'fake CIM: -CimSession takes a session from New-CimSession'
}

function New-CimSession {
  [CmdletBinding()]
  param([Parameter(Mandatory = $true, Position = 0)][string[]]$ComputerName)
  if (@($ComputerName).Count -ne 1) { throw 'fake CIM: one computer per session' }
  $name = [string]@($ComputerName)[0]
  Use-FakeState {
    param($State)
    Assert-FakeNotFailing $State 'New-CimSession'
    $null = Get-FakeAnsweringNode $State $name
  } | Out-Null
  [pscustomobject]@{ CimClass = 'CimSession'; ComputerName = $name; Id = 1 }
}

function Get-CimInstance {
  [CmdletBinding()]
  param([string]$Namespace = 'root\cimv2', [Parameter(Mandatory = $true)][string]$ClassName, [string]$Filter, $CimSession)
  if ($Filter) { throw 'fake CIM: the agent must not build WQL filters (match with -eq on objects)' }
  Assert-Namespace $Namespace
  $computer = Get-SessionComputer $CimSession
  Use-FakeState {
    param($State)
    Assert-FakeNotFailing $State 'Get-CimInstance'
    $node = Get-FakeAnsweringNode $State $computer
    switch ($ClassName) {
      'Msvm_ComputerSystem' {
        $hostName = if ($null -ne $node) { $node } else { 'HV01' }
        [pscustomobject]@{ CimClass = 'Msvm_ComputerSystem'; Caption = 'Hosting Computer System'; Name = $hostName; ElementName = $hostName; ReplicationState = [uint16]0; EnabledState = [uint16]2 }
        foreach ($vm in @($State.hyperv.vms)) { if (Test-FakeVmOnNode $State $vm $node) { ConvertTo-FakeVmSystem $vm } }
        foreach ($vm in @($State.hyperv.vms)) { if (Test-FakeVmOnNode $State $vm $node) { Invoke-FakeMoveTrigger $State $vm 'vmRead' } }
      }
      'Msvm_ConcreteJob' {
        # Finished jobs are removed after TimeBeforeRemoval (CIM_Job; 5 minutes by default).
        $retention = if ($State.hyperv.ContainsKey('jobRetentionMs')) { [long]$State.hyperv.jobRetentionMs } else { 300000 }
        foreach ($job in @($State.hyperv.jobs)) {
          # A node lists the jobs its own Hyper-V ran.
          $jobNode = if ($job.ContainsKey('node')) { $job.node } else { $null }
          if ($jobNode -ne $node) { continue }
          if ((Get-FakeNow) -lt $job.startedAt + $job.durationMs + $retention) { ConvertTo-FakeJob $job }
        }
      }
      'Msvm_ReplicationService' { [pscustomobject]@{ CimClass = 'Msvm_ReplicationService'; Name = 'vmms'; ElementName = 'Hyper-V Replication Service'; SystemName = $(if ($null -ne $node) { $node } else { 'HV01' }); Node = $node } }
      default { throw "fake CIM: class $ClassName is not faked" }
    }
  }
}

function Get-CimAssociatedInstance {
  [CmdletBinding()]
  param([Parameter(Mandatory = $true)]$InputObject, [string]$ResultClassName, [string]$Association, $CimSession)
  $computer = Get-SessionComputer $CimSession
  if ($ResultClassName -ne 'Msvm_ReplicationSettingData') { throw "fake CIM: association to $ResultClassName is not faked" }
  if ($InputObject.CimClass -ne 'Msvm_ComputerSystem') { throw 'fake CIM: Msvm_ReplicationSettingData is associated with a Msvm_ComputerSystem' }
  Use-FakeState {
    param($State)
    $vm = @($State.hyperv.vms | Where-Object { $_.id -eq $InputObject.Name })
    $node = Get-FakeAnsweringNode $State $computer
    if ($vm.Count -eq 1 -and -not (Test-FakeVmOnNode $State $vm[0] $node)) { throw "fake CIM: Not found: $($InputObject.Name) is not a virtual machine on $node" }
    if ($vm.Count -eq 1 -and -not ($vm[0].ContainsKey('notReplica') -and $vm[0].notReplica)) {
      [pscustomobject]@{ CimClass = 'Msvm_ReplicationSettingData'; InstanceID = "Microsoft:$(([string]$vm[0].id).ToUpperInvariant())"; VirtualSystemIdentifier = ([string]$vm[0].id).ToUpperInvariant() }
    }
  }
}

<#
  The embedded-instance text of a CIM instance. The real one (LifeboatAgent.psm1) needs the native
  MI library that pwsh has only on Windows; this one writes the same DTD 2.0 shape for the fake
  settings object, and Invoke-CimMethod below checks it names the VM's settings. Exported by this
  module only, which the fake loads after LifeboatAgent.psm1, so it takes precedence in tests.
#>
function ConvertTo-CimEmbeddedString {
  param([Parameter(Mandatory = $true)]$CimInstance)
  "<INSTANCE CLASSNAME=`"$($CimInstance.CimClass)`"><PROPERTY NAME=`"InstanceID`" TYPE=`"string`"><VALUE>$($CimInstance.InstanceID)</VALUE></PROPERTY></INSTANCE>"
}

function Invoke-CimMethod {
  [CmdletBinding()]
  param([Parameter(Mandatory = $true)]$InputObject, [Parameter(Mandatory = $true)][string]$MethodName, [hashtable]$Arguments = @{}, $CimSession)
  if ($InputObject.CimClass -ne 'Msvm_ReplicationService' -or $MethodName -ne 'InitiateFailback') { throw "fake CIM: $($InputObject.CimClass).$MethodName is not faked" }
  $computer = Get-SessionComputer $CimSession
  $answer = Use-FakeState {
    param($State)
    Assert-FakeNotFailing $State 'Invoke-CimMethod'
    $node = Get-FakeAnsweringNode $State $computer
    # The service object belongs to the host it was read from: a method runs there.
    if ($InputObject.PSObject.Properties['Node'] -and $InputObject.Node -ne $node) { throw 'fake CIM: the service object was read from another host than this session reaches' }
    $system = $Arguments['ComputerSystem']
    $recorded = @{ ComputerSystem = [string]$system.Name; ReplicationSettingData = [string]$Arguments['ReplicationSettingData'] }
    if ($Arguments.ContainsKey('RecoveryPointIdentifier')) { $recorded.RecoveryPointIdentifier = [string]$Arguments['RecoveryPointIdentifier'] }
    if ($null -ne $node) { $recorded.Node = $node }
    $vm = @($State.hyperv.vms | Where-Object { $null -ne $system -and $_.id -eq $system.Name })
    if ($vm.Count -eq 1) { Invoke-FakeMoveTrigger $State $vm[0] 'beforeInitiateFailback' }
    if ($vm.Count -eq 1 -and -not (Test-FakeVmOnNode $State $vm[0] $node)) {
      Add-FakeCall $State 'InitiateFailback' ($recorded + @{ refused = 'NotOnNode' })
      # Thrown once the state (the move, the refused call) is written back.
      return [pscustomobject]@{ FakeError = "fake CIM: Not found: virtual machine $($system.Name) is not on $node" }
    }
    Add-FakeCall $State 'InitiateFailback' $recorded
    $result = { param($code) [pscustomobject]@{ ReturnValue = [uint32]$code } }
    if ($vm.Count -ne 1) { return & $result 32773 }
    $vm = $vm[0]
    try { Invoke-FakeInitiateFailback $State $vm $recorded $node $result } finally { Invoke-FakeMoveTrigger $State $vm 'afterInitiateFailback' }
  }
  if ($null -ne $answer -and $answer.PSObject.Properties['FakeError']) { throw $answer.FakeError }
  $answer
}

<# InitiateFailback on the node that has the VM, as the reference describes it (see the header). #>
function Invoke-FakeInitiateFailback($State, $vm, $recorded, $node, $result) {
  # The embedded instance must be a Msvm_ReplicationSettingData, and the VM's own.
  if ($recorded.ReplicationSettingData -notlike '<INSTANCE CLASSNAME="Msvm_ReplicationSettingData">*') { return & $result 32776 }
  if ($recorded.ReplicationSettingData -notlike "*<VALUE>Microsoft:$(([string]$vm.id).ToUpperInvariant())</VALUE>*") { return & $result 32773 }
  if ($vm.ContainsKey('returnCodes') -and @($vm.returnCodes).Count -gt 0) {
    $next = @($vm.returnCodes)[0]
    $vm.returnCodes = @(@($vm.returnCodes) | Select-Object -Skip 1)
    return & $result $next
  }
  if ($vm.ContainsKey('replicationMode') -and [int]$vm.replicationMode -ne 2) { return & $result 32775 }
  if ($recorded.ContainsKey('RecoveryPointIdentifier')) {
    $rp = $recorded.RecoveryPointIdentifier -replace '^Microsoft:', ''
    if (@($vm.recoveryPoints) -notcontains $rp) { return & $result 32773 }
  }
  if ($vm.ContainsKey('returnCode') -and $null -ne $vm.returnCode) { return & $result $vm.returnCode }
  if ($vm.replicationState -notin @(5, 6)) { return & $result 32775 }
  if ($vm.ContainsKey('mode') -and $vm.mode -eq 'sync') { $vm.replicationState = 14; return & $result 0 }
  $vm.replicationState = 13
  $jobId = [guid]::NewGuid().ToString()
  $errorCode = if ($vm.ContainsKey('jobErrorCode')) { [int]$vm.jobErrorCode } else { 0 }
  $job = @{ id = $jobId; vmId = $vm.id; startedAt = (Get-FakeNow); durationMs = [int]$vm.failbackDurationMs; errorCode = $errorCode; errorDescription = $(if ($errorCode) { 'The failback operation failed (fake).' } else { '' }); settled = $false }
  if ($null -ne $node) { $job.node = $node }
  $State.hyperv.jobs = @($State.hyperv.jobs) + @($job)
  [pscustomobject]@{ ReturnValue = [uint32]4096; Job = [pscustomobject]@{ CimClass = 'Msvm_ConcreteJob'; InstanceID = $jobId.ToUpperInvariant() } }
}

Export-ModuleMember -Function New-CimSession, Get-CimInstance, Get-CimAssociatedInstance, Invoke-CimMethod, ConvertTo-CimEmbeddedString

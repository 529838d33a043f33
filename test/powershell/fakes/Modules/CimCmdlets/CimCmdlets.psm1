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

function Get-CimInstance {
  [CmdletBinding()]
  param([string]$Namespace = 'root\cimv2', [Parameter(Mandatory = $true)][string]$ClassName, [string]$Filter)
  if ($Filter) { throw 'fake CIM: the agent must not build WQL filters (match with -eq on objects)' }
  Assert-Namespace $Namespace
  Use-FakeState {
    param($State)
    Assert-FakeNotFailing $State 'Get-CimInstance'
    switch ($ClassName) {
      'Msvm_ComputerSystem' {
        [pscustomobject]@{ CimClass = 'Msvm_ComputerSystem'; Caption = 'Hosting Computer System'; Name = 'HV01'; ElementName = 'HV01'; ReplicationState = [uint16]0; EnabledState = [uint16]2 }
        foreach ($vm in @($State.hyperv.vms)) { ConvertTo-FakeVmSystem $vm }
      }
      'Msvm_ConcreteJob' {
        # Finished jobs are removed after TimeBeforeRemoval (CIM_Job; 5 minutes by default).
        $retention = if ($State.hyperv.ContainsKey('jobRetentionMs')) { [long]$State.hyperv.jobRetentionMs } else { 300000 }
        foreach ($job in @($State.hyperv.jobs)) { if ((Get-FakeNow) -lt $job.startedAt + $job.durationMs + $retention) { ConvertTo-FakeJob $job } }
      }
      'Msvm_ReplicationService' { [pscustomobject]@{ CimClass = 'Msvm_ReplicationService'; Name = 'vmms'; ElementName = 'Hyper-V Replication Service' } }
      default { throw "fake CIM: class $ClassName is not faked" }
    }
  }
}

function Get-CimAssociatedInstance {
  [CmdletBinding()]
  param([Parameter(Mandatory = $true)]$InputObject, [string]$ResultClassName, [string]$Association)
  if ($ResultClassName -ne 'Msvm_ReplicationSettingData') { throw "fake CIM: association to $ResultClassName is not faked" }
  if ($InputObject.CimClass -ne 'Msvm_ComputerSystem') { throw 'fake CIM: Msvm_ReplicationSettingData is associated with a Msvm_ComputerSystem' }
  Use-FakeState {
    param($State)
    $vm = @($State.hyperv.vms | Where-Object { $_.id -eq $InputObject.Name })
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
  param([Parameter(Mandatory = $true)]$InputObject, [Parameter(Mandatory = $true)][string]$MethodName, [hashtable]$Arguments = @{})
  if ($InputObject.CimClass -ne 'Msvm_ReplicationService' -or $MethodName -ne 'InitiateFailback') { throw "fake CIM: $($InputObject.CimClass).$MethodName is not faked" }
  Use-FakeState {
    param($State)
    Assert-FakeNotFailing $State 'Invoke-CimMethod'
    $system = $Arguments['ComputerSystem']
    $recorded = @{ ComputerSystem = [string]$system.Name; ReplicationSettingData = [string]$Arguments['ReplicationSettingData'] }
    if ($Arguments.ContainsKey('RecoveryPointIdentifier')) { $recorded.RecoveryPointIdentifier = [string]$Arguments['RecoveryPointIdentifier'] }
    Add-FakeCall $State 'InitiateFailback' $recorded
    $result = { param($code) [pscustomobject]@{ ReturnValue = [uint32]$code } }
    $vm = @($State.hyperv.vms | Where-Object { $null -ne $system -and $_.id -eq $system.Name })
    if ($vm.Count -ne 1) { return & $result 32773 }
    $vm = $vm[0]
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
    $State.hyperv.jobs = @($State.hyperv.jobs) + @(@{ id = $jobId; vmId = $vm.id; startedAt = (Get-FakeNow); durationMs = [int]$vm.failbackDurationMs; errorCode = $errorCode; errorDescription = $(if ($errorCode) { 'The failback operation failed (fake).' } else { '' }); settled = $false })
    [pscustomobject]@{ ReturnValue = [uint32]4096; Job = [pscustomobject]@{ CimClass = 'Msvm_ConcreteJob'; InstanceID = $jobId.ToUpperInvariant() } }
  }
}

Export-ModuleMember -Function Get-CimInstance, Get-CimAssociatedInstance, Invoke-CimMethod, ConvertTo-CimEmbeddedString

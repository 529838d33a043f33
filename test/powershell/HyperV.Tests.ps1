# The Hyper-V Replica scripts against the fake CIM and Hyper-V modules.
BeforeAll {
  Import-Module (Join-Path $PSScriptRoot 'AgentScripts.psm1') -Force
}

Describe 'Get-HypervReplicationState.ps1' {
  BeforeEach { $site = New-FakeSite (Join-Path $TestDrive 'site.json') }

  It 'reads the state of a VM by <By>' -ForEach @(
    @{ By = 'name'; Ref = 'SQL01' }, @{ By = 'GUID (any case)'; Ref = '6A1C5C1E-1111-4A4A-8B8B-000000000001' }
  ) {
    $run = Invoke-AgentScript 'Get-HypervReplicationState.ps1' @('-Vm', $Ref) $site
    Assert-OneJsonLine $run
    $run.ExitCode | Should -Be 0
    $run.Json.output.vm | Should -Be $Ref
    $run.Json.output.vmId | Should -Be $VmId
    $run.Json.output.replicationState | Should -Be 'FailedOver'
  }

  It 'maps <Number> to <Name>' -ForEach @(
    @{ Number = 3; Name = 'Replicating' }, @{ Number = 13; Name = 'WaitingForFailback' }, @{ Number = 14; Name = 'FailbackCompleted' }, @{ Number = 99; Name = 'Unknown' }
  ) {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.hyperv.vms[0].replicationState = $Number }
    (Invoke-AgentScript 'Get-HypervReplicationState.ps1' @('-Vm', 'SQL01') $site).Json.output.replicationState | Should -Be $Name
  }

  It 'reports NotFound for a VM that is not on this host, and never matches the host itself' -ForEach @(@{ Ref = 'SQL99' }, @{ Ref = 'HV01' }) {
    $run = Invoke-AgentScript 'Get-HypervReplicationState.ps1' @('-Vm', $Ref) $site
    Assert-OneJsonLine $run
    $run.ExitCode | Should -Be 1
    $run.Json.error.code | Should -Be 'NotFound'
  }

  It 'reports Ambiguous when several VMs have the name' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.hyperv.vms[1].name = 'SQL01' }
    $run = Invoke-AgentScript 'Get-HypervReplicationState.ps1' @('-Vm', 'SQL01') $site
    $run.ExitCode | Should -Be 1
    $run.Json.error.code | Should -Be 'Ambiguous'
    $run.Json.error.message | Should -Match 'GUID'
  }

  It 'reports WmiFailed when WMI fails' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.fail = @{ 'Get-CimInstance' = 'The WMI provider is not available' } }
    $run = Invoke-AgentScript 'Get-HypervReplicationState.ps1' @('-Vm', 'SQL01') $site
    $run.ExitCode | Should -Be 1
    $run.Json.error.code | Should -Be 'WmiFailed'
  }

  It 'refuses the VM reference <_>' -ForEach @('SQL01;calc', '-SQL01', 'SQL01 ', 'SQL"01', ('V' * 65), '', 'SQL01$(1)') {
    $run = Invoke-AgentScript 'Get-HypervReplicationState.ps1' @('-Vm', $_) $site
    $run.ExitCode | Should -Not -Be 0
    $run.Json | Should -BeNullOrEmpty
  }
}

Describe 'Invoke-HypervFailback.ps1' {
  BeforeEach { $site = New-FakeSite (Join-Path $TestDrive 'site.json') }

  It 'starts a failback job (4096) on the VM with its own replication settings, and the job completes' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.hyperv.vms[0].failbackDurationMs = 600000 }
    $run = Invoke-AgentScript 'Invoke-HypervFailback.ps1' @('-Vm', 'SQL01') $site
    Assert-OneJsonLine $run
    $run.ExitCode | Should -Be 0
    $run.Json.output.returnCode | Should -Be 4096
    $run.Json.output.meaning | Should -Be 'Method Parameters Checked - Job Started'
    $jobId = $run.Json.output.jobId
    $jobId | Should -Match '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'
    $state = Get-FakeSite $site
    $call = @($state.calls)[0]
    $call.cmdlet | Should -Be 'InitiateFailback'
    $call.parameters.ComputerSystem | Should -Be $VmId.ToUpperInvariant()
    $call.parameters.ReplicationSettingData | Should -Match "Microsoft:$($VmId.ToUpperInvariant())"
    $call.parameters.ContainsKey('RecoveryPointIdentifier') | Should -BeFalse

    $running = Invoke-AgentScript 'Get-HypervJob.ps1' @('-JobId', $jobId) $site
    Assert-OneJsonLine $running
    $running.Json.output.jobState | Should -Be 'Running'
    $running.Json.output.state | Should -Be 'inProgress'
    (Invoke-AgentScript 'Get-HypervReplicationState.ps1' @('-Vm', 'SQL01') $site).Json.output.replicationState | Should -Be 'WaitingForFailback'

    # Ten minutes pass: the job started that long ago.
    Edit-FakeSite $site { param($s) $s.hyperv.jobs[0].startedAt -= 600000 }
    $done = Invoke-AgentScript 'Get-HypervJob.ps1' @('-JobId', $jobId) $site
    $done.Json.output.jobState | Should -Be 'Completed'
    $done.Json.output.state | Should -Be 'done'
    $done.Json.output.errorCode | Should -Be 0
    $done.Json.output.percentComplete | Should -Be 100
    (Invoke-AgentScript 'Get-HypervReplicationState.ps1' @('-Vm', 'SQL01') $site).Json.output.replicationState | Should -Be 'FailbackCompleted'
  }

  It 'reports 0 without a job when the provider completes at once' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.hyperv.vms[0].mode = 'sync' }
    $run = Invoke-AgentScript 'Invoke-HypervFailback.ps1' @('-Vm', $VmId) $site
    $run.Json.output.returnCode | Should -Be 0
    $run.Json.output.meaning | Should -Be 'Completed with No Error'
    $run.Json.output.ContainsKey('jobId') | Should -BeFalse
  }

  It 'passes a recovery point through, with or without the Microsoft: prefix' -ForEach @(@{ Rp = '0b3f7a55-3333-4c4c-9d9d-000000000003' }, @{ Rp = 'Microsoft:0b3f7a55-3333-4c4c-9d9d-000000000003' }) {
    $run = Invoke-AgentScript 'Invoke-HypervFailback.ps1' @('-Vm', 'SQL01', '-RecoveryPointId', $Rp) $site
    $run.Json.output.returnCode | Should -Be 4096
    @((Get-FakeSite $site).calls)[0].parameters.RecoveryPointIdentifier | Should -Be $Rp
  }

  It 'answers 32775 when repeated, and a re-read shows the failback already applied (the agent then says alreadyDone)' {
    $first = Invoke-AgentScript 'Invoke-HypervFailback.ps1' @('-Vm', 'SQL01') $site
    $first.Json.output.returnCode | Should -Be 4096
    $again = Invoke-AgentScript 'Invoke-HypervFailback.ps1' @('-Vm', 'SQL01') $site
    Assert-OneJsonLine $again
    $again.ExitCode | Should -Be 0
    $again.Json.output.returnCode | Should -Be 32775
    $again.Json.output.meaning | Should -Be 'Invalid state for this operation'
    $reread = Invoke-AgentScript 'Get-HypervReplicationState.ps1' @('-Vm', 'SQL01') $site
    $reread.Json.output.replicationState | Should -BeIn @('WaitingForFailback', 'FailbackCompleted')
    @((Get-FakeSite $site).hyperv.jobs).Count | Should -Be 1
  }

  # Issue 22 item 8: a VM in the wrong state is refused before the call (it answered 32775 before).
  It 'refuses WrongState, calling nothing, for a VM that was never failed over' {
    $run = Invoke-AgentScript 'Invoke-HypervFailback.ps1' @('-Vm', 'WEB01') $site
    Assert-OneJsonLine $run
    $run.ExitCode | Should -Be 1
    $run.Json.error.code | Should -Be 'WrongState'
    $run.Json.error.message | Should -Match 'WEB01 is Replicating'
    @((Get-FakeSite $site).calls).Count | Should -Be 0
  }

  It 'refuses NotReplica, calling nothing, for a VM whose replication role is <Name>' -ForEach @(@{ Mode = 1; Name = 'Primary' }, @{ Mode = 0; Name = 'None' }, @{ Mode = 3; Name = 'TestReplica' }) {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.hyperv.vms[0].replicationMode = $Mode }
    $run = Invoke-AgentScript 'Invoke-HypervFailback.ps1' @('-Vm', 'SQL01') $site
    $run.ExitCode | Should -Be 1
    $run.Json.error.code | Should -Be 'NotReplica'
    $run.Json.error.message | Should -Match $Name
    @((Get-FakeSite $site).calls).Count | Should -Be 0
    (Invoke-AgentScript 'Get-HypervReplicationState.ps1' @('-Vm', 'SQL01') $site).Json.output.replicationMode | Should -Be $Name
  }

  It 'answers the codes it is told first, one per call, then starts the job (32774 then 32777 then 4096)' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.hyperv.vms[0].returnCodes = @(32774, 32777) }
    (Invoke-AgentScript 'Invoke-HypervFailback.ps1' @('-Vm', 'SQL01') $site).Json.output.returnCode | Should -Be 32774
    (Invoke-AgentScript 'Invoke-HypervFailback.ps1' @('-Vm', 'SQL01') $site).Json.output.returnCode | Should -Be 32777
    (Invoke-AgentScript 'Invoke-HypervFailback.ps1' @('-Vm', 'SQL01') $site).Json.output.returnCode | Should -Be 4096
  }

  It 'the fake refuses an embedded instance that is not a Msvm_ReplicationSettingData (32776)' {
    $env:LIFEBOAT_FAKE_STATE = $site
    try {
      Import-Module (Join-Path $PSScriptRoot 'fakes/Modules/CimCmdlets') -Force -Prefix Fake
      $vm = @(Get-FakeCimInstance -Namespace 'root\virtualization\v2' -ClassName Msvm_ComputerSystem | Where-Object { $_.ElementName -eq 'SQL01' })[0]
      $service = Get-FakeCimInstance -Namespace 'root\virtualization\v2' -ClassName Msvm_ReplicationService
      $wrong = "<INSTANCE CLASSNAME=`"Msvm_VirtualSystemSettingData`"><PROPERTY NAME=`"InstanceID`" TYPE=`"string`"><VALUE>Microsoft:$($VmId.ToUpperInvariant())</VALUE></PROPERTY></INSTANCE>"
      (Invoke-FakeCimMethod -InputObject $service -MethodName InitiateFailback -Arguments @{ ComputerSystem = $vm; ReplicationSettingData = $wrong }).ReturnValue | Should -Be 32776
    } finally { Remove-Module CimCmdlets -ErrorAction SilentlyContinue; $env:LIFEBOAT_FAKE_STATE = $null }
  }

  It 'reports return code <Code> with its meaning <Meaning>' -ForEach @(
    @{ Code = 32768; Meaning = 'Failed' }, @{ Code = 32769; Meaning = 'Access Denied' }, @{ Code = 32770; Meaning = 'Not Supported' },
    @{ Code = 32771; Meaning = 'Status is unknown' }, @{ Code = 32772; Meaning = 'Timeout' }, @{ Code = 32773; Meaning = 'Invalid parameter' },
    @{ Code = 32774; Meaning = 'System is in use' }, @{ Code = 32776; Meaning = 'Incorrect data type' }, @{ Code = 32777; Meaning = 'System is not available' },
    @{ Code = 32778; Meaning = 'Out of memory' }, @{ Code = 32779; Meaning = 'File not found' }, @{ Code = 1; Meaning = 'Unknown return code 1' }
  ) {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.hyperv.vms[0].returnCode = $Code }
    $run = Invoke-AgentScript 'Invoke-HypervFailback.ps1' @('-Vm', 'SQL01') $site
    Assert-OneJsonLine $run
    $run.ExitCode | Should -Be 0
    $run.Json.output.returnCode | Should -Be $Code
    $run.Json.output.meaning | Should -Be $Meaning
    $run.Json.output.ContainsKey('jobId') | Should -BeFalse
  }

  It 'reports a failed job (Exception, error code and description) and the VM in Error' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.hyperv.vms[0].jobErrorCode = 32768 }
    $run = Invoke-AgentScript 'Invoke-HypervFailback.ps1' @('-Vm', 'SQL01') $site
    $job = Invoke-AgentScript 'Get-HypervJob.ps1' @('-JobId', $run.Json.output.jobId) $site
    $job.ExitCode | Should -Be 0
    $job.Json.output.jobState | Should -Be 'Exception'
    $job.Json.output.state | Should -Be 'failed'
    $job.Json.output.errorCode | Should -Be 32768
    $job.Json.output.errorDescription | Should -Match 'failback'
    (Invoke-AgentScript 'Get-HypervReplicationState.ps1' @('-Vm', 'SQL01') $site).Json.output.replicationState | Should -Be 'Error'
  }

  It 'reports NotReplica for a VM without replication settings' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.hyperv.vms[0].notReplica = $true }
    $run = Invoke-AgentScript 'Invoke-HypervFailback.ps1' @('-Vm', 'SQL01') $site
    $run.ExitCode | Should -Be 1
    $run.Json.error.code | Should -Be 'NotReplica'
    @((Get-FakeSite $site).calls).Count | Should -Be 0
  }

  It 'reports NotFound for an unknown VM and WmiFailed when the method throws' {
    (Invoke-AgentScript 'Invoke-HypervFailback.ps1' @('-Vm', 'SQL99') $site).Json.error.code | Should -Be 'NotFound'
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.fail = @{ 'Invoke-CimMethod' = 'RPC server unavailable' } }
    $run = Invoke-AgentScript 'Invoke-HypervFailback.ps1' @('-Vm', 'SQL01') $site
    $run.ExitCode | Should -Be 1
    $run.Json.error.code | Should -Be 'WmiFailed'
  }

  It 'refuses <Arguments>' -ForEach @(
    @{ Arguments = @('-Vm', 'SQL01;calc') }, @{ Arguments = @('-Vm', '-SQL01') }, @{ Arguments = @('-Vm', ('V' * 65)) },
    @{ Arguments = @('-Vm', 'SQL01', '-RecoveryPointId', 'latest') }, @{ Arguments = @('-Vm', 'SQL01', '-RecoveryPointId', 'Microsoft:0b3f7a55-3333-4c4c-9d9d-000000000003;x') },
    @{ Arguments = @('-Vm', 'SQL01', '-RecoveryPointId', 'Other:0b3f7a55-3333-4c4c-9d9d-000000000003') }, @{ Arguments = @() }
  ) {
    $run = Invoke-AgentScript 'Invoke-HypervFailback.ps1' $Arguments $site
    $run.ExitCode | Should -Not -Be 0
    $run.Json | Should -BeNullOrEmpty
    @((Get-FakeSite $site).calls).Count | Should -Be 0
  }
}

Describe 'Get-HypervJob.ps1' {
  It 'maps a Completed job with a non-zero error code to failed' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.hyperv.jobs = @(@{ id = '11111111-2222-3333-4444-555555555555'; vmId = $VmId; startedAt = ([DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()); durationMs = 0; errorCode = 32772; errorDescription = 'Timed out'; settled = $true; endState = 7 }) }
    $run = Invoke-AgentScript 'Get-HypervJob.ps1' @('-JobId', '11111111-2222-3333-4444-555555555555') $site
    $run.Json.output.jobState | Should -Be 'Completed'
    $run.Json.output.state | Should -Be 'failed'
    $run.Json.output.errorCode | Should -Be 32772
  }

  It 'reports BadJobState for a state that is not a CIM job state' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.hyperv.jobs = @(@{ id = '11111111-2222-3333-4444-555555555555'; vmId = $VmId; startedAt = ([DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()); durationMs = 0; errorCode = 0; errorDescription = ''; settled = $true; endState = 42 }) }
    $run = Invoke-AgentScript 'Get-HypervJob.ps1' @('-JobId', '11111111-2222-3333-4444-555555555555') $site
    $run.ExitCode | Should -Be 1
    $run.Json.error.code | Should -Be 'BadJobState'
  }

  It 'reports NotFound for a finished job once Hyper-V has removed it (TimeBeforeRemoval)' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.hyperv.jobRetentionMs = 60000; $s.hyperv.jobs = @(@{ id = '11111111-2222-3333-4444-555555555555'; vmId = $VmId; startedAt = (([DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()) - 30000); durationMs = 0; errorCode = 0; errorDescription = ''; settled = $false }) }
    (Invoke-AgentScript 'Get-HypervJob.ps1' @('-JobId', '11111111-2222-3333-4444-555555555555') $site).Json.output.jobState | Should -Be 'Completed'
    Edit-FakeSite $site { param($s) $s.hyperv.jobs[0].startedAt -= 60000 }
    $gone = Invoke-AgentScript 'Get-HypervJob.ps1' @('-JobId', '11111111-2222-3333-4444-555555555555') $site
    $gone.ExitCode | Should -Be 1
    $gone.Json.error.code | Should -Be 'NotFound'
    # The failback it ran is read through the replication state.
    (Invoke-AgentScript 'Get-HypervReplicationState.ps1' @('-Vm', 'SQL01') $site).Json.output.replicationState | Should -Be 'FailbackCompleted'
  }

  It 'reports NotFound for an unknown job' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json')
    $run = Invoke-AgentScript 'Get-HypervJob.ps1' @('-JobId', '11111111-2222-3333-4444-555555555555') $site
    Assert-OneJsonLine $run
    $run.ExitCode | Should -Be 1
    $run.Json.error.code | Should -Be 'NotFound'
  }

  It 'refuses the job id <_>' -ForEach @('11111111-2222-3333-4444-55555555555', '11111111-2222-3333-4444-555555555555;x', '*', '{11111111-2222-3333-4444-555555555555}') {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json')
    $run = Invoke-AgentScript 'Get-HypervJob.ps1' @('-JobId', $_) $site
    $run.ExitCode | Should -Not -Be 0
    $run.Json | Should -BeNullOrEmpty
  }
}

Describe 'Start-HypervTestFailover.ps1 and Stop-HypervTestFailover.ps1' {
  BeforeEach { $site = New-FakeSite (Join-Path $TestDrive 'site.json') }

  It 'creates a test VM (-AsTest), production untouched, then removes it' {
    $run = Invoke-AgentScript 'Start-HypervTestFailover.ps1' @('-Vm', 'SQL01') $site
    Assert-OneJsonLine $run
    $run.ExitCode | Should -Be 0
    $run.Json.output.created | Should -BeTrue
    $run.Json.output.testVmName | Should -Be 'SQL01 - Test'
    $state = Get-FakeSite $site
    $state.hyperv.vms[0].testVm | Should -BeTrue
    $state.hyperv.vms[0].replicationState | Should -Be 6
    @($state.calls)[0].parameters.AsTest | Should -BeTrue

    $stop = Invoke-AgentScript 'Stop-HypervTestFailover.ps1' @('-Vm', 'SQL01') $site
    Assert-OneJsonLine $stop
    $stop.Json.output.removed | Should -BeTrue
    (Get-FakeSite $site).hyperv.vms[0].testVm | Should -BeFalse
  }

  It 'starts from the recovery point named' {
    $run = Invoke-AgentScript 'Start-HypervTestFailover.ps1' @('-Vm', $VmId, '-RecoveryPointId', "Microsoft:$RecoveryPoint") $site
    $run.Json.output.created | Should -BeTrue
    @((Get-FakeSite $site).calls)[0].parameters.Snapshot | Should -Be $RecoveryPoint
  }

  It 'reports NotFound for a recovery point the VM does not have' {
    $run = Invoke-AgentScript 'Start-HypervTestFailover.ps1' @('-Vm', 'SQL01', '-RecoveryPointId', '99999999-3333-4c4c-9d9d-000000000003') $site
    $run.ExitCode | Should -Be 1
    $run.Json.error.code | Should -Be 'NotFound'
    @((Get-FakeSite $site).calls).Count | Should -Be 0
  }

  It 'reports CmdletFailed when a test VM already exists' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.hyperv.vms[0].testVm = $true }
    $run = Invoke-AgentScript 'Start-HypervTestFailover.ps1' @('-Vm', 'SQL01') $site
    $run.ExitCode | Should -Be 1
    $run.Json.error.code | Should -Be 'CmdletFailed'
  }

  It 'stop reports removed=false and calls nothing when there is no test VM' {
    $run = Invoke-AgentScript 'Stop-HypervTestFailover.ps1' @('-Vm', 'SQL01') $site
    $run.ExitCode | Should -Be 0
    $run.Json.output.removed | Should -BeFalse
    @((Get-FakeSite $site).calls).Count | Should -Be 0
  }

  It 'both report NotFound for an unknown VM' -ForEach @(@{ Script = 'Start-HypervTestFailover.ps1' }, @{ Script = 'Stop-HypervTestFailover.ps1' }) {
    $run = Invoke-AgentScript $Script @('-Vm', 'SQL99') $site
    $run.ExitCode | Should -Be 1
    $run.Json.error.code | Should -Be 'NotFound'
  }

  It '<Script> refuses <Arguments>' -ForEach @(
    @{ Script = 'Start-HypervTestFailover.ps1'; Arguments = @('-Vm', 'SQL01&calc') },
    @{ Script = 'Start-HypervTestFailover.ps1'; Arguments = @('-Vm', 'SQL01', '-RecoveryPointId', 'Microsoft:') },
    @{ Script = 'Stop-HypervTestFailover.ps1'; Arguments = @('-Vm', '*') },
    @{ Script = 'Stop-HypervTestFailover.ps1'; Arguments = @('-Vm', 'SQL01', '-Force') }
  ) {
    $run = Invoke-AgentScript $Script $Arguments $site
    $run.ExitCode | Should -Not -Be 0
    $run.Json | Should -BeNullOrEmpty
    @((Get-FakeSite $site).calls).Count | Should -Be 0
  }
}

# The Hyper-V Replica scripts on a two-node failover cluster (issue 22 item 9), against the fake
# FailoverClusters, CIM and Hyper-V modules: the VM's owner is asked for first, WMI is called on that
# node, and a role that moves during the step is reported as VmMoved naming both nodes.
BeforeAll {
  Import-Module (Join-Path $PSScriptRoot 'AgentScripts.psm1') -Force
}

Describe 'a clustered replica VM: WMI on the node that owns it' {
  BeforeEach {
    # HVC01 = HV01 (where the agent runs) + HV02, which owns both VMs.
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.hyperv.vms[0].failbackDurationMs = 600000 }
    Set-FakeCluster $site 'HV02'
  }

  It 'reads the replication state on the owner node, by <By>' -ForEach @(@{ By = 'name'; Ref = 'SQL01' }, @{ By = 'GUID (Get-ClusterGroup -VMId)'; Ref = '6a1c5c1e-1111-4a4a-8b8b-000000000001' }) {
    $run = Invoke-AgentScript 'Get-HypervReplicationState.ps1' @('-Vm', $Ref, '-Cluster', 'HVC01') $site
    Assert-OneJsonLine $run
    $run.ExitCode | Should -Be 0
    $run.Json.output.replicationState | Should -Be 'FailedOver'
    $run.Json.output.vmId | Should -Be $VmId
    $run.Json.output.node | Should -Be 'HV02'
  }

  It 'reads the owner node whether OwnerNode is a node object or text (a deserialized shape)' {
    Edit-FakeSite $site { param($s) $s.hyperv.cluster.ownerNodeAsText = $true }
    $run = Invoke-AgentScript 'Get-HypervReplicationState.ps1' @('-Vm', 'SQL01', '-Cluster', 'HVC01') $site
    $run.ExitCode | Should -Be 0
    $run.Json.output.node | Should -Be 'HV02'
  }

  It 'without -Cluster the call stays on the agent''s node, which does not have the VM (the setting matters)' {
    $run = Invoke-AgentScript 'Get-HypervReplicationState.ps1' @('-Vm', 'SQL01') $site
    Assert-OneJsonLine $run
    $run.ExitCode | Should -Be 1
    $run.Json.error.code | Should -Be 'NotFound'
  }

  It 'calls InitiateFailback on the owner node and reads its job there' {
    $run = Invoke-AgentScript 'Invoke-HypervFailback.ps1' @('-Vm', 'SQL01', '-Cluster', 'HVC01') $site
    Assert-OneJsonLine $run
    $run.ExitCode | Should -Be 0
    $run.Json.output.returnCode | Should -Be 4096
    $run.Json.output.node | Should -Be 'HV02'
    $call = @((Get-FakeSite $site).calls | Where-Object { $_.cmdlet -eq 'InitiateFailback' })
    $call.Count | Should -Be 1
    $call[0].parameters.Node | Should -Be 'HV02'
    $call[0].parameters.ContainsKey('refused') | Should -BeFalse

    $job = Invoke-AgentScript 'Get-HypervJob.ps1' @('-JobId', $run.Json.output.jobId, '-Vm', 'SQL01', '-Node', 'HV02', '-Cluster', 'HVC01') $site
    Assert-OneJsonLine $job
    $job.ExitCode | Should -Be 0
    $job.Json.output.jobState | Should -Be 'Running'
    $job.Json.output.node | Should -Be 'HV02'
    # The agent's own node never ran the job: it does not list it.
    $local = Invoke-AgentScript 'Get-HypervJob.ps1' @('-JobId', $run.Json.output.jobId) $site
    $local.Json.error.code | Should -Be 'NotFound'
  }

  It 'reports NotFound, naming the cluster, for a VM that is no clustered role' {
    $run = Invoke-AgentScript 'Invoke-HypervFailback.ps1' @('-Vm', 'SQL99', '-Cluster', 'HVC01') $site
    $run.ExitCode | Should -Be 1
    $run.Json.error.code | Should -Be 'NotFound'
    $run.Json.error.message | Should -Match 'HVC01'
    @((Get-FakeSite $site).calls).Count | Should -Be 0
  }

  It 'fails, calling nothing, when the cluster named is not the site''s cluster' {
    $run = Invoke-AgentScript 'Invoke-HypervFailback.ps1' @('-Vm', 'SQL01', '-Cluster', 'OTHERCLU') $site
    Assert-OneJsonLine $run
    $run.ExitCode | Should -Be 1
    $run.Json.error.message | Should -Match 'OTHERCLU'
    @((Get-FakeSite $site).calls).Count | Should -Be 0
  }

  It 'starts and stops a test failover on the owner node' {
    $start = Invoke-AgentScript 'Start-HypervTestFailover.ps1' @('-Vm', 'SQL01', '-Cluster', 'HVC01') $site
    Assert-OneJsonLine $start
    $start.ExitCode | Should -Be 0
    $start.Json.output.node | Should -Be 'HV02'
    $stop = Invoke-AgentScript 'Stop-HypervTestFailover.ps1' @('-Vm', 'SQL01', '-Cluster', 'HVC01') $site
    $stop.ExitCode | Should -Be 0
    $stop.Json.output.removed | Should -BeTrue
    $calls = @((Get-FakeSite $site).calls)
    ($calls | Where-Object { $_.cmdlet -eq 'Start-VMFailover' }).parameters.Node | Should -Be 'HV02'
    ($calls | Where-Object { $_.cmdlet -eq 'Stop-VMFailover' }).parameters.Node | Should -Be 'HV02'
  }

  It 'refuses the <Name> value <Value>' -ForEach @(
    @{ Name = 'Cluster'; Value = '-HVC01' }, @{ Name = 'Cluster'; Value = 'HVC01;calc' }, @{ Name = 'Cluster'; Value = 'a..b' },
    @{ Name = 'Cluster'; Value = 'HV C01' }, @{ Name = 'Cluster'; Value = ('a' * 64) }, @{ Name = 'Node'; Value = 'HV02$(1)' }, @{ Name = 'Node'; Value = 'HV02.' }
  ) {
    $run = if ($Name -eq 'Node') { Invoke-AgentScript 'Get-HypervJob.ps1' @('-JobId', $VmId, '-Vm', 'SQL01', '-Node', $Value, '-Cluster', 'HVC01') $site }
    else { Invoke-AgentScript 'Get-HypervReplicationState.ps1' @('-Vm', 'SQL01', '-Cluster', $Value) $site }
    $run.ExitCode | Should -Not -Be 0
    $run.Json | Should -BeNullOrEmpty
  }
}

Describe 'a clustered replica VM that moves during the step: VmMoved, naming both nodes' {
  BeforeEach {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.hyperv.vms[0].failbackDurationMs = 600000 }
    Set-FakeCluster $site 'HV02'
  }

  It 'a move right after InitiateFailback: the call ran on the old owner, the step reports VmMoved' {
    Move-FakeClusterRoleDuring $site 'SQL01' 'afterInitiateFailback' 'HV01'
    $run = Invoke-AgentScript 'Invoke-HypervFailback.ps1' @('-Vm', 'SQL01', '-Cluster', 'HVC01') $site
    Assert-OneJsonLine $run
    $run.ExitCode | Should -Be 1
    $run.Json.error.code | Should -Be 'VmMoved'
    $run.Json.error.message | Should -Match 'from node HV02 to node HV01'
    $call = @((Get-FakeSite $site).calls | Where-Object { $_.cmdlet -eq 'InitiateFailback' })
    $call[0].parameters.Node | Should -Be 'HV02'
    # Sent again, the step targets the new owner: the VM is already on its way back there.
    $again = Invoke-AgentScript 'Get-HypervReplicationState.ps1' @('-Vm', 'SQL01', '-Cluster', 'HVC01') $site
    $again.Json.output.node | Should -Be 'HV01'
    $again.Json.output.replicationState | Should -Be 'WaitingForFailback'
  }

  It 'a move just before the call: the old owner refuses the VM, and the step reports VmMoved, not WmiFailed' {
    Move-FakeClusterRoleDuring $site 'SQL01' 'beforeInitiateFailback' 'HV01'
    $run = Invoke-AgentScript 'Invoke-HypervFailback.ps1' @('-Vm', 'SQL01', '-Cluster', 'HVC01') $site
    $run.ExitCode | Should -Be 1
    $run.Json.error.code | Should -Be 'VmMoved'
    $run.Json.error.message | Should -Match 'HV02.*HV01'
    $call = @((Get-FakeSite $site).calls | Where-Object { $_.cmdlet -eq 'InitiateFailback' })
    $call[0].parameters.refused | Should -Be 'NotOnNode'
    (Get-FakeSite $site).hyperv.vms[0].replicationState | Should -Be 6
  }

  It 'a move during the replication state read' {
    Move-FakeClusterRoleDuring $site 'SQL01' 'vmRead' 'HV01'
    $run = Invoke-AgentScript 'Get-HypervReplicationState.ps1' @('-Vm', 'SQL01', '-Cluster', 'HVC01') $site
    $run.ExitCode | Should -Be 1
    $run.Json.error.code | Should -Be 'VmMoved'
    $run.Json.error.message | Should -Match 'from node HV02 to node HV01'
  }

  It 'a move while the job runs: the job poll on the old node reports VmMoved; the state is read on the new owner' {
    $run = Invoke-AgentScript 'Invoke-HypervFailback.ps1' @('-Vm', 'SQL01', '-Cluster', 'HVC01') $site
    $jobId = $run.Json.output.jobId
    Move-FakeClusterRole $site 'SQL01' 'HV01'
    $poll = Invoke-AgentScript 'Get-HypervJob.ps1' @('-JobId', $jobId, '-Vm', 'SQL01', '-Node', 'HV02', '-Cluster', 'HVC01') $site
    Assert-OneJsonLine $poll
    $poll.ExitCode | Should -Be 1
    $poll.Json.error.code | Should -Be 'VmMoved'
    $poll.Json.error.message | Should -Match 'from node HV02 to node HV01'
    $poll.Json.error.message | Should -Match 'replication state'
    $state = Invoke-AgentScript 'Get-HypervReplicationState.ps1' @('-Vm', 'SQL01', '-Cluster', 'HVC01') $site
    $state.Json.output.node | Should -Be 'HV01'
    $state.Json.output.replicationState | Should -Be 'WaitingForFailback'
  }
}

Describe 'a standalone host stays as it was' {
  BeforeEach { $site = New-FakeSite (Join-Path $TestDrive 'site.json') }

  It 'fails over locally without -Cluster, asking no cluster and opening no session' {
    $run = Invoke-AgentScript 'Invoke-HypervFailback.ps1' @('-Vm', 'SQL01') $site
    $run.ExitCode | Should -Be 0
    $run.Json.output.ContainsKey('node') | Should -BeFalse
    $call = @((Get-FakeSite $site).calls)[0]
    $call.parameters.ContainsKey('Node') | Should -BeFalse
  }

  It 'refuses -Cluster on a host that is in no cluster, calling nothing' {
    $run = Invoke-AgentScript 'Invoke-HypervFailback.ps1' @('-Vm', 'SQL01', '-Cluster', 'HVC01') $site
    Assert-OneJsonLine $run
    $run.ExitCode | Should -Be 1
    $run.Json.error.message | Should -Match 'could not be reached'
    @((Get-FakeSite $site).calls).Count | Should -Be 0
  }
}

# Invoke-LyncBackupSync.ps1 and Get-LyncBackupStatus.ps1 against the fake Skype for Business module.
BeforeAll {
  Import-Module (Join-Path $PSScriptRoot 'AgentScripts.psm1') -Force
}

Describe 'Invoke-LyncBackupSync.ps1' {
  BeforeEach { $site = New-FakeSite (Join-Path $TestDrive 'site.json') }

  It 'syncs the data conference module by default, on the pool named, and prints one JSON object' {
    $run = Invoke-AgentScript 'Invoke-LyncBackupSync.ps1' @('-PoolFqdn', 'pool2.contoso.com', '-LostPoolFqdn', 'pool1.contoso.com') $site
    Assert-OneJsonLine $run
    $run.ExitCode | Should -Be 0
    $run.Json.ok | Should -BeTrue
    $run.Json.output.poolFqdn | Should -Be 'pool2.contoso.com'
    $run.Json.output.module | Should -Be 'ConfServices.DataConf'
    $run.Json.output.lostPoolFqdn | Should -Be 'pool1.contoso.com'
    $calls = @((Get-FakeSite $site).calls)
    $calls.Count | Should -Be 1
    $calls[0].cmdlet | Should -Be 'Invoke-CsBackupServiceSync'
    $calls[0].parameters.PoolFqdn | Should -Be 'pool2.contoso.com'
    $calls[0].parameters.BackupModule | Should -Be 'ConfServices.DataConf'
  }

  It 'passes another valid module through' {
    $run = Invoke-AgentScript 'Invoke-LyncBackupSync.ps1' @('-PoolFqdn', 'pool2.contoso.com', '-LostPoolFqdn', 'pool1.contoso.com', '-BackupModule', 'UserServices.PresenceFocus') $site
    $run.Json.output.module | Should -Be 'UserServices.PresenceFocus'
    @((Get-FakeSite $site).calls)[0].parameters.BackupModule | Should -Be 'UserServices.PresenceFocus'
  }

  It 'is harmless to repeat (incremental): a second sync is another call, not an error' {
    Invoke-AgentScript 'Invoke-LyncBackupSync.ps1' @('-PoolFqdn', 'pool2.contoso.com', '-LostPoolFqdn', 'pool1.contoso.com') $site | Out-Null
    $run = Invoke-AgentScript 'Invoke-LyncBackupSync.ps1' @('-PoolFqdn', 'pool2.contoso.com', '-LostPoolFqdn', 'pool1.contoso.com') $site
    $run.Json.ok | Should -BeTrue
    (Get-FakeSite $site).lync.pools[0].modules['ConfServices.DataConf'].syncs | Should -Be 2
  }

  It 'reports CmdletFailed (exit 1) for a pool that is not in the topology' {
    $run = Invoke-AgentScript 'Invoke-LyncBackupSync.ps1' @('-PoolFqdn', 'pool9.contoso.com', '-LostPoolFqdn', 'pool1.contoso.com') $site
    Assert-OneJsonLine $run
    $run.ExitCode | Should -Be 1
    $run.Json.ok | Should -BeFalse
    $run.Json.error.code | Should -Be 'CmdletFailed'
    $run.Json.error.message | Should -Match 'pool9\.contoso\.com'
  }

  It 'refuses NotPaired, naming both pools, and syncs nothing when <Case>' -ForEach @(
    @{ Case = 'the pools are paired with others'; Backup = 'pool3.contoso.com'; Lost = 'pool1.contoso.com' },
    @{ Case = 'the pool has no pair'; Backup = $null; Lost = 'pool1.contoso.com' },
    @{ Case = 'the lost pool is the pool synced'; Backup = 'pool1.contoso.com'; Lost = 'pool2.contoso.com' }
  ) {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.lync.pools[0].backupPool = $Backup }
    $run = Invoke-AgentScript 'Invoke-LyncBackupSync.ps1' @('-PoolFqdn', 'pool2.contoso.com', '-LostPoolFqdn', $Lost) $site
    Assert-OneJsonLine $run
    $run.ExitCode | Should -Be 1
    $run.Json.error.code | Should -Be 'NotPaired'
    $run.Json.error.message | Should -Match ([regex]::Escape($Lost))
    @((Get-FakeSite $site).calls | Where-Object { $_.cmdlet -eq 'Invoke-CsBackupServiceSync' }).Count | Should -Be 0
  }

  It 'reads a pairing named from the other side (the partner lists this pool as its backup)' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') {
      param($s) $s.lync.pools = @(@{ fqdn = 'pool2.contoso.com'; syncDurationMs = 0; finalState = $false; failModules = @() }, @{ fqdn = 'pool1.contoso.com'; backupPool = 'pool2.contoso.com'; syncDurationMs = 0; finalState = $false; failModules = @() })
    }
    $run = Invoke-AgentScript 'Invoke-LyncBackupSync.ps1' @('-PoolFqdn', 'pool2.contoso.com', '-LostPoolFqdn', 'pool1.contoso.com') $site
    $run.ExitCode | Should -Be 0
    $rel = Invoke-AgentScript 'Get-LyncBackupRelationship.ps1' @('-PoolFqdn', 'pool2.contoso.com') $site
    Assert-OneJsonLine $rel
    $rel.Json.output.backupPoolFqdn | Should -Be 'pool1.contoso.com'
  }

  It 'reports CmdletFailed when the cmdlet itself throws' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.fail = @{ 'Invoke-CsBackupServiceSync' = 'Access is denied: not a member of RTCUniversalServerAdmins' } }
    $run = Invoke-AgentScript 'Invoke-LyncBackupSync.ps1' @('-PoolFqdn', 'pool2.contoso.com', '-LostPoolFqdn', 'pool1.contoso.com') $site
    $run.ExitCode | Should -Be 1
    $run.Json.error.code | Should -Be 'CmdletFailed'
    $run.Json.error.message | Should -Match 'RTCUniversalServerAdmins'
  }

  It 'refuses <Arguments> before calling anything' -ForEach @(
    @{ Arguments = @('-PoolFqdn', 'pool2.contoso.com') },
    @{ Arguments = @('-PoolFqdn', 'pool2.contoso.com', '-LostPoolFqdn', 'pool1.contoso.com;calc') },
    @{ Arguments = @('-PoolFqdn', 'pool2.contoso.com;calc') },
    @{ Arguments = @('-PoolFqdn', 'pool2') },
    @{ Arguments = @('-PoolFqdn', '-pool2.contoso.com') },
    @{ Arguments = @('-PoolFqdn', "pool2.contoso.com`nx") },
    @{ Arguments = @('-PoolFqdn', (('a' * 64) + '.contoso.com')) },
    @{ Arguments = @('-PoolFqdn', 'pool2.contoso.com', '-BackupModule', 'ConfServices.DataConf;x') },
    @{ Arguments = @('-PoolFqdn', 'pool2.contoso.com', '-BackupModule', 'Everything') },
    @{ Arguments = @('-PoolFqdn', '') },
    @{ Arguments = @() }
  ) {
    $run = Invoke-AgentScript 'Invoke-LyncBackupSync.ps1' $Arguments $site
    $run.ExitCode | Should -Not -Be 0
    $run.Json | Should -BeNullOrEmpty
    @((Get-FakeSite $site).calls).Count | Should -Be 0
  }
}

Describe 'Get-LyncBackupStatus.ps1' {
  It 'reports done for SteadyState + NormalState' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json')
    $run = Invoke-AgentScript 'Get-LyncBackupStatus.ps1' @('-PoolFqdn', 'pool2.contoso.com') $site
    Assert-OneJsonLine $run
    $run.ExitCode | Should -Be 0
    $run.Json.output | Should -Not -BeNullOrEmpty
    $run.Json.output.module | Should -Be 'ConfServices.DataConf'
    $run.Json.output.exportStatus | Should -Be 'SteadyState'
    $run.Json.output.importStatus | Should -Be 'NormalState'
    $run.Json.output.state | Should -Be 'done'
  }

  # Issue 22 item 3: the procedure names only Steady State (this test said done before).
  It 'reports FinalState as inProgress: the procedure names only Steady State' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.lync.pools[0].finalState = $true }
    $run = Invoke-AgentScript 'Get-LyncBackupStatus.ps1' @('-PoolFqdn', 'pool2.contoso.com') $site
    $run.Json.output.exportStatus | Should -Be 'FinalState'
    $run.Json.output.state | Should -Be 'inProgress'
  }

  It 'calls exactly the documented Get-CsBackupServiceStatus -PoolFqdn -BackupModule' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json')
    $run = Invoke-AgentScript 'Get-LyncBackupStatus.ps1' @('-PoolFqdn', 'pool2.contoso.com') $site
    $run.Json.output.state | Should -Be 'done'
    $call = @((Get-FakeSite $site).calls | Where-Object { $_.cmdlet -eq 'Get-CsBackupServiceStatus' })
    $call.Count | Should -Be 1
    $call[0].parameters.PoolFqdn | Should -Be 'pool2.contoso.com'
    $call[0].parameters.BackupModule | Should -Be 'ConfServices.DataConf'
  }

  It 'works with a cmdlet that has only the reference parameters (no -BackupModule): picks the module by Identity' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json')
    $env:LIFEBOAT_FAKE_STATUS_NO_BACKUPMODULE = '1'
    try { $run = Invoke-AgentScript 'Get-LyncBackupStatus.ps1' @('-PoolFqdn', 'pool2.contoso.com', '-BackupModule', 'CentralMgmt.CMSMaster') $site }
    finally { $env:LIFEBOAT_FAKE_STATUS_NO_BACKUPMODULE = $null }
    $run.ExitCode | Should -Be 0
    $run.Json.output.module | Should -Be 'CentralMgmt.CMSMaster'
    @((Get-FakeSite $site).calls | Where-Object { $_.cmdlet -eq 'Get-CsBackupServiceStatus' })[0].parameters.BackupModule | Should -Be ''
  }

  It 'reads <Shape> objects the same way: <Export> is <State>' -ForEach @(
    @{ Shape = 'live'; Export = 'NonSteadyState'; State = 'inProgress' }, @{ Shape = 'deserialized'; Export = 'NonSteadyState'; State = 'inProgress' },
    @{ Shape = 'live'; Export = 'SteadyState'; State = 'done' }, @{ Shape = 'deserialized'; Export = 'SteadyState'; State = 'done' }
  ) {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.lync.pools[0].shape = $Shape; $s.lync.pools[0].syncDurationMs = 600000 }
    if ($Export -eq 'NonSteadyState') { Invoke-AgentScript 'Invoke-LyncBackupSync.ps1' @('-PoolFqdn', 'pool2.contoso.com', '-LostPoolFqdn', 'pool1.contoso.com') $site | Out-Null }
    $run = Invoke-AgentScript 'Get-LyncBackupStatus.ps1' @('-PoolFqdn', 'pool2.contoso.com') $site
    Assert-OneJsonLine $run
    $run.ExitCode | Should -Be 0
    $run.Json.output.exportStatus | Should -Be $Export
    $run.Json.output.importStatus | Should -Be 'NormalState'
    $run.Json.output.state | Should -Be $State
  }

  It 'reports Deserialized, saying to use Windows PowerShell, when BackupModules came back flattened to text' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.lync.pools[0].shape = 'flattened' }
    $run = Invoke-AgentScript 'Get-LyncBackupStatus.ps1' @('-PoolFqdn', 'pool2.contoso.com') $site
    Assert-OneJsonLine $run
    $run.ExitCode | Should -Be 1
    $run.Json.error.code | Should -Be 'Deserialized'
    $run.Json.error.message | Should -Match 'Windows PowerShell'
  }

  It 'shows the state from before a sync until the Backup Service picks it up, then NonSteadyState' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.lync.pools[0].syncLagMs = 600000; $s.lync.pools[0].syncDurationMs = 600000 }
    Invoke-AgentScript 'Invoke-LyncBackupSync.ps1' @('-PoolFqdn', 'pool2.contoso.com', '-LostPoolFqdn', 'pool1.contoso.com') $site | Out-Null
    (Invoke-AgentScript 'Get-LyncBackupStatus.ps1' @('-PoolFqdn', 'pool2.contoso.com') $site).Json.output.exportStatus | Should -Be 'SteadyState'
    Edit-FakeSite $site { param($s) $s.lync.pools[0].modules['ConfServices.DataConf'].syncStartedAt -= 600000 }
    (Invoke-AgentScript 'Get-LyncBackupStatus.ps1' @('-PoolFqdn', 'pool2.contoso.com') $site).Json.output.exportStatus | Should -Be 'NonSteadyState'
  }

  It 'accepts the documented spelling "Steady State"' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.lync.pools[0].spelling = 'spaced' }
    $run = Invoke-AgentScript 'Get-LyncBackupStatus.ps1' @('-PoolFqdn', 'pool2.contoso.com') $site
    $run.Json.output.exportStatus | Should -Be 'SteadyState'
    $run.Json.output.state | Should -Be 'done'
  }

  It 'reports inProgress (NonSteadyState) while a sync runs, then done when its time has passed' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.lync.pools[0].syncDurationMs = 600000 }
    Invoke-AgentScript 'Invoke-LyncBackupSync.ps1' @('-PoolFqdn', 'pool2.contoso.com', '-LostPoolFqdn', 'pool1.contoso.com') $site | Out-Null
    $run = Invoke-AgentScript 'Get-LyncBackupStatus.ps1' @('-PoolFqdn', 'pool2.contoso.com') $site
    $run.Json.output.exportStatus | Should -Be 'NonSteadyState'
    $run.Json.output.state | Should -Be 'inProgress'
    # Only the synced module moves; the others stay steady.
    $other = Invoke-AgentScript 'Get-LyncBackupStatus.ps1' @('-PoolFqdn', 'pool2.contoso.com', '-BackupModule', 'CentralMgmt.CMSMaster') $site
    $other.Json.output.state | Should -Be 'done'
    # Ten minutes pass: the sync started that long ago.
    Edit-FakeSite $site { param($s) $s.lync.pools[0].modules['ConfServices.DataConf'].syncStartedAt -= 600000 }
    $after = Invoke-AgentScript 'Get-LyncBackupStatus.ps1' @('-PoolFqdn', 'pool2.contoso.com') $site
    $after.Json.output.state | Should -Be 'done'
  }

  It 'reports failed when the module ends in ErrorState' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.lync.pools[0].failModules = @('ConfServices.DataConf') }
    Invoke-AgentScript 'Invoke-LyncBackupSync.ps1' @('-PoolFqdn', 'pool2.contoso.com', '-LostPoolFqdn', 'pool1.contoso.com') $site | Out-Null
    $run = Invoke-AgentScript 'Get-LyncBackupStatus.ps1' @('-PoolFqdn', 'pool2.contoso.com') $site
    $run.ExitCode | Should -Be 0
    $run.Json.output.exportStatus | Should -Be 'ErrorState'
    $run.Json.output.state | Should -Be 'failed'
  }

  It 'reports NotFound when the pool does not report the module' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.lync.pools[0].notReported = @('ApplicationServer.RGSFileStore') }
    $run = Invoke-AgentScript 'Get-LyncBackupStatus.ps1' @('-PoolFqdn', 'pool2.contoso.com', '-BackupModule', 'ApplicationServer.RGSFileStore') $site
    Assert-OneJsonLine $run
    $run.ExitCode | Should -Be 1
    $run.Json.error.code | Should -Be 'NotFound'
  }

  It 'reports CmdletFailed for an unknown pool' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json')
    $run = Invoke-AgentScript 'Get-LyncBackupStatus.ps1' @('-PoolFqdn', 'pool9.contoso.com') $site
    $run.ExitCode | Should -Be 1
    $run.Json.error.code | Should -Be 'CmdletFailed'
  }

  It 'refuses <Arguments>' -ForEach @(
    @{ Arguments = @('-PoolFqdn', 'pool2.contoso.com.') },
    @{ Arguments = @('-PoolFqdn', 'pool2..contoso.com') },
    @{ Arguments = @('-PoolFqdn', 'pool2.contoso.com', '-BackupModule', 'confservices.dataconf ') },
    @{ Arguments = @('-PoolFqdn', '$(calc).contoso.com') }
  ) {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.fail = @{ 'Get-CsBackupServiceStatus' = 'must not be called' } }
    $run = Invoke-AgentScript 'Get-LyncBackupStatus.ps1' $Arguments $site
    $run.ExitCode | Should -Not -Be 0
    $run.Json | Should -BeNullOrEmpty
    $run.Stderr | Should -Match 'PoolFqdn|BackupModule'
  }
}

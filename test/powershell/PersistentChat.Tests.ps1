# Get-PchatLegacyEndpoint.ps1 and New-PchatLegacyEndpoint.ps1 against the fake Skype for Business module.
BeforeAll {
  Import-Module (Join-Path $PSScriptRoot 'AgentScripts.psm1') -Force
}

Describe 'Get-PchatLegacyEndpoint.ps1' {
  It 'reports an absent endpoint as exists=false' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json')
    $run = Invoke-AgentScript 'Get-PchatLegacyEndpoint.ps1' @('-SipAddress', 'sip:ocschat@contoso.com') $site
    Assert-OneJsonLine $run
    $run.ExitCode | Should -Be 0
    $run.Json.output.exists | Should -BeFalse
    $run.Json.output.ContainsKey('poolFqdn') | Should -BeFalse
  }

  It 'reports the pool and display name of an existing endpoint (pool in <PoolIn>)' -ForEach @(
    @{ PoolIn = 'PersistentChatPoolFqdn' }, @{ PoolIn = 'ServiceIdentity' }
  ) {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') {
      param($s) $s.pchat.endpoints += @{ sipAddress = 'sip:ocschat@contoso.com'; poolFqdn = 'pc.contoso.com'; displayName = 'Group Chat'; poolIn = $PoolIn }
    }
    $run = Invoke-AgentScript 'Get-PchatLegacyEndpoint.ps1' @('-SipAddress', 'sip:ocschat@contoso.com') $site
    $run.ExitCode | Should -Be 0
    $run.Json.output.exists | Should -BeTrue
    $run.Json.output.poolFqdn | Should -Be 'pc.contoso.com'
    $run.Json.output.displayName | Should -Be 'Group Chat'
  }

  It 'reports an endpoint that exists for another pool with that pool' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json')
    $run = Invoke-AgentScript 'Get-PchatLegacyEndpoint.ps1' @('-SipAddress', 'sip:other@contoso.com') $site
    $run.Json.output.exists | Should -BeTrue
    $run.Json.output.poolFqdn | Should -Be 'pc2.contoso.com'
  }

  It 'reports CmdletFailed when the directory lookup fails' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.fail = @{ 'Get-CsPersistentChatEndpoint' = 'The domain controller is not available' } }
    $run = Invoke-AgentScript 'Get-PchatLegacyEndpoint.ps1' @('-SipAddress', 'sip:ocschat@contoso.com') $site
    $run.ExitCode | Should -Be 1
    $run.Json.error.code | Should -Be 'CmdletFailed'
  }

  It 'refuses the SIP address <Sip>' -ForEach @(
    @{ Sip = 'ocschat@contoso.com' }, @{ Sip = 'sip:ocschat:secret@contoso.com' }, @{ Sip = 'sip:ocschat@contoso.com:5061' },
    @{ Sip = 'sip:ocschat@contoso.com;transport=tls' }, @{ Sip = 'sip:ocschat@contoso.com?subject=x' }, @{ Sip = 'sips:ocschat@contoso.com' },
    @{ Sip = 'sip:@contoso.com' }, @{ Sip = 'sip:ocs chat@contoso.com' }
  ) {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.fail = @{ 'Get-CsPersistentChatEndpoint' = 'must not be called' } }
    $run = Invoke-AgentScript 'Get-PchatLegacyEndpoint.ps1' @('-SipAddress', $Sip) $site
    $run.ExitCode | Should -Not -Be 0
    $run.Json | Should -BeNullOrEmpty
    $run.Stderr | Should -Match 'SipAddress'
  }
}

Describe 'New-PchatLegacyEndpoint.ps1' {
  It 'creates the endpoint when absent, once, with the display name' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json')
    $run = Invoke-AgentScript 'New-PchatLegacyEndpoint.ps1' @('-SipAddress', 'sip:ocschat@contoso.com', '-PoolFqdn', 'pc.contoso.com', '-DisplayName', 'Group Chat') $site
    Assert-OneJsonLine $run
    $run.ExitCode | Should -Be 0
    $run.Json.output.created | Should -BeTrue
    $run.Json.output.poolFqdn | Should -Be 'pc.contoso.com'
    $state = Get-FakeSite $site
    $created = @($state.pchat.endpoints | Where-Object { $_.sipAddress -eq 'sip:ocschat@contoso.com' })
    $created.Count | Should -Be 1
    $created[0].poolFqdn | Should -Be 'pc.contoso.com'
    $created[0].displayName | Should -Be 'Group Chat'
    @($state.calls | Where-Object { $_.cmdlet -eq 'New-CsPersistentChatEndpoint' }).Count | Should -Be 1
  }

  It 'creates without a display name when none is given' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json')
    $run = Invoke-AgentScript 'New-PchatLegacyEndpoint.ps1' @('-SipAddress', 'sip:ocschat@contoso.com', '-PoolFqdn', 'pc.contoso.com') $site
    $run.Json.output.created | Should -BeTrue
    @((Get-FakeSite $site).calls)[0].parameters.ContainsKey('DisplayName') | Should -BeFalse
  }

  It 'never creates a second object: AlreadyExists when the endpoint exists for <Pool>' -ForEach @(
    @{ Pool = 'the same pool'; Existing = 'pc.contoso.com' }, @{ Pool = 'another pool'; Existing = 'pc2.contoso.com' }
  ) {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.pchat.endpoints = @(@{ sipAddress = 'sip:ocschat@contoso.com'; poolFqdn = $Existing }) }
    $run = Invoke-AgentScript 'New-PchatLegacyEndpoint.ps1' @('-SipAddress', 'sip:ocschat@contoso.com', '-PoolFqdn', 'pc.contoso.com') $site
    Assert-OneJsonLine $run
    $run.ExitCode | Should -Be 1
    $run.Json.error.code | Should -Be 'AlreadyExists'
    $state = Get-FakeSite $site
    @($state.calls).Count | Should -Be 0
    @($state.pchat.endpoints).Count | Should -Be 1
    $state.pchat.endpoints[0].poolFqdn | Should -Be $Existing
  }

  It 'refuses PoolHasEndpoint, creating nothing, when the pool already has a legacy endpoint (pool in <PoolIn>)' -ForEach @(
    @{ PoolIn = 'PersistentChatPoolFqdn' }, @{ PoolIn = 'ServiceIdentity' }
  ) {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.pchat.endpoints = @(@{ sipAddress = 'sip:first@contoso.com'; poolFqdn = 'pc.contoso.com'; poolIn = $PoolIn }) }
    $run = Invoke-AgentScript 'New-PchatLegacyEndpoint.ps1' @('-SipAddress', 'sip:ocschat@contoso.com', '-PoolFqdn', 'pc.contoso.com') $site
    Assert-OneJsonLine $run
    $run.ExitCode | Should -Be 1
    $run.Json.error.code | Should -Be 'PoolHasEndpoint'
    $run.Json.error.message | Should -Match 'sip:first@contoso\.com'
    @((Get-FakeSite $site).calls).Count | Should -Be 0
  }

  It 'refuses SipAddressInUse, naming the user, when the Group Chat 2010 user still holds the address' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.pchat.users = @(@{ identity = 'CN=OCS Chat,OU=Users,DC=contoso,DC=com'; sipAddress = 'sip:ocschat@contoso.com' }) }
    $run = Invoke-AgentScript 'New-PchatLegacyEndpoint.ps1' @('-SipAddress', 'sip:ocschat@contoso.com', '-PoolFqdn', 'pc.contoso.com') $site
    Assert-OneJsonLine $run
    $run.ExitCode | Should -Be 1
    $run.Json.error.code | Should -Be 'SipAddressInUse'
    $run.Json.error.message | Should -Match 'CN=OCS Chat'
    $run.Json.error.message | Should -Match 'turns Group Chat 2010 off, migrates its data and deletes'
    @((Get-FakeSite $site).calls).Count | Should -Be 0
  }

  It 'the fake directory itself refuses a SIP address a user holds and a second endpoint for a pool' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json') { param($s) $s.pchat.users = @(@{ identity = 'ocschat'; sipAddress = 'sip:ocschat@contoso.com' }) }
    $env:LIFEBOAT_FAKE_STATE = $site
    try {
      Import-Module (Join-Path $PSScriptRoot 'fakes/Modules/SkypeForBusiness') -Force -Prefix Fake
      { New-FakeCsPersistentChatEndpoint -SipAddress 'sip:ocschat@contoso.com' -PersistentChatPoolFqdn 'pc.contoso.com' } | Should -Throw '*already in use*'
      { New-FakeCsPersistentChatEndpoint -SipAddress 'sip:third@contoso.com' -PersistentChatPoolFqdn 'pc2.contoso.com' } | Should -Throw '*already has a legacy endpoint*'
    } finally { Remove-Module SkypeForBusiness -ErrorAction SilentlyContinue; $env:LIFEBOAT_FAKE_STATE = $null }
  }

  It 'reports CmdletFailed for a Persistent Chat pool that does not exist' {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json')
    $run = Invoke-AgentScript 'New-PchatLegacyEndpoint.ps1' @('-SipAddress', 'sip:ocschat@contoso.com', '-PoolFqdn', 'pc9.contoso.com') $site
    $run.ExitCode | Should -Be 1
    $run.Json.error.code | Should -Be 'CmdletFailed'
    $run.Json.error.message | Should -Match 'pc9\.contoso\.com'
  }

  It 'refuses <Arguments>' -ForEach @(
    @{ Arguments = @('-SipAddress', 'sip:ocschat@contoso.com') },
    @{ Arguments = @('-SipAddress', 'sip:ocschat@contoso.com', '-PoolFqdn', 'pc.contoso.com', '-DisplayName', '-Group') },
    @{ Arguments = @('-SipAddress', 'sip:ocschat@contoso.com', '-PoolFqdn', 'pc.contoso.com', '-DisplayName', 'Group;Chat') },
    @{ Arguments = @('-SipAddress', 'sip:ocschat@contoso.com', '-PoolFqdn', 'pc.contoso.com', '-DisplayName', ('G' * 65)) },
    @{ Arguments = @('-SipAddress', 'sip:ocschat@contoso.com', '-PoolFqdn', 'pc.contoso.com:443') },
    @{ Arguments = @('-SipAddress', 'sip:ocschat@contoso.com;maddr=evil.example', '-PoolFqdn', 'pc.contoso.com') }
  ) {
    $site = New-FakeSite (Join-Path $TestDrive 'site.json')
    $run = Invoke-AgentScript 'New-PchatLegacyEndpoint.ps1' $Arguments $site
    $run.ExitCode | Should -Not -Be 0
    $run.Json | Should -BeNullOrEmpty
    @((Get-FakeSite $site).calls).Count | Should -Be 0
  }
}

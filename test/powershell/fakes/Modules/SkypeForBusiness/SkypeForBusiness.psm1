<#
  Test-only fake of the Skype for Business Server management module: the cmdlets the agent's
  scripts call, with the parameters the cmdlet reference lists, behaving as
  docs/reference/onprem-commands.md describes. State: LifeboatFakeSite ($env:LIFEBOAT_FAKE_STATE).
    lync.pools[]: { fqdn, backupPool?, syncLagMs?, syncDurationMs, finalState, failModules[], notReported[],
                    spelling, shape?, modules{} }
  Strictness, and where each comes from:
  - Invoke-CsBackupServiceSync fails on a pool with no backup pool: the Backup Service copies only
    between paired Front End pools (onprem-commands.md, "Pools are paired"; Sync-CsUserData's
    reference: "any call ... will fail if the backup service has not been activated").
  - A sync is picked up after `syncLagMs` (the Backup Service works in cycles): until then the
    module reports the state it had BEFORE the sync, then NonSteadyState for syncDurationMs, then
    steady (or ErrorState): a steady reading right after a sync proves nothing (issue 22 item 3).
  - Get-CsBackupServiceStatus takes -BackupModule as Microsoft's restore procedure writes it; the
    cmdlet reference lists only -PoolFqdn, -Category and -Force. Which is right is unknown, so with
    LIFEBOAT_FAKE_STATUS_NO_BACKUPMODULE=1 the fake has the reference's parameters only (the script
    must work both ways).
  - shape 'deserialized': what the module returns through the PowerShell 7 Windows compatibility
    layer: Deserialized.* property bags, enums as values whose text is their name (a string
    comparison on the raw value is false); 'flattened': nested BackupModules serialised to text
    beyond the remoting depth. The exact real shapes are unknown (no lab server yet).
  - Get-CsPoolBackupRelationship: its real output properties are not documented; the fake returns
    { PoolFqdn, BackupPoolFqdn } when paired and nothing when not (the script also reads BackupPool).
    pchat.pools[]: fqdn; pchat.endpoints[]: { sipAddress, poolFqdn, displayName?, poolIn? }
    pchat.users[]: { identity, sipAddress } (user objects, e.g. the Group Chat 2010 well-known user)
  Persistent Chat strictness: New-CsPersistentChatEndpoint fails when any object (endpoint or user)
  already holds the SIP address (recovery.md: "a SIP address already used by another object makes
  it fail") and when the pool already has a legacy endpoint (onprem-commands.md: "One endpoint per
  pool"; whether the real cmdlet refuses or the second is merely useless is unknown: refusing is the
  stricter). Get-CsUser -Identity <sip> throws when no user has it, as the real cmdlet does.
#>
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path (Split-Path $PSScriptRoot) 'LifeboatFakeSite') -DisableNameChecking

$ValidModules = @('UserServices.PresenceFocus', 'ConfServices.DataConf', 'CentralMgmt.CMSMaster', 'ApplicationServer.RGSDataStore', 'ApplicationServer.RGSFileStore')

function Find-FakePool($State, [string]$PoolFqdn) {
  $pool = @($State.lync.pools | Where-Object { $_.fqdn -eq $PoolFqdn })
  if ($pool.Count -eq 0) { throw "Cannot find a pool with the FQDN `"$PoolFqdn`" in the topology." }
  return $pool[0]
}

function Get-FakeBackupPool($State, [string]$PoolFqdn) {
  $pool = Find-FakePool $State $PoolFqdn
  if ($pool.ContainsKey('backupPool') -and $pool.backupPool) { return [string]$pool.backupPool }
  $other = @($State.lync.pools | Where-Object { $_.ContainsKey('backupPool') -and $_.backupPool -eq $PoolFqdn })
  if ($other.Count -gt 0) { return [string]$other[0].fqdn }
  return $null
}

function Get-CsPoolBackupRelationship {
  [CmdletBinding()]
  param([Parameter(Mandatory = $true)][string]$PoolFqdn)
  Use-FakeState {
    param($State)
    Assert-FakeNotFailing $State 'Get-CsPoolBackupRelationship'
    $backup = Get-FakeBackupPool $State $PoolFqdn
    if ($backup) { [pscustomobject]@{ PoolFqdn = $PoolFqdn; BackupPoolFqdn = $backup } }
  }
}

# A value as it comes back deserialized: its text is the enum name, its value is not a string.
function ConvertTo-FakeDeserializedEnum([string]$Name, [string]$Type) {
  $o = [psobject]::new([int]([Math]::Abs($Name.GetHashCode()) % 5))
  $o.PSObject.TypeNames.Insert(0, "Deserialized.$Type")
  $o | Add-Member -MemberType ScriptMethod -Name ToString -Value ([scriptblock]::Create("'$Name'")) -Force
  $o
}

function ConvertTo-FakeDeserialized([hashtable]$Properties, [string]$Type) {
  $o = [psobject]::new()
  foreach ($k in $Properties.Keys) { $o | Add-Member -MemberType NoteProperty -Name $k -Value $Properties[$k] }
  $o.PSObject.TypeNames.Clear()
  $o.PSObject.TypeNames.Add("Deserialized.$Type")
  $o.PSObject.TypeNames.Add('Deserialized.System.Object')
  $o
}

function Get-CsBackupServiceStatus {
  [CmdletBinding()]
  param([Parameter(Mandatory = $true)][string]$PoolFqdn, [string]$Category, [switch]$Force)
  dynamicparam {
    # -BackupModule as the restore procedure writes it, unless the test asks for the reference's shape.
    if ($env:LIFEBOAT_FAKE_STATUS_NO_BACKUPMODULE -eq '1') { return }
    $attributes = [System.Collections.ObjectModel.Collection[System.Attribute]]::new()
    $attributes.Add([System.Management.Automation.ParameterAttribute]::new())
    $attributes.Add([System.Management.Automation.ValidateSetAttribute]::new([string[]]$ValidModules))
    $d = [System.Management.Automation.RuntimeDefinedParameterDictionary]::new()
    $d.Add('BackupModule', [System.Management.Automation.RuntimeDefinedParameter]::new('BackupModule', [string], $attributes))
    $d
  }
  end {
    $only = if ($PSBoundParameters.ContainsKey('BackupModule')) { [string]$PSBoundParameters['BackupModule'] } else { '' }
    Use-FakeState {
      param($State)
      Assert-FakeNotFailing $State 'Get-CsBackupServiceStatus'
      $pool = Find-FakePool $State $PoolFqdn
      Add-FakeCall $State 'Get-CsBackupServiceStatus' @{ PoolFqdn = $PoolFqdn; BackupModule = $only }
      $shape = if ($pool.ContainsKey('shape')) { [string]$pool.shape } else { 'live' }
      $lag = if ($pool.ContainsKey('syncLagMs')) { [long]$pool.syncLagMs } else { 0 }
      $now = Get-FakeNow
      $entries = foreach ($module in $ValidModules) {
        if ($only -and $module -ne $only) { continue }
        if ($pool.ContainsKey('notReported') -and $pool.notReported -contains $module) { continue }
        $export = if ($pool.finalState) { 'FinalState' } else { 'SteadyState' }
        $m = if ($pool.ContainsKey('modules') -and $pool.modules.ContainsKey($module)) { $pool.modules[$module] } else { $null }
        if ($null -ne $m) {
          $pickedUp = $m.syncStartedAt + $lag
          if ($now -ge $pickedUp -and $now -lt $pickedUp + $pool.syncDurationMs) { $export = 'NonSteadyState' }
          elseif ($now -ge $pickedUp + $pool.syncDurationMs -and $pool.failModules -contains $module) { $export = 'ErrorState' }
        }
        # Microsoft's procedure spells it "Steady State"; a pool can be told to answer that way.
        if ($export -eq 'SteadyState' -and $pool.ContainsKey('spelling') -and $pool.spelling -eq 'spaced') { $export = 'Steady State' }
        if ($shape -eq 'live') { [pscustomobject]@{ Identity = $module; ExportStatus = $export; ImportStatus = 'NormalState' } }
        elseif ($shape -eq 'flattened') { 'Microsoft.Rtc.Management.BackupService.BackupModuleStatus' }
        else {
          ConvertTo-FakeDeserialized @{
            Identity     = $module
            ExportStatus = (ConvertTo-FakeDeserializedEnum $export 'Microsoft.Rtc.Management.BackupService.ExportStatus')
            ImportStatus = (ConvertTo-FakeDeserializedEnum 'NormalState' 'Microsoft.Rtc.Management.BackupService.ImportStatus')
          } 'Microsoft.Rtc.Management.BackupService.BackupModuleStatus'
        }
      }
      if ($shape -eq 'live') { [pscustomobject]@{ PoolFqdn = $PoolFqdn; BackupModules = @($entries) } }
      else { ConvertTo-FakeDeserialized @{ PoolFqdn = $PoolFqdn; BackupModules = @($entries) } 'Microsoft.Rtc.Management.BackupService.BackupServiceStatus' }
    }
  }
}

function Invoke-CsBackupServiceSync {
  [CmdletBinding()]
  param([Parameter(Mandatory = $true)][string]$PoolFqdn, [Parameter(Mandatory = $true)][ValidateSet('UserServices.PresenceFocus', 'ConfServices.DataConf', 'CentralMgmt.CMSMaster', 'ApplicationServer.RGSDataStore', 'ApplicationServer.RGSFileStore')][string]$BackupModule)
  Use-FakeState {
    param($State)
    Assert-FakeNotFailing $State 'Invoke-CsBackupServiceSync'
    $pool = Find-FakePool $State $PoolFqdn
    if (-not (Get-FakeBackupPool $State $PoolFqdn)) { throw "The pool `"$PoolFqdn`" has no backup pool: the Backup Service is not active for it." }
    Add-FakeCall $State 'Invoke-CsBackupServiceSync' @{ PoolFqdn = $PoolFqdn; BackupModule = $BackupModule }
    if (-not $pool.ContainsKey('modules')) { $pool.modules = @{} }
    $previous = if ($pool.modules.ContainsKey($BackupModule)) { $pool.modules[$BackupModule].syncs } else { 0 }
    $pool.modules[$BackupModule] = @{ syncStartedAt = (Get-FakeNow); syncs = $previous + 1 }
  } | Out-Null
}

function ConvertTo-FakeEndpoint($e) {
  $o = [ordered]@{ Identity = "CN={$($e.sipAddress)},OU=Lifeboat Fakes"; SipAddress = $e.sipAddress; DisplayName = $(if ($e.ContainsKey('displayName')) { $e.displayName } else { $null }) }
  # Which property holds the pool on a real server is still to be checked on a lab server
  # (agent/README.md); the script reads PersistentChatPoolFqdn and falls back to ServiceIdentity.
  if ($e.ContainsKey('poolIn') -and $e.poolIn -eq 'ServiceIdentity') { $o.ServiceIdentity = "PersistentChatServer:$($e.poolFqdn)" }
  else { $o.PersistentChatPoolFqdn = $e.poolFqdn }
  [pscustomobject]$o
}

function Get-CsPersistentChatEndpoint {
  [CmdletBinding()]
  param([Parameter(Position = 0)][string]$Identity, [string]$PersistentChatPoolFqdn, [string]$Filter)
  Use-FakeState {
    param($State)
    Assert-FakeNotFailing $State 'Get-CsPersistentChatEndpoint'
    foreach ($e in @($State.pchat.endpoints)) {
      if ($PersistentChatPoolFqdn -and $e.poolFqdn -ne $PersistentChatPoolFqdn) { continue }
      if ($Identity -and $e.sipAddress -ne $Identity) { continue }
      ConvertTo-FakeEndpoint $e
    }
  }
}

function New-CsPersistentChatEndpoint {
  [CmdletBinding(SupportsShouldProcess = $true)]
  param([Parameter(Mandatory = $true)][string]$SipAddress, [Parameter(Mandatory = $true)][string]$PersistentChatPoolFqdn, [string]$DisplayName, [switch]$PassThru)
  Use-FakeState {
    param($State)
    Assert-FakeNotFailing $State 'New-CsPersistentChatEndpoint'
    $parameters = @{ SipAddress = $SipAddress; PersistentChatPoolFqdn = $PersistentChatPoolFqdn }
    if ($DisplayName) { $parameters.DisplayName = $DisplayName }
    Add-FakeCall $State 'New-CsPersistentChatEndpoint' $parameters
    if (@($State.pchat.pools) -notcontains $PersistentChatPoolFqdn) { throw "Cannot find a Persistent Chat pool `"$PersistentChatPoolFqdn`"." }
    # Not idempotent: a second object with the same SIP address is refused by the directory.
    if (@($State.pchat.endpoints | Where-Object { $_.sipAddress -eq $SipAddress }).Count -gt 0) { throw "An object with SIP address `"$SipAddress`" already exists." }
    $users = if ($State.pchat.ContainsKey('users')) { @($State.pchat.users) } else { @() }
    if (@($users | Where-Object { $_.sipAddress -eq $SipAddress }).Count -gt 0) { throw "SIP address `"$SipAddress`" is already in use by another object." }
    if (@($State.pchat.endpoints | Where-Object { $_.poolFqdn -eq $PersistentChatPoolFqdn }).Count -gt 0) { throw "Persistent Chat pool `"$PersistentChatPoolFqdn`" already has a legacy endpoint." }
    $e = @{ sipAddress = $SipAddress; poolFqdn = $PersistentChatPoolFqdn }
    if ($DisplayName) { $e.displayName = $DisplayName }
    $State.pchat.endpoints = @($State.pchat.endpoints) + @($e)
    if ($PassThru) { ConvertTo-FakeEndpoint $e }
  }
}

function Get-CsUser {
  [CmdletBinding()]
  param([Parameter(Position = 0)][string]$Identity)
  Use-FakeState {
    param($State)
    Assert-FakeNotFailing $State 'Get-CsUser'
    $users = if ($State.pchat.ContainsKey('users')) { @($State.pchat.users) } else { @() }
    $found = @($users | Where-Object { -not $Identity -or $_.sipAddress -eq $Identity -or $_.identity -eq $Identity })
    if ($Identity -and $found.Count -eq 0) { throw "Management object not found for identity `"$Identity`"." }
    foreach ($u in $found) { [pscustomobject]@{ Identity = $u.identity; SipAddress = $u.sipAddress; DisplayName = $u.identity } }
  }
}

Export-ModuleMember -Function Get-CsUser, Get-CsBackupServiceStatus, Get-CsPoolBackupRelationship, Invoke-CsBackupServiceSync, Get-CsPersistentChatEndpoint, New-CsPersistentChatEndpoint

<#
  Test-only fake of the Skype for Business Server management module: the cmdlets the agent's
  scripts call, with the parameters the cmdlet reference lists, behaving as
  docs/reference/onprem-commands.md describes. State: LifeboatFakeSite ($env:LIFEBOAT_FAKE_STATE).
    lync.pools[]: { fqdn, syncDurationMs, finalState, failModules[], notReported[], spelling, modules{} }
    pchat.pools[]: fqdn; pchat.endpoints[]: { sipAddress, poolFqdn, displayName?, poolIn? }
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

function Get-CsBackupServiceStatus {
  [CmdletBinding()]
  param([Parameter(Mandatory = $true)][string]$PoolFqdn, [string]$Category, [switch]$Force)
  Use-FakeState {
    param($State)
    Assert-FakeNotFailing $State 'Get-CsBackupServiceStatus'
    $pool = Find-FakePool $State $PoolFqdn
    $now = Get-FakeNow
    $entries = foreach ($module in $ValidModules) {
      if ($pool.ContainsKey('notReported') -and $pool.notReported -contains $module) { continue }
      $export = if ($pool.finalState) { 'FinalState' } else { 'SteadyState' }
      $m = if ($pool.ContainsKey('modules') -and $pool.modules.ContainsKey($module)) { $pool.modules[$module] } else { $null }
      if ($null -ne $m) {
        if ($now -lt $m.syncStartedAt + $pool.syncDurationMs) { $export = 'NonSteadyState' }
        elseif ($pool.failModules -contains $module) { $export = 'ErrorState' }
      }
      # Microsoft's procedure spells it "Steady State"; a pool can be told to answer that way.
      if ($export -eq 'SteadyState' -and $pool.ContainsKey('spelling') -and $pool.spelling -eq 'spaced') { $export = 'Steady State' }
      [pscustomobject]@{ Identity = $module; ExportStatus = $export; ImportStatus = 'NormalState' }
    }
    [pscustomobject]@{ PoolFqdn = $PoolFqdn; BackupModules = @($entries) }
  }
}

function Invoke-CsBackupServiceSync {
  [CmdletBinding()]
  param([Parameter(Mandatory = $true)][string]$PoolFqdn, [Parameter(Mandatory = $true)][ValidateSet('UserServices.PresenceFocus', 'ConfServices.DataConf', 'CentralMgmt.CMSMaster', 'ApplicationServer.RGSDataStore', 'ApplicationServer.RGSFileStore')][string]$BackupModule)
  Use-FakeState {
    param($State)
    Assert-FakeNotFailing $State 'Invoke-CsBackupServiceSync'
    $pool = Find-FakePool $State $PoolFqdn
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
    $e = @{ sipAddress = $SipAddress; poolFqdn = $PersistentChatPoolFqdn }
    if ($DisplayName) { $e.displayName = $DisplayName }
    $State.pchat.endpoints = @($State.pchat.endpoints) + @($e)
    if ($PassThru) { ConvertTo-FakeEndpoint $e }
  }
}

Export-ModuleMember -Function Get-CsBackupServiceStatus, Invoke-CsBackupServiceSync, Get-CsPersistentChatEndpoint, New-CsPersistentChatEndpoint

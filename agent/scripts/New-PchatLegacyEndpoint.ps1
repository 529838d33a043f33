#Requires -Version 5.1
<#
  Lifeboat agent script: New-CsPersistentChatEndpoint, only when absent (it creates an AD object: not idempotent)
  Run ONLY by the agent as an argument vector:
    powershell.exe -NoProfile -NonInteractive -File New-PchatLegacyEndpoint.ps1 -SipAddress <sip:local@fqdn> -PoolFqdn <fqdn> [-DisplayName <name>]
  Parameters are validated here again ([ValidatePattern] with \z, [ValidateSet]); the agent has
  already validated them with the same patterns. Prints exactly one JSON object on stdout:
    {"ok":true,"output":{...}} or {"ok":false,"error":{"code":"...","message":"..."}} (exit 1).
  CI runs it under pwsh 7 against fake Lync / Hyper-V modules (test/powershell); a real server
  remains to be tried: see agent/README.md.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][ValidateLength(1, 322)][ValidatePattern('^sip:[A-Za-z0-9][A-Za-z0-9._-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\z')]
    [string]$SipAddress,
    [Parameter(Mandatory = $true)][ValidateLength(1, 253)][ValidatePattern('^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\z')]
    [string]$PoolFqdn,
    [Parameter()][ValidatePattern('^[A-Za-z0-9](?:[A-Za-z0-9 ._-]{0,62}[A-Za-z0-9])?\z')]
    [string]$DisplayName
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

Import-Module (Join-Path $PSScriptRoot 'LifeboatAgent.psm1') -Force -DisableNameChecking

try {
  Import-LyncModule
  # Check first, even though the agent already did: never create a second object.
  $existing = @(Get-CsPersistentChatEndpoint | Where-Object { [string]$_.SipAddress -eq $SipAddress }) | Select-Object -First 1
  if ($null -ne $existing) { Write-Fail 'AlreadyExists' "an endpoint with SIP address $SipAddress already exists" }
  # One legacy endpoint per pool (legacy clients reach one pool at a time): read the pool from
  # PersistentChatPoolFqdn, else from ServiceIdentity, as Get-PchatLegacyEndpoint.ps1 does.
  foreach ($e in @(Get-CsPersistentChatEndpoint)) {
    $pool = Get-PropertyText $e 'PersistentChatPoolFqdn'
    if (-not $pool) { $pool = (([string](Get-PropertyText $e 'ServiceIdentity')) -replace '^[^:]*:', '') }
    if ($pool -eq $PoolFqdn) { Write-Fail 'PoolHasEndpoint' "Persistent Chat pool $PoolFqdn already has the legacy endpoint $(Get-PropertyText $e 'SipAddress'): the procedure allows one per pool" }
  }
  # The procedure reuses the SIP address of the Group Chat 2010 well-known user, which it deletes
  # first (after turning Group Chat 2010 off and migrating its data): a user still holding it is a
  # step not done. Get-CsUser throws when no user has the identity.
  $holder = $null
  try { $holder = @(Get-CsUser -Identity $SipAddress) | Select-Object -First 1 } catch { $holder = $null }
  if ($null -ne $holder) {
    Write-Fail 'SipAddressInUse' "$SipAddress is still held by user $(Get-PropertyText $holder 'Identity'): the procedure turns Group Chat 2010 off, migrates its data and deletes that well-known user before creating the endpoint with its SIP address"
  }
  $arguments = @{ SipAddress = $SipAddress; PersistentChatPoolFqdn = $PoolFqdn }
  if ($PSBoundParameters.ContainsKey('DisplayName')) { $arguments['DisplayName'] = $DisplayName }
  New-CsPersistentChatEndpoint @arguments | Out-Null
  Write-Ok @{ sipAddress = $SipAddress; poolFqdn = $PoolFqdn; created = $true }
} catch { Write-Fail 'CmdletFailed' $_.Exception.Message }

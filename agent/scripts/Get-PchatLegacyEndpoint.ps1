#Requires -Version 5.1
<#
  Lifeboat agent script: Get-CsPersistentChatEndpoint for one SIP address
  Run ONLY by the agent as an argument vector:
    pwsh -NoProfile -NonInteractive -File Get-PchatLegacyEndpoint.ps1 -SipAddress <sip:local@fqdn>
  Parameters are validated here again ([ValidatePattern] with \z, [ValidateSet]); the agent has
  already validated them with the same patterns. Prints exactly one JSON object on stdout:
    {"ok":true,"output":{...}} or {"ok":false,"error":{"code":"...","message":"..."}} (exit 1).
  CI runs it under pwsh 7 against fake Lync / Hyper-V modules (test/powershell); a real server
  remains to be tried: see agent/README.md.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][ValidateLength(1, 322)][ValidatePattern('^sip:[A-Za-z0-9][A-Za-z0-9._-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\z')]
    [string]$SipAddress
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

Import-Module (Join-Path $PSScriptRoot 'LifeboatAgent.psm1') -Force -DisableNameChecking

try {
  Import-LyncModule
  $existing = @(Get-CsPersistentChatEndpoint | Where-Object { [string]$_.SipAddress -eq $SipAddress }) | Select-Object -First 1
  if ($null -eq $existing) { Write-Ok @{ sipAddress = $SipAddress; exists = $false } }
  else {
    # The pool is read from PersistentChatPoolFqdn, else from the endpoint's service identity (e.g.
    # "PersistentChatServer:pc.contoso.com"): which one a real server fills is to be checked on a
    # lab server. Read through PSObject.Properties: under Set-StrictMode, a property the object lacks throws.
    $props = $existing.PSObject.Properties
    $pool = if ($null -ne $props['PersistentChatPoolFqdn']) { [string]$props['PersistentChatPoolFqdn'].Value } else { '' }
    if (-not $pool -and $null -ne $props['ServiceIdentity']) { $pool = (([string]$props['ServiceIdentity'].Value) -replace '^[^:]*:', '') }
    if (-not $pool) { Write-Fail 'NoPool' "the endpoint $SipAddress names no Persistent Chat pool" }
    $out = @{ sipAddress = $SipAddress; exists = $true; poolFqdn = $pool }
    if ($null -ne $props['DisplayName'] -and $props['DisplayName'].Value) { $out['displayName'] = [string]$props['DisplayName'].Value }
    Write-Ok $out
  }
} catch { Write-Fail 'CmdletFailed' $_.Exception.Message }

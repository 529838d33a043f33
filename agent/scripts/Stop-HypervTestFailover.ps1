#Requires -Version 5.1
<#
  Lifeboat agent script: Stop-VMFailover: removes the test VM of a replica
  Run ONLY by the agent as an argument vector:
    pwsh -NoProfile -NonInteractive -File Stop-HypervTestFailover.ps1 -Vm <guid|name>
  Parameters are validated here again ([ValidatePattern] with \z, [ValidateSet]); the agent has
  already validated them with the same patterns. Prints exactly one JSON object on stdout:
    {"ok":true,"output":{...}} or {"ok":false,"error":{"code":"...","message":"..."}} (exit 1).
  CI runs it under pwsh 7 against fake Lync / Hyper-V modules (test/powershell); a real server
  remains to be tried: see agent/README.md.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][ValidateLength(1, 64)][ValidatePattern('^(?:[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}|[A-Za-z0-9](?:[A-Za-z0-9 ._-]{0,62}[A-Za-z0-9])?)\z')]
    [string]$Vm
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

Import-Module (Join-Path $PSScriptRoot 'LifeboatAgent.psm1') -Force -DisableNameChecking

try {
  $vmObj = Get-TargetVm $Vm
  $target = Get-VM -Id ([string]$vmObj.Name)
  $testName = "$($target.Name) - Test"
  $existed = @(Get-VM | Where-Object { $_.Name -eq $testName }).Count -gt 0
  if ($existed) { Stop-VMFailover -VM $target -Confirm:$false }
  Write-Ok @{ vm = $Vm; removed = $existed }
} catch { Write-Fail 'CmdletFailed' $_.Exception.Message }

#Requires -Version 5.1
<#
  Lifeboat agent script: Stop-VMFailover: removes the test VM of a replica
  Run ONLY by the agent as an argument vector:
    pwsh -NoProfile -NonInteractive -File Stop-HypervTestFailover.ps1 -Vm <guid|name> [-Cluster <name>]
  -Cluster <name> (the agent's hyperv.cluster.name, on a failover cluster only): the VM's WMI calls
  go to the node that owns its clustered role (Connect-VmHost), and a move meanwhile is VmMoved.
  Parameters are validated here again ([ValidatePattern] with \z, [ValidateSet]); the agent has
  already validated them with the same patterns. Prints exactly one JSON object on stdout:
    {"ok":true,"output":{...}} or {"ok":false,"error":{"code":"...","message":"..."}} (exit 1).
  CI runs it under pwsh 7 against fake Lync / Hyper-V modules (test/powershell); a real server
  remains to be tried: see agent/README.md.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][ValidateLength(1, 64)][ValidatePattern('^(?:[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}|[A-Za-z0-9](?:[A-Za-z0-9 ._-]{0,62}[A-Za-z0-9])?)\z')]
    [string]$Vm,
    [Parameter()][ValidateLength(1, 253)][ValidatePattern('^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\z')]
    [string]$Cluster
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

Import-Module (Join-Path $PSScriptRoot 'LifeboatAgent.psm1') -Force -DisableNameChecking

$hostTarget = $null
try {
  $hostTarget = Connect-VmHost $Cluster $Vm
  $hv = $hostTarget.Hv
  $vmObj = Get-TargetVm $Vm $hostTarget
  $target = Get-VM @hv -Id ([string]$vmObj.Name)
  $testName = "$($target.Name) - Test"
  # The test VM is created on the replica's host (the owner node on a cluster).
  $existed = @(Get-VM @hv | Where-Object { $_.Name -eq $testName }).Count -gt 0
  if ($existed) { Stop-VMFailover -VM $target -Confirm:$false }
  $out = @{ vm = $Vm; removed = $existed }
  if ($hostTarget.Node) { $out['node'] = $hostTarget.Node }
  Write-Ok $out
} catch { Write-StepFailure $hostTarget 'Stop-VMFailover' 'CmdletFailed' $_.Exception.Message }

#Requires -Version 5.1
<#
  Lifeboat agent script: Start-VMFailover -AsTest (TestReplicaSystem): a test VM, production untouched
  Run ONLY by the agent as an argument vector:
    pwsh -NoProfile -NonInteractive -File Start-HypervTestFailover.ps1 -Vm <guid|name> [-RecoveryPointId <id>] [-Cluster <name>]
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
    [Parameter()][ValidatePattern('^(?:Microsoft:)?[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\z')]
    [string]$RecoveryPointId,
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
  # Get-VM -ComputerName <owner> on a cluster: the VM object then carries its host, and
  # Start-VMFailover acts there.
  $target = Get-VM @hv -Id ([string]$vmObj.Name)
  if ($PSBoundParameters.ContainsKey('RecoveryPointId')) {
    $id = $RecoveryPointId -replace '^Microsoft:', ''
    $snapshot = @(Get-VMSnapshot -VM $target | Where-Object { [string]$_.Id -eq $id }) | Select-Object -First 1
    if ($null -eq $snapshot) { Write-Fail 'NotFound' "recovery point $RecoveryPointId is not on VM $Vm" }
    $test = Start-VMFailover -VMRecoverySnapshot $snapshot -AsTest -Confirm:$false -Passthru
  } else {
    $test = Start-VMFailover -VM $target -AsTest -Confirm:$false -Passthru
  }
  $testName = if ($null -ne $test) { [string]$test.Name } else { "$($target.Name) - Test" }
  $out = @{ vm = $Vm; testVmName = $testName; created = $true }
  if ($hostTarget.Node) { $out['node'] = $hostTarget.Node }
  Write-Ok $out
} catch { Write-StepFailure $hostTarget 'Start-VMFailover -AsTest' 'CmdletFailed' $_.Exception.Message }

#Requires -Version 5.1
<#
  Lifeboat agent script: reads a VM's Hyper-V Replica replication state
  Run ONLY by the agent as an argument vector:
    pwsh -NoProfile -NonInteractive -File Get-HypervReplicationState.ps1 -Vm <guid|name> [-Cluster <name>]
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

$target = $null
try {
  $target = Connect-VmHost $Cluster $Vm
  $vmObj = Get-TargetVm $Vm $target
  $out = @{ vm = $Vm; vmId = ([string]$vmObj.Name).ToLowerInvariant(); replicationState = (Get-StateName $vmObj.ReplicationState) }
  $mode = Get-ModeName $vmObj
  if ($null -ne $mode) { $out['replicationMode'] = $mode }
  # A state read on a node that lost the role meanwhile may be stale: report the move instead.
  Assert-VmStayed $target 'the replication state read'
  if ($target.Node) { $out['node'] = $target.Node }
  Write-Ok $out
} catch { Write-StepFailure $target 'the replication state read' 'WmiFailed' $_.Exception.Message }

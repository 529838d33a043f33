<#
  Test helpers: run one agent script the way the agent does (an argument vector bound as
  -NoProfile -NonInteractive -File binds it), against the fake modules in fakes/Modules and a fake
  site state file the test prepares and reads back.
#>
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$ScriptsDir = Join-Path $RepoRoot 'agent/scripts'
$FakeModules = Join-Path $PSScriptRoot 'fakes/Modules'

$VmId = '6a1c5c1e-1111-4a4a-8b8b-000000000001'
$OtherVmId = '6a1c5c1e-2222-4a4a-8b8b-000000000002'
$RecoveryPoint = '0b3f7a55-3333-4c4c-9d9d-000000000003'

<# A site with one Lync pool pair member, a Persistent Chat pool and two replica VMs. Override parts with -Change. #>
function New-FakeSite([string]$Path, [scriptblock]$Change) {
  $state = @{
    lync   = @{ pools = @(@{ fqdn = 'pool2.contoso.com'; backupPool = 'pool1.contoso.com'; syncDurationMs = 0; finalState = $false; failModules = @() }) }
    pchat  = @{ pools = @('pc.contoso.com', 'pc2.contoso.com'); endpoints = @(@{ sipAddress = 'sip:other@contoso.com'; poolFqdn = 'pc2.contoso.com' }) }
    hyperv = @{
      vms  = @(
        @{ id = $VmId; name = 'SQL01'; replicationState = 6; failbackDurationMs = 0; recoveryPoints = @($RecoveryPoint); testVm = $false },
        @{ id = $OtherVmId; name = 'WEB01'; replicationState = 3; failbackDurationMs = 0; recoveryPoints = @(); testVm = $false }
      )
      jobs = @()
    }
    calls  = @()
  }
  if ($Change) { & $Change $state }
  Set-Content -LiteralPath $Path -Value ($state | ConvertTo-Json -Depth 20) -Encoding utf8NoBOM
  return $Path
}

function Get-FakeSite([string]$Path) { Get-Content -LiteralPath $Path -Raw | ConvertFrom-Json -AsHashtable }

<# Changes a prepared site between two script runs (for example, moves a start time into the past). #>
function Edit-FakeSite([string]$Path, [scriptblock]$Change) {
  $state = Get-FakeSite $Path
  & $Change $state
  Set-Content -LiteralPath $Path -Value ($state | ConvertTo-Json -Depth 20) -Encoding utf8NoBOM
}

<#
  Makes a prepared site a two-node failover cluster HVC01 (nodes HV01 and HV02; the agent runs on
  HV01) whose VMs are owned by -Owner (issue 22 item 9).
#>
function Set-FakeCluster([string]$Path, [string]$Owner = 'HV02') {
  Edit-FakeSite $Path {
    param($s)
    $s.hyperv.cluster = @{ name = 'HVC01'; nodes = @('HV01', 'HV02'); localNode = 'HV01' }
    foreach ($vm in @($s.hyperv.vms)) { $vm.ownerNode = $Owner }
  }
}

<# The test hook: the cluster moves a VM's role to node -To between two script runs. #>
function Move-FakeClusterRole([string]$Path, [string]$Vm, [string]$To) {
  Edit-FakeSite $Path { param($s) (@($s.hyperv.vms | Where-Object { $_.name -eq $Vm }))[0].ownerNode = $To }
}

<# Schedules a move during the next script run: -When vmRead, beforeInitiateFailback or afterInitiateFailback. #>
function Move-FakeClusterRoleDuring([string]$Path, [string]$Vm, [string]$When, [string]$To) {
  Edit-FakeSite $Path { param($s) (@($s.hyperv.vms | Where-Object { $_.name -eq $Vm }))[0].moveDuring = @{ when = $When; to = $To } }
}

<#
  Runs agent/scripts/<Script> with the given arguments (strings, passed as a vector: no quoting,
  no shell). Returns ExitCode, Stdout, Stderr and Json (stdout parsed, when it is one JSON object).

  The script runs as `pwsh -NoProfile -NonInteractive -File <script> <arguments>` would run it, but
  in a fresh runspace of this process instead of a new pwsh per run (starting pwsh costs one to two
  seconds, which was most of the suite's time): the arguments bind the way -File binds them (an
  argument `-Name` or `-Name:value` names a parameter, anything else is a value), the fake modules
  are the only modules on PSModulePath besides PowerShell's own, LIFEBOAT_FAKE_STATE and NO_COLOR
  are set for the run, what the script writes to the console (the agent's one JSON line) and to its
  output is stdout, its errors are stderr, and the exit code is what `exit` set, 1 after a
  terminating error, else 0. The agent's real executor starting real pwsh processes is tested in
  test/integration/powershell.
#>
function Invoke-AgentScript([string]$Script, [string[]]$Arguments = @(), [string]$State) {
  $command = [System.Management.Automation.Runspaces.Command]::new((Join-Path $ScriptsDir $Script), $false, $false)
  foreach ($a in $Arguments) {
    $parameter = if ($a.Length -gt 1 -and $a[0] -eq '-') {
      $colon = $a.IndexOf(':')
      if ($colon -gt 0 -and $colon -lt $a.Length - 1) { [System.Management.Automation.Runspaces.CommandParameter]::new($a.Substring(0, $colon), $a.Substring($colon + 1)) }
      else { [System.Management.Automation.Runspaces.CommandParameter]::new($a.TrimEnd(':')) }
    } else { [System.Management.Automation.Runspaces.CommandParameter]::new([NullString]::Value, $a) }
    $command.Parameters.Add($parameter)
  }
  $saved = @{ PSModulePath = $env:PSModulePath; LIFEBOAT_FAKE_STATE = $env:LIFEBOAT_FAKE_STATE; NO_COLOR = $env:NO_COLOR }
  $out = [System.IO.StringWriter]::new()
  $err = [System.IO.StringWriter]::new()
  $consoleOut = [Console]::Out
  $consoleErr = [Console]::Error
  $runspace = $null
  $ps = $null
  try {
    $env:PSModulePath = $FakeModules
    $env:LIFEBOAT_FAKE_STATE = $State
    $env:NO_COLOR = '1'
    $runspace = [runspacefactory]::CreateRunspace()
    $runspace.Open()
    $ps = [powershell]::Create()
    $ps.Runspace = $runspace
    $null = $ps.Commands.AddCommand($command)
    [Console]::SetOut($out)
    [Console]::SetError($err)
    $exitCode = 0
    try {
      $async = $ps.BeginInvoke()
      if (-not $async.AsyncWaitHandle.WaitOne(60000)) { $ps.Stop(); throw "$Script did not finish in 60 s" }
      foreach ($o in $ps.EndInvoke($async)) { $out.WriteLine([string]$o) }
      $last = $runspace.SessionStateProxy.GetVariable('LASTEXITCODE')
      if ($null -ne $last) { $exitCode = [int]$last }
    } catch [System.Management.Automation.MethodInvocationException] {
      $err.WriteLine($_.Exception.InnerException.Message)
      $exitCode = 1
    } catch [System.Management.Automation.RuntimeException] {
      $err.WriteLine($_.Exception.Message)
      $exitCode = 1
    }
    foreach ($e in $ps.Streams.Error) { $err.WriteLine($e.ToString()) }
  } finally {
    [Console]::SetOut($consoleOut)
    [Console]::SetError($consoleErr)
    foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
    if ($ps) { $ps.Dispose() }
    if ($runspace) { $runspace.Dispose() }
  }
  $stdout = $out.ToString()
  $json = $null
  $text = $stdout.Trim()
  if ($text.StartsWith('{')) { $json = $text | ConvertFrom-Json -AsHashtable }
  [pscustomobject]@{ ExitCode = $exitCode; Stdout = $stdout; Stderr = $err.ToString(); Json = $json }
}

<# The one JSON line a script must print: exactly one line, one object. #>
function Assert-OneJsonLine($Run) {
  $lines = @($Run.Stdout -split "`r?`n" | Where-Object { $_ -ne '' })
  if ($lines.Count -ne 1) { throw "expected one line on stdout, got $($lines.Count): $($Run.Stdout) / stderr: $($Run.Stderr)" }
  if ($null -eq $Run.Json) { throw "stdout is not a JSON object: $($Run.Stdout) / stderr: $($Run.Stderr)" }
}

Export-ModuleMember -Function New-FakeSite, Get-FakeSite, Edit-FakeSite, Set-FakeCluster, Move-FakeClusterRole, Move-FakeClusterRoleDuring, Invoke-AgentScript, Assert-OneJsonLine -Variable VmId, OtherVmId, RecoveryPoint, ScriptsDir, RepoRoot

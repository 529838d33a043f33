<#
  Test helpers: run one agent script the way the agent does (a child pwsh, an argument vector,
  -NoProfile -NonInteractive -File), against the fake modules in fakes/Modules and a fake site
  state file the test prepares and reads back.
#>
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$ScriptsDir = Join-Path $RepoRoot 'agent/scripts'
$FakeModules = Join-Path $PSScriptRoot 'fakes/Modules'
$Pwsh = if ($IsWindows) { Join-Path $PSHOME 'pwsh.exe' } else { Join-Path $PSHOME 'pwsh' }

$VmId = '6a1c5c1e-1111-4a4a-8b8b-000000000001'
$OtherVmId = '6a1c5c1e-2222-4a4a-8b8b-000000000002'
$RecoveryPoint = '0b3f7a55-3333-4c4c-9d9d-000000000003'

<# A site with one Lync pool pair member, a Persistent Chat pool and two replica VMs. Override parts with -Change. #>
function New-FakeSite([string]$Path, [scriptblock]$Change) {
  $state = @{
    lync   = @{ pools = @(@{ fqdn = 'pool2.contoso.com'; syncDurationMs = 0; finalState = $false; failModules = @() }) }
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
  Runs agent/scripts/<Script> with the given arguments (strings, passed as a vector: no quoting,
  no shell). Returns ExitCode, Stdout, Stderr and Json (stdout parsed, when it is one JSON object).
#>
function Invoke-AgentScript([string]$Script, [string[]]$Arguments = @(), [string]$State) {
  $psi = [System.Diagnostics.ProcessStartInfo]::new($Pwsh)
  foreach ($a in @('-NoProfile', '-NonInteractive', '-File', (Join-Path $ScriptsDir $Script)) + $Arguments) { $psi.ArgumentList.Add($a) }
  $psi.RedirectStandardOutput = $true
  $psi.RedirectStandardError = $true
  $psi.UseShellExecute = $false
  $psi.Environment['PSModulePath'] = $FakeModules
  $psi.Environment['LIFEBOAT_FAKE_STATE'] = $State
  $psi.Environment['NO_COLOR'] = '1'
  $p = [System.Diagnostics.Process]::Start($psi)
  $stderr = $p.StandardError.ReadToEndAsync()
  $stdout = $p.StandardOutput.ReadToEnd()
  if (-not $p.WaitForExit(60000)) { $p.Kill(); throw "$Script did not finish in 60 s" }
  $json = $null
  $text = $stdout.Trim()
  if ($text.StartsWith('{')) { $json = $text | ConvertFrom-Json -AsHashtable }
  [pscustomobject]@{ ExitCode = $p.ExitCode; Stdout = $stdout; Stderr = $stderr.Result; Json = $json }
}

<# The one JSON line a script must print: exactly one line, one object. #>
function Assert-OneJsonLine($Run) {
  $lines = @($Run.Stdout -split "`r?`n" | Where-Object { $_ -ne '' })
  if ($lines.Count -ne 1) { throw "expected one line on stdout, got $($lines.Count): $($Run.Stdout) / stderr: $($Run.Stderr)" }
  if ($null -eq $Run.Json) { throw "stdout is not a JSON object: $($Run.Stdout) / stderr: $($Run.Stderr)" }
}

Export-ModuleMember -Function New-FakeSite, Get-FakeSite, Edit-FakeSite, Invoke-AgentScript, Assert-OneJsonLine -Variable VmId, OtherVmId, RecoveryPoint, ScriptsDir, RepoRoot

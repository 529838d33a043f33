<#
  State shared by the fake Lync / Skype for Business, Hyper-V and CIM modules (test-only).
  The state is one JSON file named by $env:LIFEBOAT_FAKE_STATE that a test writes before running a
  script and reads afterwards (test/powershell/FakeSite.psm1 and test/powershell/fakeSite.ts build it).
  Time moves: a sync or a failback job started at t finishes at t + its duration, settled on every read,
  as docs/reference/onprem-commands.md describes. Every state-changing call is appended to
  `calls`, so a test can prove what ran and with which parameters.
  Several scripts may run at once (the agent handles a batch concurrently): each change opens the file
  exclusively, reads, changes and writes it back while holding it.
#>
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

function Get-FakeNow { [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() }

function Open-FakeStateFile {
  $path = $env:LIFEBOAT_FAKE_STATE
  if (-not $path) { throw 'fake site: LIFEBOAT_FAKE_STATE is not set' }
  for ($i = 0; $i -lt 400; $i++) {
    try { return [System.IO.File]::Open($path, 'Open', 'ReadWrite', 'None') }
    catch [System.IO.IOException] { Start-Sleep -Milliseconds 25 }
  }
  throw "fake site: $path stayed locked"
}

# Finished syncs and failback jobs reach their end state.
function Update-FakeTime($State) {
  $now = Get-FakeNow
  foreach ($job in @($State.hyperv.jobs)) {
    if ($job.settled -or $now -lt $job.startedAt + $job.durationMs) { continue }
    $job.settled = $true
    $vm = @($State.hyperv.vms | Where-Object { $_.id -eq $job.vmId })[0]
    if ($job.errorCode -eq 0) { $vm.replicationState = 14 } else { $vm.replicationState = 8 }
  }
}

<# Runs $Change on the state (a hashtable) while holding the file; writes it back when $Change returns. #>
function Use-FakeState([scriptblock]$Change) {
  $file = Open-FakeStateFile
  try {
    $reader = [System.IO.StreamReader]::new($file, [System.Text.UTF8Encoding]::new($false), $false, 4096, $true)
    $state = $reader.ReadToEnd() | ConvertFrom-Json -AsHashtable
    $reader.Dispose()
    Update-FakeTime $state
    $result = & $Change $state
    $text = [System.Text.UTF8Encoding]::new($false).GetBytes(($state | ConvertTo-Json -Depth 20))
    $file.SetLength(0)
    $file.Write($text, 0, $text.Length)
    return $result
  } finally { $file.Dispose() }
}

<# Throws the message a test configured for this cmdlet under `fail` (a cmdlet failing as a whole). #>
function Assert-FakeNotFailing($State, [string]$Cmdlet) {
  if ($State.ContainsKey('fail') -and $null -ne $State.fail -and $State.fail.ContainsKey($Cmdlet)) { throw $State.fail[$Cmdlet] }
}

function Add-FakeCall($State, [string]$Cmdlet, [hashtable]$Parameters) {
  if (-not $State.ContainsKey('calls')) { $State.calls = @() }
  $State.calls = @($State.calls) + @(@{ cmdlet = $Cmdlet; parameters = $Parameters; at = (Get-FakeNow) })
}

Export-ModuleMember -Function Get-FakeNow, Use-FakeState, Assert-FakeNotFailing, Add-FakeCall

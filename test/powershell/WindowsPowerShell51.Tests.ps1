# Every agent script parses and stays within Windows PowerShell 5.1 (the Lync / SfB management shell).
BeforeDiscovery {
  $Scripts = @(Get-ChildItem -LiteralPath (Join-Path $PSScriptRoot '../../agent/scripts') -File | Where-Object { $_.Extension -in '.ps1', '.psm1' } | ForEach-Object { @{ Name = $_.Name; Path = $_.FullName } })
}
BeforeAll {
  Import-Module (Join-Path $PSScriptRoot 'WindowsPowerShell51.psm1') -Force
}

Describe 'agent/scripts on Windows PowerShell 5.1' {
  It 'finds the scripts' -ForEach @{ Count = $Scripts.Count } { $Count | Should -BeGreaterThan 9 }

  It '<Name> uses nothing Windows PowerShell 5.1 lacks' -ForEach $Scripts {
    @(Find-Ps51Incompatibility -Path $Path) | Should -BeNullOrEmpty
  }
}

Describe 'the 5.1 check itself' {
  It 'refuses <Code>' -ForEach @(
    @{ Code = '$a = $b ? 1 : 2' }, @{ Code = 'git status && echo ok' }, @{ Code = 'git status || exit 1' },
    @{ Code = '$a = $b ?? 1' }, @{ Code = '$a ??= 1' }, @{ Code = '${a}?.Length' }, @{ Code = '${a}?[0]' },
    @{ Code = '1..3 | ForEach-Object -Parallel { $_ }' }, @{ Code = '1..3 | % -Parallel { $_ }' }, @{ Code = '1..3 | foreach -par { $_ }' },
    @{ Code = 'function f { process { 1 } clean { 2 } }' }, @{ Code = 'Start-Sleep 1 &' },
    @{ Code = "'a' -replace 'a', { `$_.Value }" }, @{ Code = 'if ($IsWindows) { 1 }' }, @{ Code = '$a = 1u' }, @{ Code = '$a = 0b101' },
    @{ Code = '"`u{2713}"' }, @{ Code = '"`e[0m"' }, @{ Code = '$x | ConvertFrom-Json -AsHashtable' }, @{ Code = '$x | ConvertFrom-Json -AsHash' },
    @{ Code = 'ConvertTo-Json -InputObject 1 -AsArray' }, @{ Code = 'Join-Path a b c' }, @{ Code = 'Set-Content x -Value 1 -Encoding utf8NoBOM' },
    @{ Code = 'Test-Json -Json "{}"' }, @{ Code = 'Get-Error' }, @{ Code = "#Requires -Version 7.0`n1" }, @{ Code = "#Requires -PSEdition Core`n1" },
    @{ Code = 'if (' }
  ) {
    @(Find-Ps51Incompatibility -Text $Code) | Should -Not -BeNullOrEmpty
  }

  It 'accepts 5.1 code' {
    $code = @'
#Requires -Version 5.1
[CmdletBinding()] param([ValidatePattern('^a\z')][string]$A = 'a')
Set-StrictMode -Version Latest
$h = @{ a = 1 }; $o = [ordered]@{}; $l = [System.Collections.Generic.List[string]]::new()
if ($h.ContainsKey('a') -and $A -in @('a')) { $x = if ($true) { 1 } else { 2 } }
$j = $h | ConvertTo-Json -Compress -Depth 4; $p = Join-Path $PSScriptRoot 'x.psm1'
1..3 | ForEach-Object { $_ } | Where-Object { $_ -gt 1 } | Select-Object -First 1
try { throw 'x' } catch { $_.Exception.Message } finally { }
class C { [int]$N = 1 }
$n = 1kb + 10l + 0x1F
'@
    @(Find-Ps51Incompatibility -Text $code) | Should -BeNullOrEmpty
  }

  It 'refuses a script file with non-ASCII text and no BOM' {
    $file = Join-Path $TestDrive 'x.ps1'
    [System.IO.File]::WriteAllText($file, "# caf$([char]0xE9)`n1", [System.Text.UTF8Encoding]::new($false))
    @(Find-Ps51Incompatibility -Path $file) | Should -Not -BeNullOrEmpty
    [System.IO.File]::WriteAllText($file, "# caf$([char]0xE9)`n1", [System.Text.UTF8Encoding]::new($true))
    @(Find-Ps51Incompatibility -Path $file) | Should -BeNullOrEmpty
  }
}

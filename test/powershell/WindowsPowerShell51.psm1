<#
  Finds syntax and commands that Windows PowerShell 5.1 lacks in a script, using the PowerShell
  parser of pwsh (7.x parses all of them). The Lync / Skype for Business management shell runs on
  Windows PowerShell 5.1, so every agent script must stay within 5.1. Each finding is a string
  "<line>: <what>".
#>
using namespace System.Management.Automation.Language
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

# Cmdlets and functions added after 5.1 (a script calling one fails there with "not recognized").
$CommandsAfter51 = @('Test-Json', 'Get-Error', 'Join-String', 'ConvertFrom-Markdown', 'Show-Markdown', 'Get-MarkdownOption', 'Set-MarkdownOption',
  'Get-Uptime', 'Remove-Service', 'Start-ThreadJob', 'Update-List', 'Get-PSSubsystem', 'Enable-ExperimentalFeature', 'Disable-ExperimentalFeature', 'Get-ExperimentalFeature')
# Parameters added after 5.1 to cmdlets that 5.1 has.
$ParametersAfter51 = @{
  'ConvertFrom-Json' = @('AsHashtable', 'Depth', 'NoEnumerate', 'DateKind')
  'ConvertTo-Json'   = @('AsArray', 'EnumsAsStrings', 'EscapeHandling')
  'Join-Path'        = @('AdditionalChildPath')
  'ForEach-Object'   = @('Parallel', 'ThrottleLimit', 'TimeoutSeconds', 'AsJob', 'UseNewRunspace')
  'Get-Random'       = @('Shuffle')
  'Select-String'    = @('Raw', 'NoEmphasis', 'Emphasis')
  'Test-Connection'  = @('TcpPort', 'Traceroute', 'MtuSize', 'Ping', 'Repeat')
  'Get-ChildItem'    = @('FollowSymlink')
  'Invoke-RestMethod' = @('SkipCertificateCheck', 'Authentication', 'StatusCodeVariable', 'ResponseHeadersVariable', 'Resume', 'SkipHttpErrorCheck')
  'Invoke-WebRequest' = @('SkipCertificateCheck', 'Authentication', 'Resume', 'SkipHttpErrorCheck')
}
$EncodingsAfter51 = @('utf8NoBOM', 'utf8BOM', 'ansi')
$CommandAliases = @{ 'foreach' = 'ForEach-Object'; '%' = 'ForEach-Object' }

function Find-Ps51Incompatibility {
  [CmdletBinding(DefaultParameterSetName = 'Path')]
  param([Parameter(ParameterSetName = 'Path', Mandatory = $true)][string]$Path, [Parameter(ParameterSetName = 'Text', Mandatory = $true)][string]$Text)
  $tokens = $null; $errors = $null
  if ($PSCmdlet.ParameterSetName -eq 'Path') {
    $ast = [Parser]::ParseFile($Path, [ref]$tokens, [ref]$errors)
    $bytes = [System.IO.File]::ReadAllBytes($Path)
    $bom = $bytes.Length -ge 3 -and $bytes[0] -eq 0xEF -and $bytes[1] -eq 0xBB -and $bytes[2] -eq 0xBF
    # 5.1 reads a file without a BOM as the ANSI code page: anything beyond ASCII changes meaning.
    if (-not $bom -and @($bytes | Where-Object { $_ -gt 0x7F }).Count -gt 0) { '0: non-ASCII characters in a file without a UTF-8 BOM (5.1 reads it as ANSI)' }
  } else {
    $ast = [Parser]::ParseInput($Text, [ref]$tokens, [ref]$errors)
  }
  foreach ($e in $errors) { "$($e.Extent.StartLineNumber): parse error: $($e.Message)" }

  $find = { param($predicate) $ast.FindAll($predicate, $true) }
  foreach ($n in (& $find { $args[0] -is [TernaryExpressionAst] })) { "$($n.Extent.StartLineNumber): ternary operator ? : (7.0)" }
  foreach ($n in (& $find { $args[0] -is [PipelineChainAst] })) { "$($n.Extent.StartLineNumber): pipeline chain && / || (7.0)" }
  foreach ($n in (& $find { $args[0] -is [BinaryExpressionAst] -and $args[0].Operator -eq [TokenKind]::QuestionQuestion })) { "$($n.Extent.StartLineNumber): null-coalescing ?? (7.0)" }
  foreach ($n in (& $find { $args[0] -is [AssignmentStatementAst] -and $args[0].Operator -eq [TokenKind]::QuestionQuestionEquals })) { "$($n.Extent.StartLineNumber): null-coalescing assignment ??= (7.0)" }
  foreach ($n in (& $find { ($args[0] -is [MemberExpressionAst] -or $args[0] -is [IndexExpressionAst]) -and $args[0].NullConditional })) { "$($n.Extent.StartLineNumber): null-conditional ?. / ?[] (7.1)" }
  foreach ($n in (& $find { $args[0] -is [ScriptBlockAst] -and $null -ne $args[0].CleanBlock })) { "$($n.Extent.StartLineNumber): clean block (7.3)" }
  foreach ($n in (& $find { $args[0] -is [PipelineAst] -and $args[0].Background })) { "$($n.Extent.StartLineNumber): background operator & (6.0)" }
  foreach ($n in (& $find { $args[0] -is [BinaryExpressionAst] -and $args[0].Operator -in @([TokenKind]::Ireplace, [TokenKind]::Creplace) -and $args[0].Right -is [ArrayLiteralAst] -and @($args[0].Right.Elements | Where-Object { $_ -is [ScriptBlockExpressionAst] }).Count -gt 0 })) { "$($n.Extent.StartLineNumber): -replace with a script block (6.1)" }
  foreach ($n in (& $find { $args[0] -is [VariableExpressionAst] -and $args[0].VariablePath.UserPath -in @('IsWindows', 'IsLinux', 'IsMacOS', 'IsCoreCLR') })) { "$($n.Extent.StartLineNumber): `$$($n.VariablePath.UserPath) does not exist in 5.1" }
  foreach ($t in $tokens) {
    if ($t.Kind -eq [TokenKind]::Number -and $t.Text -match '(?i)^0b|(?<=[0-9])(uy|us|ul|u|y|s|n)(kb|mb|gb|tb|pb)?$') { "$($t.Extent.StartLineNumber): numeric literal $($t.Text) (binary / type suffix, 7.0)" }
    if ($t.Kind -eq [TokenKind]::StringExpandable -and $t.Text -match '`u\{|`e') { "$($t.Extent.StartLineNumber): escape ``u{...} or ``e in a string (6.0)" }
  }
  foreach ($n in (& $find { $args[0] -is [CommandAst] })) {
    $name = $n.GetCommandName()
    if ($null -eq $name) { continue }
    if ($CommandAliases.ContainsKey($name)) { $name = $CommandAliases[$name] }
    if ($name -in $CommandsAfter51) { "$($n.Extent.StartLineNumber): $name does not exist in 5.1" }
    $key = @($ParametersAfter51.Keys | Where-Object { $_ -eq $name })
    $parameters = @($n.CommandElements | Where-Object { $_ -is [CommandParameterAst] })
    foreach ($p in $parameters) {
      # Parameter names may be abbreviated: -AsHash is -AsHashtable.
      if ($key.Count -and @($ParametersAfter51[$key[0]] | Where-Object { $_.StartsWith($p.ParameterName, [StringComparison]::OrdinalIgnoreCase) -and $p.ParameterName.Length -ge 2 }).Count -gt 0) { "$($n.Extent.StartLineNumber): $name -$($p.ParameterName) (after 5.1)" }
    }
    if ($name -eq 'Join-Path' -and @($n.CommandElements | Select-Object -Skip 1 | Where-Object { $_ -isnot [CommandParameterAst] }).Count -gt 2) { "$($n.Extent.StartLineNumber): Join-Path with more than two paths (6.0)" }
    foreach ($e in $n.CommandElements) {
      if ($e -is [StringConstantExpressionAst] -and $e.Value -in $EncodingsAfter51) { "$($n.Extent.StartLineNumber): encoding $($e.Value) (6.0)" }
    }
  }
  $req = $ast.ScriptRequirements
  if ($null -ne $req) {
    if ($null -ne $req.RequiredPSVersion -and $req.RequiredPSVersion -gt [version]'5.1') { "0: #Requires -Version $($req.RequiredPSVersion)" }
    if (@($req.RequiredPSEditions) -contains 'Core') { '0: #Requires -PSEdition Core' }
  }
}

Export-ModuleMember -Function Find-Ps51Incompatibility

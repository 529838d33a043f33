@{
  RootModule        = 'CimCmdlets.psm1'
  ModuleVersion     = '0.0.1'
  GUID              = '6f7d3c52-0d5e-4b8e-9a51-3f3f0b1f2a03'
  Description       = 'Test-only fake of the CIM cmdlets for the Hyper-V WMI provider.'
  FunctionsToExport = @('New-CimSession', 'Get-CimInstance', 'Get-CimAssociatedInstance', 'Invoke-CimMethod', 'ConvertTo-CimEmbeddedString')
  CmdletsToExport   = @()
  VariablesToExport = @()
  AliasesToExport   = @()
}

@{
  RootModule        = 'FailoverClusters.psm1'
  ModuleVersion     = '0.0.1'
  GUID              = '6f7d3c52-0d5e-4b8e-9a51-3f3f0b1f2a05'
  Description       = 'Test-only fake of the FailoverClusters cmdlets the Lifeboat agent calls.'
  FunctionsToExport = @('Get-ClusterGroup', 'Get-ClusterNode')
  CmdletsToExport   = @()
  VariablesToExport = @()
  AliasesToExport   = @()
}

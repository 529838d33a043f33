@{
  RootModule        = 'LifeboatFakeSite.psm1'
  ModuleVersion     = '1.0.0'
  GUID              = '6f7d3c52-0d5e-4b8e-9a51-3f3f0b1f2a01'
  Description       = 'Test-only: the state file behind the fake Lync and Hyper-V modules.'
  FunctionsToExport = @('Get-FakeNow', 'Use-FakeState', 'Assert-FakeNotFailing', 'Add-FakeCall', 'Test-FakeCluster', 'Get-FakeVmOwner', 'Get-FakeAnsweringNode', 'Test-FakeVmOnNode', 'Move-FakeVm', 'Invoke-FakeMoveTrigger')
  CmdletsToExport   = @()
  VariablesToExport = @()
  AliasesToExport   = @()
}

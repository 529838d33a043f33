@{
  RootModule        = 'SkypeForBusiness.psm1'
  ModuleVersion     = '0.0.1'
  GUID              = '6f7d3c52-0d5e-4b8e-9a51-3f3f0b1f2a02'
  Description       = 'Test-only fake of the Skype for Business Server cmdlets the Lifeboat agent calls.'
  FunctionsToExport = @('Get-CsUser', 'Get-CsBackupServiceStatus', 'Get-CsPoolBackupRelationship', 'Invoke-CsBackupServiceSync', 'Get-CsPersistentChatEndpoint', 'New-CsPersistentChatEndpoint')
  CmdletsToExport   = @()
  VariablesToExport = @()
  AliasesToExport   = @()
}

/**
 * Names of the backup functions, declared once and used at every registration and call site
 * (house style: file name = handler = registered name). No registrations here, so orchestrations
 * may import it without pulling in I/O.
 */
export const backupFunctions = {
  scheduledBackup: 'scheduledBackup',
  startBackups: 'startBackups',
  getBackups: 'getBackups',
  backupOrchestration: 'backupOrchestration',
  preflightBackup: 'preflightBackup',
  ensureBackupContainer: 'ensureBackupContainer',
  beginApimBackup: 'beginApimBackup',
  pollApimBackup: 'pollApimBackup',
  verifyBackup: 'verifyBackup',
  pruneBackups: 'pruneBackups',
} as const;

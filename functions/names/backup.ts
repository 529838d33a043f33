import type { PruneOutcome } from '../../shared/backups/catalog';
import type {
  ApimOperationBegun,
  BeginApimBackupInput,
  MarkRestoreVerifiedInput,
  MarkRestoreVerifiedOutput,
  PreflightBackupInput,
  PreflightBackupOutput,
  PruneBackupsInput,
  VerifyBackupInput,
  VerifyBackupOutput,
  WriteBackupManifestInput,
  WriteBackupManifestOutput,
} from '../../shared/backups/contracts';
import type { BackupRunInput, BackupRunResult } from '../../shared/backups/run';
import type { RecordBackupDigestInput } from '../../shared/digest/service';
import { activityRef, orchestrationRef } from './refs';

/**
 * The backup area's functions, each named once with its input and output types (house style:
 * file name = handler = registered name). Type imports only, so orchestrations may import it
 * without loading anything. Test helpers load the area's function files from this table. The poll
 * of the APIM operation is shared with restores: `functions/names/apim.ts`.
 */
export const backup = {
  scheduledBackup: 'scheduledBackup',
  startBackups: 'startBackups',
  getBackups: 'getBackups',
  backupOrchestration: orchestrationRef<BackupRunInput, BackupRunResult>('backupOrchestration'),
  preflightBackup: activityRef<PreflightBackupInput, PreflightBackupOutput>('preflightBackup'),
  ensureBackupContainer: activityRef<Record<string, never>, { created: boolean }>('ensureBackupContainer'),
  beginApimBackup: activityRef<BeginApimBackupInput, ApimOperationBegun>('beginApimBackup'),
  verifyBackup: activityRef<VerifyBackupInput, VerifyBackupOutput>('verifyBackup'),
  writeManifestBeforeBackup: activityRef<WriteBackupManifestInput, WriteBackupManifestOutput>(
    'writeManifestBeforeBackup',
  ),
  writeBackupManifest: activityRef<WriteBackupManifestInput, WriteBackupManifestOutput>(
    'writeBackupManifest',
  ),
  pruneBackups: activityRef<PruneBackupsInput, PruneOutcome>('pruneBackups'),
  markRestoreVerified: activityRef<MarkRestoreVerifiedInput, MarkRestoreVerifiedOutput>(
    'markRestoreVerified',
  ),
  recordBackupDigest: activityRef<RecordBackupDigestInput, { recorded: boolean }>('recordBackupDigest'),
} as const;

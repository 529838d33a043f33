import type {
  BeginApimRestoreInput,
  PreflightRestoreTargetInput,
  PreflightRestoreTargetOutput,
  SelectRestoreBackupInput,
  SelectRestoreBackupOutput,
  ClaimRestoreTargetInput,
  ClaimRestoreTargetOutput,
  ReleaseRestoreTargetInput,
  SmokeCheckGatewayInput,
  SmokeCheckGatewayOutput,
  VerifyRestoreInput,
  VerifyRestoreOutput,
} from '../../shared/restore/contracts';
import type { ApimOperationBegun } from '../../shared/backups/contracts';
import type { RestoreRunInput, RestoreRunResult } from '../../shared/restore/run';
import type { RestoreCanaryInput, RestoreCanaryResult } from '../../shared/restore/canary';
import { activityRef, orchestrationRef } from './refs';

/**
 * The restore area's functions (issue 9), each named once with its input and output types. The
 * restore polls its operation with `pollApimOperation` (`functions/names/apim.ts`, shared with backups).
 */
export const restore = {
  startRestore: 'startRestore',
  getRestore: 'getRestore',
  restoreApim: orchestrationRef<RestoreRunInput, RestoreRunResult>('restoreApim'),
  preflightRestoreTarget: activityRef<PreflightRestoreTargetInput, PreflightRestoreTargetOutput>(
    'preflightRestoreTarget',
  ),
  selectRestoreBackup: activityRef<SelectRestoreBackupInput, SelectRestoreBackupOutput>(
    'selectRestoreBackup',
  ),
  beginApimRestore: activityRef<BeginApimRestoreInput, ApimOperationBegun>('beginApimRestore'),
  /** Holds the target for one run (a restore meeting another into the same target refuses TargetBusy). */
  claimRestoreTarget: activityRef<ClaimRestoreTargetInput, ClaimRestoreTargetOutput>('claimRestoreTarget'),
  /** Frees the target and keeps the evidence of a run that was not refused. */
  releaseRestoreTarget: activityRef<ReleaseRestoreTargetInput, void>('releaseRestoreTarget'),
  verifyRestore: activityRef<VerifyRestoreInput, VerifyRestoreOutput>('verifyRestore'),
  smokeCheckGateway: activityRef<SmokeCheckGatewayInput, SmokeCheckGatewayOutput>('smokeCheckGateway'),
  /** The restore canary: a timer on %LIFEBOAT_RESTORE_CANARY_SCHEDULE% starting the orchestration. */
  scheduledRestoreCanary: 'scheduledRestoreCanary',
  restoreCanary: orchestrationRef<RestoreCanaryInput, RestoreCanaryResult>('restoreCanary'),
} as const;

import { z } from 'zod';
import { OUTCOMES } from '../outcome';
import type { PreflightDecision } from './preflight';

/**
 * Inputs and outputs of the backup activities. They cross the durable boundary as JSON and are
 * stored in the task hub, so they hold ids and times only, never a key or token with authority
 * (the poll token is a polling URL; the ARM call still needs a bearer token).
 */

export const preflightBackupInput = z.strictObject({
  resourceId: z.string().min(1),
  /** The run asking (its instance id and start): the preflight records in the status digest that it runs. */
  run: z.strictObject({ instanceId: z.string().min(1), startedAt: z.iso.datetime() }).optional(),
});
export type PreflightBackupInput = z.infer<typeof preflightBackupInput>;
export interface PreflightBackupOutput {
  decision: PreflightDecision;
  location: string;
  tier: string;
}

export const beginApimBackupInput = z.strictObject({
  resourceId: z.string().min(1),
  blobName: z.string().min(1),
  /**
   * The service's region and tier from this run's preflight, recorded on earlier runs' backups
   * the begin verifies (optional: begins scheduled before it existed settle nothing).
   */
  region: z.string().optional(),
  tier: z.string().optional(),
});
export type BeginApimBackupInput = z.infer<typeof beginApimBackupInput>;

/** Input of `pollApimOperation`: one poll of a backup or restore operation (the token says which). */
export const pollApimOperationInput = z.strictObject({
  resourceId: z.string().min(1),
  token: z.string().min(1),
  /** The backup blob, for a backup: tells a poll hiccup from an operation that ended without it. */
  blobName: z.string().min(1).optional(),
});
export type PollApimOperationInput = z.infer<typeof pollApimOperationInput>;

/**
 * A poll result as JSON (no service details: the orchestration needs none). `watching`: the
 * operation cannot be read (403 on its poll), so its effect is watched instead: the backup blob
 * (`blob`), or the restore's target service (`service`, with its state in `target`).
 */
export type ApimOperationPoll =
  | {
      status: 'running';
      token: string;
      retryAfterMs: number | null;
      watching?: 'blob' | 'service';
      target?: { provisioningState: string; transitioning: boolean };
    }
  /** `completedAt`: when the operation completed as the service reported it (absent: not reported). */
  | { status: 'succeeded'; completedAt?: string }
  /** The operation ended without a backup and without a readable failure: a new POST may follow. */
  | { status: 'lost'; reason: string };

/** What a begin answers: the accepted operation, or one already done (a begin never finds it lost). */
export type ApimOperationBegun = Exclude<ApimOperationPoll, { status: 'lost' }>;

export const verifyBackupInput = z.strictObject({
  blobName: z.string().min(1),
  serviceName: z.string().min(1),
  region: z.string(),
  tier: z.string(),
  takenAt: z.iso.datetime(),
});
export type VerifyBackupInput = z.infer<typeof verifyBackupInput>;
export interface VerifyBackupOutput {
  sizeBytes: number;
}

export const pruneBackupsInput = z.strictObject({
  serviceName: z.string().min(1),
  /** The orchestration's current time: retention is measured from it, not from the wall clock. */
  now: z.iso.datetime(),
});
export type PruneBackupsInput = z.infer<typeof pruneBackupsInput>;

/**
 * Input of `markRestoreVerified`: records on a backup blob that a restore of it into `target`
 * (the target service name) ended with `outcome` at `verifiedAt` (the orchestration's time). Only
 * `succeeded` makes the backup restore-verified; other outcomes are recorded and do not count.
 */
export const markRestoreVerifiedInput = z.strictObject({
  blobName: z.string().min(1),
  verifiedAt: z.iso.datetime(),
  target: z.string().min(1),
  outcome: z.enum(OUTCOMES, { error: `must be one of ${OUTCOMES.join(', ')}` }),
});
export type MarkRestoreVerifiedInput = z.infer<typeof markRestoreVerifiedInput>;
export interface MarkRestoreVerifiedOutput {
  /** False when the blob already carried a later attempt (a duplicate or late delivery). */
  recorded: boolean;
  /** Whether the backup counts as restore-verified now. */
  restoreVerified: boolean;
}

export const writeBackupManifestInput = z.strictObject({
  resourceId: z.string().min(1),
  /** The verified backup blob the manifest goes beside. */
  blobName: z.string().min(1),
});
export type WriteBackupManifestInput = z.infer<typeof writeBackupManifestInput>;
export interface WriteBackupManifestOutput {
  /** The manifest blob. */
  blobName: string;
  counts: import('../apim/manifest').ManifestCounts;
  /** The configuration changed while the backup ran (the manifests before and after differ: issue 22). */
  configChangedDuringBackup?: import('../apim/manifest').ConfigChange;
  /** False when there was no manifest from before the backup to compare with (its read failed). */
  changeChecked?: false;
}

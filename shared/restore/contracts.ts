import { z } from 'zod';
import type { PreflightDecision } from '../backups/preflight';
import type { Problem } from '../outcome';
import type { BackupDecision } from './select';
import type { RestoreVerification } from './run';
import { targetRecordSchema } from './claim';

/** Inputs and outputs of the restore activities (ids, names and times only: they are stored in the task hub). */

export const preflightRestoreTargetInput = z.strictObject({ targetResourceId: z.string().min(1) });
export type PreflightRestoreTargetInput = z.infer<typeof preflightRestoreTargetInput>;
export interface PreflightRestoreTargetOutput {
  decision: PreflightDecision;
  tier: string;
  location: string;
}

export const selectRestoreBackupInput = z.strictObject({
  serviceName: z.string().min(1),
  targetTier: z.string().min(1),
  backup: z.string().min(1),
  /** The orchestration's time: ages are measured from it. */
  now: z.iso.datetime(),
});
export type SelectRestoreBackupInput = z.infer<typeof selectRestoreBackupInput>;
/** The decision, with `takenAt` as ISO text (JSON). */
export type SelectRestoreBackupOutput =
  | { ok: true; backup: { name: string; takenAt: string }; ageMs: number; warnings?: Problem[] }
  | Extract<BackupDecision, { ok: false }>;

export const beginApimRestoreInput = z.strictObject({
  serviceName: z.string().min(1),
  targetResourceId: z.string().min(1),
  mode: z.enum(['failover', 'drill']),
  blobName: z.string().min(1),
  /** The run (a deterministic GUID of the orchestration): a begin finding its run's accepted POST does not POST again. */
  runId: z.string().min(1),
  /** The orchestration's time, recorded as the acceptance time. */
  now: z.iso.datetime(),
  /** A failback's restore (./reversed.ts): the pair reversed, only while the standby is the active side. */
  failback: z.literal(true).optional(),
});
export type BeginApimRestoreInput = z.infer<typeof beginApimRestoreInput>;

export const verifyRestoreInput = z.strictObject({
  targetResourceId: z.string().min(1),
  blobName: z.string().min(1),
});
export type VerifyRestoreInput = z.infer<typeof verifyRestoreInput>;
export type VerifyRestoreOutput = RestoreVerification;

export const smokeCheckGatewayInput = z.strictObject({ targetResourceId: z.string().min(1) });
export type SmokeCheckGatewayInput = z.infer<typeof smokeCheckGatewayInput>;
export interface SmokeCheckGatewayOutput {
  ok: boolean;
  httpStatus: number;
}

export const claimRestoreTargetInput = z.strictObject({
  targetResourceId: z.string().min(1),
  /** The restore run claiming the target (its instance id). */
  instanceId: z.string().min(1),
  /** Orchestration time. */
  now: z.iso.datetime(),
});
export type ClaimRestoreTargetInput = z.infer<typeof claimRestoreTargetInput>;
/** Taken, or the run that holds the target. */
export type ClaimRestoreTargetOutput = { take: true } | { take: false; holder: string };

export const releaseRestoreTargetInput = z.strictObject({
  targetResourceId: z.string().min(1),
  instanceId: z.string().min(1),
  /** The run's evidence (absent for a refused run: a refusal never replaces the last evidence). */
  evidence: targetRecordSchema.shape.evidence,
});
export type ReleaseRestoreTargetInput = z.infer<typeof releaseRestoreTargetInput>;

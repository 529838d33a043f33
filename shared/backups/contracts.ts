import { z } from 'zod';
import type { PreflightDecision } from './preflight';
import { NonRetryableError } from '../errors';

/**
 * Inputs and outputs of the backup activities. They cross the durable boundary as JSON and are
 * stored in the task hub, so they hold ids and times only, never a key or token with authority
 * (the poll token is a polling URL; the ARM call still needs a bearer token).
 */

export const preflightBackupInput = z.strictObject({ resourceId: z.string().min(1) });
export type PreflightBackupInput = z.infer<typeof preflightBackupInput>;
export interface PreflightBackupOutput {
  decision: PreflightDecision;
  location: string;
  tier: string;
}

export const beginApimBackupInput = z.strictObject({
  resourceId: z.string().min(1),
  blobName: z.string().min(1),
});
export type BeginApimBackupInput = z.infer<typeof beginApimBackupInput>;

export const pollApimBackupInput = z.strictObject({
  resourceId: z.string().min(1),
  token: z.string().min(1),
});
export type PollApimBackupInput = z.infer<typeof pollApimBackupInput>;

/** A poll result as JSON (no service details: the orchestration needs none). */
export type ApimBackupPoll =
  { status: 'running'; token: string; retryAfterMs: number | null } | { status: 'succeeded' };

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

/** Parses an activity input; a bad one can never succeed, so it is non-retryable and names the field. */
export function parseActivityInput<T>(schema: z.ZodType<T>, value: unknown, activity: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues
    .map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`)
    .join('; ');
  throw new NonRetryableError(`${activity}: invalid input: ${problems}`, { code: 'InvalidInput' });
}

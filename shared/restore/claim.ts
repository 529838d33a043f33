import { z } from 'zod';
import { OUTCOMES } from '../outcome';
import { isStandbySyncRun, restoreInstanceId, type RestoreRunResult } from './run';
import type { RestoreMode } from './target';

/**
 * One restore per target at a time, and the evidence of the last one that ran (issue 21, items 5
 * and 7). Every restore request is its own run (its own instance id: a refused request never
 * overwrites the run that restored), so the target is held by a record instead of by a shared
 * instance id: `_operations/_restores/<target key>.target.json` in the backup container names the
 * run holding the target and keeps the evidence of the last run that got past its checks (how it
 * ended, which backup, when). The status page reads that one record per target; refusals before
 * any ARM change (no backup, target busy, rules) never replace it.
 */

const evidenceSchema = z.strictObject({
  instanceId: z.string().min(1),
  mode: z.enum(['failover', 'drill']),
  outcome: z.enum(OUTCOMES),
  endedAt: z.iso.datetime(),
  backup: z.strictObject({ name: z.string().min(1), takenAt: z.string().min(1) }).optional(),
  acceptedAt: z.iso.datetime().optional(),
  error: z.strictObject({ code: z.string(), message: z.string() }).optional(),
});
/** The last restore into a target that ran (was not refused). */
export type RestoreEvidence = z.infer<typeof evidenceSchema>;

export const targetRecordSchema = z.strictObject({
  /** The run holding the target now (null: free). */
  holder: z.string().min(1).nullable(),
  claimedAt: z.iso.datetime().optional(),
  evidence: evidenceSchema.optional(),
});
/** What is stored per target. */
export type TargetRecord = z.infer<typeof targetRecordSchema>;

/** The record blob of a target (every spelling of its id gives the same name). */
export function targetRecordName(targetResourceId: string): string {
  return `_operations/_restores/${restoreInstanceId(targetResourceId)}.target.json`;
}

/** What a claim decided: take the target, or who holds it. */
export type ClaimDecision = { take: true } | { take: false; holder: string };

/**
 * Whether run `me` may take the target: it is free, already its own (a claim delivered again),
 * or held by a run that is no longer running (`holderRunning` false: it ended, or was terminated
 * before releasing).
 */
export function decideClaim(
  record: TargetRecord | undefined,
  me: string,
  holderRunning: boolean,
): ClaimDecision {
  const holder = record?.holder ?? null;
  if (holder === null || holder === me || !holderRunning) return { take: true };
  return { take: false, holder };
}

/**
 * Whether run `me`, finding the target held by `holder`, waits for it instead of refusing (issue
 * 23): a failover's restore (a plan's, or one over HTTP) meeting the standby sync's restore into
 * the same standby. The sync may not run while a plan owns the target, but one that began before
 * the plan cannot be stopped halfway (an APIM restore runs to its end once accepted), and a
 * scheduled sync must never make a failover fail: the failover waits for it to end, then takes
 * the target. Every other meeting refuses, naming the holder (never two writers).
 */
export function waitsForHolder(me: string, holder: string, mode: RestoreMode): boolean {
  return mode === 'failover' && isStandbySyncRun(holder) && !isStandbySyncRun(me);
}

/** The message of a refusal because another run holds the target. */
export function targetBusy(
  targetResourceId: string,
  holder: string,
): { code: 'TargetBusy'; message: string } {
  return {
    code: 'TargetBusy',
    message: `a restore into ${targetResourceId} is running: ${holder} (/api/restores/${holder}); wait for it to end (or cancel it) and try again`,
  };
}

/** The evidence a run leaves on its target: none when it was refused (nothing was changed). */
export function evidenceOf(instanceId: string, result: RestoreRunResult): RestoreEvidence | undefined {
  if (result.outcome === 'refused') return undefined;
  return {
    instanceId,
    mode: result.mode,
    outcome: result.outcome,
    endedAt: result.timings.endedAt ?? result.timings.startedAt,
    ...(result.backup === undefined ? {} : { backup: result.backup }),
    ...(result.timings.acceptedAt === undefined ? {} : { acceptedAt: result.timings.acceptedAt }),
    ...(result.error === undefined
      ? {}
      : { error: { code: result.error.code, message: result.error.message } }),
  };
}

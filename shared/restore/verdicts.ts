import type { Problem } from '../errors';
import type { Outcome } from '../outcome';
import type {
  RestoreProgress,
  RestoreRunInput,
  RestoreRunResult,
  RestoreTimings,
  RestoreVerification,
} from './run';
import type { ApimOperationPoll } from '../backups/contracts';
import { decideWatchedRestore } from './watch';

/** The preflight and singleton verdicts are the backup run's (the same rules, another subject). */
export { notSingleton, preflightRefusal, preflightWait } from '../backups/verdicts';

/**
 * What a restore run makes of its answers (pure: the orchestration only sequences): the watch of
 * a restore whose operation cannot be read, and every ending's code and message.
 */

/** What the polls have seen of a restore. */
export interface RestoreWatch {
  /** The operation cannot be read (403 on its poll): the target service is watched instead. */
  readonly watching: boolean;
  /** The restore was seen running since the POST was accepted (watch.ts says why it matters). */
  readonly sawRunning: boolean;
  /** The watched target settled in `Failed`. */
  readonly targetFailed: boolean;
}

export const RESTORE_WATCH_START: RestoreWatch = { watching: false, sawRunning: false, targetFailed: false };

/**
 * One running poll of a restore: an operation that answers is running; a watched target decides
 * with what was seen before (`decideWatchedRestore`), and stops the polls once back from Updating.
 */
export function observeRestorePoll(
  seen: RestoreWatch,
  answer: Extract<ApimOperationPoll, { status: 'running' }>,
): { state: RestoreWatch; stop: boolean } {
  if (answer.watching !== 'service' || answer.target === undefined)
    return { state: { ...seen, sawRunning: true }, stop: false };
  const d = decideWatchedRestore(seen.sawRunning, answer.target);
  return d.done
    ? { state: { watching: true, sawRunning: true, targetFailed: d.targetFailed }, stop: true }
    : { state: { watching: true, sawRunning: d.sawRunning, targetFailed: false }, stop: false };
}

/** The status while the run waits between polls: until when, and for what. */
export function restorePolling(nextCheckAt: Date, seen: RestoreWatch): Partial<RestoreProgress> {
  return {
    percent: 10,
    nextCheckAt: nextCheckAt.toISOString(),
    waitingFor: seen.watching
      ? 'the target service to leave Updating (the restore operation cannot be read: 403 on its poll)'
      : 'the restore operation at API Management',
  };
}

/** The timeout of a restore not seen ending. */
export function restoreTimeout(targetId: string, timeoutMs: number, seen: RestoreWatch): Problem {
  const minutes = Math.round(timeoutMs / 60000);
  return {
    code: 'RestoreTimeout',
    message: seen.watching
      ? `${targetId}: restore not seen ending ${minutes} minutes after the accepted POST (the operation cannot be read: 403 on its poll; the target was ${seen.sawRunning ? 'still Updating' : 'never seen Updating'})`
      : `${targetId}: restore still running ${minutes} minutes after the accepted POST`,
  };
}

/** A restore operation that ended without its effect: final (a restore is never begun again). */
export function restoreLost(targetId: string, reason: string): Problem {
  return { code: 'RestoreOperationLost', message: `${targetId}: ${reason}` };
}

/** A watched target that settled in `Failed`. */
export function restoreTargetFailed(targetId: string): Problem {
  return {
    code: 'RestoreFailed',
    message: `${targetId}: the target's provisioningState is Failed after the restore (the operation itself cannot be read: 403 on its poll)`,
  };
}

/** Why a restored target fails verification against the backup's manifest, or undefined when equal. */
export function verificationFailure(verification: RestoreVerification): Problem | undefined {
  if (verification.equal) return undefined;
  if (verification.manifestMissing === true)
    return {
      code: 'ManifestMissing',
      message: 'the backup has no configuration manifest beside it: the restored target cannot be verified',
    };
  const unlisted = verification.differenceCount - verification.differences.length;
  const more = unlisted > 0 ? ` (and ${unlisted} more)` : '';
  return {
    code: 'VerificationFailed',
    message: `the restored target differs from the backup's manifest: ${verification.differences.join('; ')}${more}`,
  };
}

/**
 * What a verification that did not pass means in `mode` (issue 22): a drill fails (it exists to
 * prove the backup restores as taken); a failover goes on with a warning (the target now serves
 * what the backup held, and failing the step would stop the plan's recovery for a difference an
 * operator can judge from the report).
 */
export function verificationVerdict(
  mode: RestoreRunInput['mode'],
  verification: RestoreVerification,
): { failure?: Problem; warning?: Problem } {
  const problem = verificationFailure(verification);
  if (problem === undefined) return {};
  return mode === 'drill'
    ? { failure: problem }
    : {
        warning: {
          code: problem.code,
          message: `${problem.message} (failover goes on: check the differences)`,
        },
      };
}

/** The gateway smoke check as the result reports it, and the failure when it did not pass. */
export function smokeCheckVerdict(
  targetId: string,
  probe: { readonly ok: boolean; readonly httpStatus: number },
): { smokeCheck: { status: 'passed' | 'failed'; httpStatus: number }; failure?: Problem } {
  const smokeCheck = {
    status: probe.ok ? ('passed' as const) : ('failed' as const),
    httpStatus: probe.httpStatus,
  };
  if (probe.ok) return { smokeCheck };
  return {
    smokeCheck,
    failure: {
      code: 'SmokeCheckFailed',
      message: `the gateway of ${targetId} answered its health path with HTTP ${probe.httpStatus}`,
    },
  };
}

/** The completion timings once the operation ended: when the service said it completed, if it did. */
export function completionTimings(
  completedAt: string | undefined,
  detectedAt: string,
): Pick<RestoreTimings, 'completedAtSource' | 'completedAt' | 'detectedAt'> {
  return {
    completedAtSource: completedAt === undefined ? 'unknown' : 'operation',
    ...(completedAt === undefined ? {} : { completedAt }),
    detectedAt,
  };
}

/** The custom status of a restore run in `phase`, from its result so far. */
export function restoreProgress(
  result: RestoreRunResult,
  retries: number,
  phase: RestoreProgress['phase'],
  extra: Partial<RestoreProgress> = {},
): RestoreProgress {
  return {
    phase,
    serviceName: result.serviceName,
    targetResourceId: result.target.resourceId,
    mode: result.mode,
    retries,
    polls: result.polls,
    ...(result.backup === undefined ? {} : { backup: result.backup.name }),
    ...extra,
  };
}

/** A restore run's result as it ends with `outcome` (and `error` unless it succeeded). */
export function restoreResult(
  result: RestoreRunResult,
  retries: number,
  outcome: Exclude<Outcome, 'partial'>,
  endedAt: string,
  error?: Problem,
): RestoreRunResult {
  return {
    ...result,
    outcome,
    ...(error === undefined ? {} : { error }),
    timings: { ...result.timings, endedAt },
    retries,
  };
}

/** A restore run's result as it starts (the target as given, until the rules normalise it). */
export function restoreStarted(input: RestoreRunInput, startedAt: string): RestoreRunResult {
  return {
    serviceName: input.serviceName,
    mode: input.mode,
    outcome: 'succeeded',
    target: { resourceId: input.targetResourceId.trim() },
    timings: { startedAt },
    retries: 0,
    polls: 0,
  };
}

/** The fields of a restore run's log line. */
export function restoreLogDetails(result: RestoreRunResult, retries: number): Record<string, unknown> {
  return {
    service: result.serviceName,
    target: result.target.resourceId,
    mode: result.mode,
    backup: result.backup?.name ?? null,
    retries,
    polls: result.polls,
  };
}

/** The result of a run that ended before its plan ran (invalid input) or escaped it (a bug), from its raw input. */
export function restoreNotRun(
  ending: { outcome: 'refused' | 'failed'; error: Problem },
  raw: unknown,
  serviceName: string,
): RestoreRunResult {
  const r = raw as { mode?: unknown; targetResourceId?: unknown } | null;
  return {
    serviceName,
    mode: r?.mode === 'drill' ? 'drill' : 'failover',
    target: { resourceId: typeof r?.targetResourceId === 'string' ? r.targetResourceId.slice(0, 300) : '' },
    timings: { startedAt: '' },
    retries: 0,
    polls: 0,
    ...ending,
  };
}

import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import { redact } from '../../shared/config/redact';
import { classifyError, errorMessage, NonRetryableError, TransientError } from '../../shared/errors';
import type {
  ApimBackupPoll,
  PreflightBackupOutput,
  VerifyBackupOutput,
} from '../../shared/backups/contracts';
import type { PruneOutcome } from '../../shared/backups/catalog';
import { backupBlobName } from '../../shared/backups/naming';
import { decideRetry, randomFromGuid, retryAfterFromMessage } from '../../shared/backups/retry';
import {
  backupRunInputSchema,
  type BackupProgress,
  type BackupRunInput,
  type BackupRunResult,
} from '../../shared/backups/run';
import { backupFunctions as names } from '../names/backup';

/**
 * One backup run of one APIM service (issue 4): preflight → container → begin → poll with durable
 * timers honouring Retry-After → verify → prune. Every decision is a pure function in
 * shared/backups; this file only sequences. Retryable failures (409 ServiceLocked, transient
 * errors, a transitioning service) share one budget and wait with backoff and jitter on durable
 * timers. A failed run throws (runtime status Failed, the error as output) and prunes nothing.
 */

type Gen<T> = Generator<Task, T, unknown>;

interface RunState {
  input: BackupRunInput;
  retries: number;
  polls: number;
  blobName?: string;
}

function* backupOrchestration(context: OrchestrationContext): Gen<BackupRunResult> {
  const parsed = backupRunInputSchema.safeParse(context.df.getInput());
  if (!parsed.success) {
    throw new NonRetryableError(
      `backupOrchestration: invalid input: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      {
        code: 'InvalidInput',
      },
    );
  }
  const state: RunState = { input: parsed.data, retries: 0, polls: 0 };
  const startedAt = context.df.currentUtcDateTime;
  try {
    const result = yield* run(context, state);
    logRun(context, state, startedAt, {
      outcome: 'succeeded',
      blobName: result.blobName,
      sizeBytes: result.sizeBytes,
      pruned: result.pruned,
    });
    return result;
  } catch (error) {
    const message = redact(errorMessage(error));
    setStatus(context, state, 'failed', { lastProblem: message });
    logRun(context, state, startedAt, {
      outcome: 'failed',
      errorClass: classifyError(message),
      error: message,
    });
    throw error;
  }
}

function* run(context: OrchestrationContext, state: RunState): Gen<BackupRunResult> {
  const { input } = state;

  setStatus(context, state, 'preflight');
  let service: PreflightBackupOutput;
  for (;;) {
    service = yield* call<PreflightBackupOutput>(context, state, names.preflightBackup, {
      resourceId: input.resourceId,
    });
    const d = service.decision;
    if (d.kind === 'ready') break;
    if (d.kind === 'unsupported')
      throw new NonRetryableError(`${input.serviceName}: ${d.reason}`, { code: d.code });
    yield* wait(
      context,
      state,
      'waiting-for-service',
      new TransientError(`${input.serviceName}: ${d.reason}`, { code: 'ServiceTransitioning' }),
    );
  }

  setStatus(context, state, 'ensuring-container');
  yield* call(context, state, names.ensureBackupContainer, {});

  // Named once per run, from orchestration time, so replays and retries reuse the same blob.
  const takenAt = context.df.currentUtcDateTime;
  const blobName = backupBlobName(input.serviceName, takenAt);
  state.blobName = blobName;
  setStatus(context, state, 'starting');
  let poll = yield* call<ApimBackupPoll>(context, state, names.beginApimBackup, {
    resourceId: input.resourceId,
    blobName,
  });

  const deadline = takenAt.getTime() + input.timeoutMs;
  while (poll.status === 'running') {
    const now = context.df.currentUtcDateTime.getTime();
    if (now >= deadline) {
      throw new NonRetryableError(
        `${input.serviceName}: backup still running after ${Math.round(input.timeoutMs / 60000)} minutes`,
        { code: 'BackupTimeout' },
      );
    }
    // Retry-After wins over the default; at least a second so a zero never spins the history.
    const delay = Math.max(1000, poll.retryAfterMs ?? input.pollDefaultMs);
    const fireAt = new Date(Math.min(now + delay, deadline));
    setStatus(context, state, 'polling', { nextCheckAt: fireAt.toISOString() });
    yield context.df.createTimer(fireAt);
    state.polls++;
    poll = yield* call<ApimBackupPoll>(context, state, names.pollApimBackup, {
      resourceId: input.resourceId,
      token: poll.token,
    });
  }

  setStatus(context, state, 'verifying');
  const verified = yield* call<VerifyBackupOutput>(context, state, names.verifyBackup, {
    blobName,
    serviceName: input.serviceName,
    region: service.location,
    tier: service.tier,
    takenAt: takenAt.toISOString(),
  });

  // Only now, with a verified backup in place, may old ones go.
  setStatus(context, state, 'pruning');
  const pruned = yield* call<PruneOutcome>(context, state, names.pruneBackups, {
    serviceName: input.serviceName,
    now: context.df.currentUtcDateTime.toISOString(),
  });

  setStatus(context, state, 'done');
  return {
    serviceName: input.serviceName,
    outcome: 'succeeded',
    blobName,
    takenAt: takenAt.toISOString(),
    sizeBytes: verified.sizeBytes,
    pruned: pruned.deleted,
    retries: state.retries,
    polls: state.polls,
  };
}

/** Calls an activity; retryable failures wait (backoff + jitter, Retry-After honoured) within the run's budget. */
function* call<T = unknown>(
  context: OrchestrationContext,
  state: RunState,
  name: string,
  input: unknown,
): Gen<T> {
  for (;;) {
    try {
      return (yield context.df.callActivity(name, input)) as T;
    } catch (error) {
      yield* wait(context, state, 'retrying', error);
    }
  }
}

/** Waits before a retry, or throws when the error is final or the budget is spent. */
function* wait(
  context: OrchestrationContext,
  state: RunState,
  phase: BackupProgress['phase'],
  error: unknown,
): Gen<void> {
  const message = redact(errorMessage(error));
  const errorClass = classifyError(error);
  const decision = decideRetry({
    errorClass,
    retriesUsed: state.retries,
    budget: state.input.retryBudget,
    baseMs: state.input.retryBaseMs,
    maxMs: state.input.retryMaxMs,
    random: randomFromGuid(context.df.newGuid(context.df.instanceId)),
    retryAfterMs: retryAfterFromMessage(message),
  });
  if (!decision.retry) {
    if (errorClass === 'nonRetryable') throw error;
    throw new TransientError(
      `${state.input.serviceName}: giving up after ${state.retries} retries (${decision.reason}): ${message}`,
      {
        code: 'RetryBudgetSpent',
      },
    );
  }
  state.retries++;
  const fireAt = new Date(context.df.currentUtcDateTime.getTime() + decision.delayMs);
  setStatus(context, state, phase, { nextCheckAt: fireAt.toISOString(), lastProblem: message });
  yield context.df.createTimer(fireAt);
}

function setStatus(
  context: OrchestrationContext,
  state: RunState,
  phase: BackupProgress['phase'],
  extra: Partial<BackupProgress> = {},
): void {
  const status: BackupProgress = {
    phase,
    serviceName: state.input.serviceName,
    retries: state.retries,
    polls: state.polls,
    ...extra,
  };
  if (state.blobName !== undefined) status.blobName = state.blobName;
  context.df.setCustomStatus(status);
}

/** One structured line per run (only on the episode that finishes, never on replays). No secrets: ids, counts and a redacted error. */
function logRun(
  context: OrchestrationContext,
  state: RunState,
  startedAt: Date,
  fields: Record<string, unknown>,
): void {
  if (context.df.isReplaying) return;
  const line = {
    event: 'lifeboat.backup.run',
    service: state.input.serviceName,
    instanceId: context.df.instanceId,
    blobName: state.blobName ?? null,
    retries: state.retries,
    polls: state.polls,
    durationMs: context.df.currentUtcDateTime.getTime() - startedAt.getTime(),
    ...fields,
  };
  if (fields['outcome'] === 'succeeded') context.log(JSON.stringify(line));
  else context.error(JSON.stringify(line));
}

df.app.orchestration(names.backupOrchestration, backupOrchestration);

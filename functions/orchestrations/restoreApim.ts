import type { OrchestrationContext } from 'durable-functions';
import { publicError, TransientError } from '../../shared/errors';
import { timedOut, type Problem } from '../../shared/outcome';
import type { RestoreProgress, RestoreRunInput, RestoreRunResult } from '../../shared/restore/run';
import {
  call,
  finish,
  inputText,
  lazy,
  orchestration,
  pollUntil,
  retrying,
  type Gen,
  type RetryBudget,
  type RetryWait,
} from '../kit';
import { backup } from '../names/backup';
import { restore as names } from '../names/restore';

/**
 * Restores a verified backup of a protected APIM service into its standby or a drill target
 * (issue 9): target rules (pure, before any ARM call) → target preflight (waits while the target
 * transitions) → backup selection (refusal with the reason) → begin → poll with durable timers
 * honouring Retry-After until done or the timeout → verification against the manifest written
 * beside the backup → gateway smoke check. 409 ServiceLocked and transient errors share one retry
 * budget. One run per target at a time: the instance id is the target's (`restoreInstanceId`).
 */

const target = lazy(() => import('../../shared/restore/target'));
const run = lazy(() => import('../../shared/restore/run'));
const watch = lazy(() => import('../../shared/restore/watch'));

const EVENT = 'lifeboat.restore.run';

interface RunState {
  readonly input: RestoreRunInput;
  readonly budget: RetryBudget;
  readonly result: RestoreRunResult;
}

orchestration(names.restoreApim, {
  uses: [target, run, watch],
  input: () => run.get().restoreRunInputSchema,
  event: EVENT,
  // A failover changes production: only Lifeboat starts one (issue 20).
  lifeboatOnly: (input) => input.mode === 'failover',
  ended: (ending, raw): RestoreRunResult => {
    const r = raw as { mode?: unknown; targetResourceId?: unknown } | null;
    return {
      serviceName: inputText(raw, 'serviceName', 80),
      mode: r?.mode === 'drill' ? ('drill' as const) : ('failover' as const),
      target: { resourceId: typeof r?.targetResourceId === 'string' ? r.targetResourceId.slice(0, 300) : '' },
      timings: { startedAt: '' },
      retries: 0,
      polls: 0,
      ...ending,
    };
  },
  *run(context, input) {
    const state: RunState = {
      input,
      budget: { limit: input.retryBudget, baseMs: input.retryBaseMs, maxMs: input.retryMaxMs, used: 0 },
      result: {
        serviceName: input.serviceName,
        mode: input.mode,
        outcome: 'succeeded',
        target: { resourceId: input.targetResourceId.trim() },
        timings: { startedAt: context.df.currentUtcDateTime.toISOString() },
        retries: 0,
        polls: 0,
      },
    };
    try {
      return yield* restoreInto(context, state);
    } catch (error) {
      const problem = publicError(error);
      return end(context, state, problem.code === 'RestoreTimeout' ? 'timedOut' : 'failed', problem);
    }
  },
});

function* restoreInto(context: OrchestrationContext, state: RunState): Gen<RestoreRunResult> {
  const { input, result } = state;
  const onRetry = (w: RetryWait) =>
    setStatus(context, state, 'retrying', {
      nextCheckAt: w.nextCheckAt,
      lastProblem: w.problem,
      waitingFor: 'a retry',
    });

  // 1. Target rules: pure, on normalised ids, before any ARM call.
  setStatus(context, state, 'target-rules');
  const rule = target.get().decideRestoreTarget(input.service, input.targetResourceId, input.mode);
  if (!rule.ok) return end(context, state, 'refused', { code: rule.code, message: rule.message });
  result.target = { resourceId: rule.resourceId, role: rule.role };
  const expectedId = run.get().restoreInstanceId(rule.resourceId);
  if (context.df.instanceId !== expectedId)
    return end(context, state, 'refused', {
      code: 'NotSingleton',
      message: `restores into ${rule.resourceId} use the instance id ${expectedId}: start them with POST /api/restores`,
    });

  // 2. Target preflight: exists, tier supported, no workspaces; a transitioning target is waited for.
  setStatus(context, state, 'preflight', { percent: 2 });
  const preflight = yield* retrying(
    context,
    state.budget,
    function* () {
      const p = yield* call(context, names.preflightRestoreTarget, { targetResourceId: rule.resourceId });
      if (p.decision.kind === 'wait')
        throw new TransientError(`${rule.resourceId}: ${p.decision.reason}`, {
          code: 'ServiceTransitioning',
        });
      return p;
    },
    (w) =>
      w.problem.code === 'ServiceTransitioning'
        ? setStatus(context, state, 'waiting-for-target', {
            nextCheckAt: w.nextCheckAt,
            lastProblem: w.problem,
            waitingFor: 'the target to finish its current operation',
          })
        : onRetry(w),
  );
  if (preflight.decision.kind === 'unsupported')
    return end(context, state, 'refused', {
      code: preflight.decision.code,
      message: `${rule.resourceId}: ${preflight.decision.reason}`,
    });

  // 3. Backup selection against the target's current tier (a refusal says why).
  setStatus(context, state, 'selecting-backup', { percent: 4 });
  const selected = yield* retrying(
    context,
    state.budget,
    () =>
      call(context, names.selectRestoreBackup, {
        serviceName: input.serviceName,
        targetTier: preflight.tier,
        backup: input.backup,
        now: context.df.currentUtcDateTime.toISOString(),
      }),
    onRetry,
  );
  if (!selected.ok) return end(context, state, 'refused', { code: selected.code, message: selected.message });
  result.backup = selected.backup;
  result.recoveryPointAgeMs = selected.ageMs;
  const blobName = selected.backup.name;

  // 4. Begin (409 ServiceLocked and transient errors retried within the budget). The POST is
  // sent at most once per run: a begin delivered again, or retried after its POST was accepted,
  // finds the run's accepted POST recorded by `runId` and returns its token.
  setStatus(context, state, 'starting', { percent: 5 });
  const runId = context.df.newGuid(context.df.instanceId).toLowerCase();
  const begun = yield* retrying(
    context,
    state.budget,
    () =>
      call(context, names.beginApimRestore, {
        serviceName: input.serviceName,
        targetResourceId: rule.resourceId,
        mode: input.mode,
        blobName,
        runId,
        now: context.df.currentUtcDateTime.toISOString(),
      }),
    onRetry,
  );
  const acceptedAt = context.df.currentUtcDateTime;
  result.timings.acceptedAt = acceptedAt.toISOString();
  let completedAt = begun.status === 'succeeded' ? begun.completedAt : undefined;

  // 5. Poll until done or the timeout (counted from the accepted POST). A failed operation
  // (RestoreFailed) is final: it escapes as a non-retryable error. Poll errors (5xx, 429) are
  // retried as polls, never as a new POST. A 403 on the poll (the operation cannot be read) makes
  // the poll watch the target service instead: done once it is back from Updating (watch.ts).
  if (begun.status === 'running') {
    let token = begun.token;
    let watching = false;
    let sawRunning = false;
    let targetFailed = false;
    const polled = yield* pollUntil(context, {
      deadline: new Date(acceptedAt.getTime() + input.timeoutMs),
      intervalMs: input.pollDefaultMs,
      firstRetryAfterMs: begun.retryAfterMs,
      onWait: (at) =>
        setStatus(context, state, 'polling', {
          percent: 10,
          nextCheckAt: at.toISOString(),
          waitingFor: watching
            ? 'the target service to leave Updating (the restore operation cannot be read: 403 on its poll)'
            : 'the restore operation at API Management',
        }),
      *poll() {
        result.polls++;
        const p = yield* retrying(
          context,
          state.budget,
          () => call(context, backup.pollApimOperation, { resourceId: rule.resourceId, token }),
          onRetry,
        );
        // The value: when the service says the restore completed (undefined: it does not say).
        if (p.status === 'succeeded') return { done: true, value: p.completedAt };
        if (p.status === 'lost')
          throw new TransientError(`${rule.resourceId}: ${p.reason}`, { code: 'RestoreOperationLost' });
        token = p.token;
        if (p.watching === 'service' && p.target !== undefined) {
          watching = true;
          const d = watch.get().decideWatchedRestore(sawRunning, p.target);
          sawRunning = d.sawRunning;
          if (d.done) {
            targetFailed = d.targetFailed;
            return { done: true, value: undefined };
          }
        } else sawRunning = true;
        return { done: false, retryAfterMs: p.retryAfterMs };
      },
    });
    if (!polled.done)
      return end(
        context,
        state,
        'timedOut',
        timedOut(
          'RestoreTimeout',
          watching
            ? `${rule.resourceId}: restore not seen ending ${Math.round(input.timeoutMs / 60000)} minutes after the accepted POST (the operation cannot be read: 403 on its poll; the target was ${sawRunning ? 'still Updating' : 'never seen Updating'})`
            : `${rule.resourceId}: restore still running ${Math.round(input.timeoutMs / 60000)} minutes after the accepted POST`,
        ).error,
      );
    completedAt = polled.value;
    if (targetFailed)
      return end(context, state, 'failed', {
        code: 'RestoreFailed',
        message: `${rule.resourceId}: the target's provisioningState is Failed after the restore (the operation itself cannot be read: 403 on its poll)`,
      });
  }
  result.timings.completedAtSource = completedAt === undefined ? 'unknown' : 'operation';
  if (completedAt !== undefined) result.timings.completedAt = completedAt;
  result.timings.detectedAt = context.df.currentUtcDateTime.toISOString();

  // 6. Verification: the target's manifest against the one written beside the backup.
  setStatus(context, state, 'verifying', { percent: 85 });
  const verification = yield* retrying(
    context,
    state.budget,
    () => call(context, names.verifyRestore, { targetResourceId: rule.resourceId, blobName }),
    onRetry,
  );
  result.verification = verification;
  if (!verification.equal) {
    const more =
      verification.differenceCount > verification.differences.length
        ? ` (and ${verification.differenceCount - verification.differences.length} more)`
        : '';
    return end(context, state, 'failed', {
      code: 'VerificationFailed',
      message: `the restored target differs from the backup's manifest: ${verification.differences.join('; ')}${more}`,
    });
  }
  result.timings.verifiedAt = context.df.currentUtcDateTime.toISOString();

  // 7. Gateway smoke check (configurable off).
  if (!input.smokeCheck) result.smokeCheck = { status: 'skipped' };
  else {
    setStatus(context, state, 'smoke-check', { percent: 95 });
    const probe = yield* retrying(
      context,
      state.budget,
      () => call(context, names.smokeCheckGateway, { targetResourceId: rule.resourceId }),
      onRetry,
    );
    result.smokeCheck = { status: probe.ok ? 'passed' : 'failed', httpStatus: probe.httpStatus };
    if (!probe.ok)
      return end(context, state, 'failed', {
        code: 'SmokeCheckFailed',
        message: `the gateway of ${rule.resourceId} answered its health path with HTTP ${probe.httpStatus}`,
      });
  }
  return end(context, state, 'succeeded');
}

function setStatus(
  context: OrchestrationContext,
  state: RunState,
  phase: RestoreProgress['phase'],
  extra: Partial<RestoreProgress> = {},
): void {
  const status: RestoreProgress = {
    phase,
    serviceName: state.input.serviceName,
    targetResourceId: state.result.target.resourceId,
    mode: state.input.mode,
    retries: state.budget.used,
    polls: state.result.polls,
    ...(state.result.backup === undefined ? {} : { backup: state.result.backup.name }),
    ...extra,
  };
  context.df.setCustomStatus(status);
}

function end(
  context: OrchestrationContext,
  state: RunState,
  outcome: RestoreRunResult['outcome'],
  error?: Problem,
): RestoreRunResult {
  const out: RestoreRunResult = {
    ...state.result,
    outcome,
    ...(error === undefined ? {} : { error }),
    timings: { ...state.result.timings, endedAt: context.df.currentUtcDateTime.toISOString() },
    retries: state.budget.used,
  };
  return finish(context, EVENT, out, {
    service: state.input.serviceName,
    target: state.result.target.resourceId,
    mode: state.input.mode,
    backup: state.result.backup?.name ?? null,
    retries: state.budget.used,
    polls: state.result.polls,
  });
}

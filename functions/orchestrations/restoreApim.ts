import type { OrchestrationContext } from 'durable-functions';
import { publicError } from '../../shared/errors';
import type { Problem } from '../../shared/outcome';
import type { RestoreProgress, RestoreRunInput, RestoreRunResult } from '../../shared/restore/run';
import {
  apimOperation,
  callRetrying,
  finish,
  inputText,
  lazy,
  orchestration,
  preflight,
  waitStatus,
  type Gen,
  type Retry,
} from '../kit';
import { restore as names } from '../names/restore';

/**
 * Restores a verified backup of a protected APIM service into its standby or a drill target
 * (issue 9): target rules (pure, before any ARM call) → target preflight (waits while the target
 * transitions) → backup selection (refusal with the reason) → begin → poll (the kit's
 * `apimOperation`; a target watched when its operation cannot be read) → verification against
 * the manifest written beside the backup → gateway smoke check. Verdicts and messages are pure
 * functions in shared/restore (verdicts.ts, target.ts). 409 ServiceLocked and transient errors
 * share one retry budget. One run per target at a time: the instance id is the target's.
 */

const target = lazy(() => import('../../shared/restore/target'));
const run = lazy(() => import('../../shared/restore/run'));
const verdicts = lazy(() => import('../../shared/restore/verdicts'));

const EVENT = 'lifeboat.restore.run';

interface RunState {
  readonly input: RestoreRunInput;
  readonly retry: Retry;
  readonly result: RestoreRunResult;
}

orchestration(names.restoreApim, {
  uses: [target, run, verdicts],
  input: () => run.get().restoreRunInputSchema,
  event: EVENT,
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
    const { serviceName, mode } = input;
    const state: RunState = {
      input,
      retry: {
        budget: { limit: input.retryBudget, baseMs: input.retryBaseMs, maxMs: input.retryMaxMs, used: 0 },
        onWait: (w) => setStatus(context, state, 'retrying', waitStatus(w, 'a retry')),
      },
      result: {
        serviceName,
        mode,
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
  const { input, result, retry } = state;
  const v = verdicts.get();
  const now = () => context.df.currentUtcDateTime.toISOString();

  setStatus(context, state, 'target-rules');
  const rule = target.get().decideRestoreTarget(input.service, input.targetResourceId, input.mode);
  if (!rule.ok) return end(context, state, 'refused', { code: rule.code, message: rule.message });
  const targetId = rule.resourceId;
  result.target = { resourceId: targetId, role: rule.role };
  const expectedId = run.get().restoreInstanceId(targetId);
  if (context.df.instanceId !== expectedId)
    return end(
      context,
      state,
      'refused',
      v.notSingleton(`restores into ${targetId}`, expectedId, '/api/restores'),
    );

  setStatus(context, state, 'preflight', { percent: 2 });
  const checked = yield* preflight(
    context,
    retry,
    names.preflightRestoreTarget,
    { targetResourceId: targetId },
    (d) => v.preflightWait(targetId, d),
    (w) =>
      setStatus(
        context,
        state,
        'waiting-for-target',
        waitStatus(w, 'the target to finish its current operation'),
      ),
  );
  const refusal = v.preflightRefusal(targetId, checked.decision);
  if (refusal !== undefined) return end(context, state, 'refused', refusal);

  // The backup, against the target's current tier (a refusal says why).
  setStatus(context, state, 'selecting-backup', { percent: 4 });
  const { serviceName, backup } = input;
  const selected = yield* callRetrying(context, retry, names.selectRestoreBackup, () => ({
    serviceName,
    targetTier: checked.tier,
    backup,
    now: now(),
  }));
  if (!selected.ok) return end(context, state, 'refused', { code: selected.code, message: selected.message });
  result.backup = selected.backup;
  result.recoveryPointAgeMs = selected.ageMs;
  const blobName = selected.backup.name;

  // The begin POSTs at most once per run: one delivered again, or retried after its POST was
  // accepted, finds the run's accepted POST by `runId`. A lost operation is final (never re-POSTed).
  setStatus(context, state, 'starting', { percent: 5 });
  const runId = context.df.newGuid(context.df.instanceId).toLowerCase();
  const op = yield* apimOperation(context, {
    retry,
    begin: names.beginApimRestore,
    beginInput: () => ({
      serviceName,
      targetResourceId: targetId,
      mode: input.mode,
      blobName,
      runId,
      now: now(),
    }),
    poll: { resourceId: targetId },
    timeoutMs: input.timeoutMs,
    pollDefaultMs: input.pollDefaultMs,
    watch: { initial: v.RESTORE_WATCH_START, observe: v.observeRestorePoll },
    onAccepted: (at) => (result.timings.acceptedAt = at.toISOString()),
    onPoll: () => result.polls++,
    onWait: (at, seen) =>
      setStatus(context, state, 'polling', {
        percent: 10,
        nextCheckAt: at.toISOString(),
        waitingFor: v.restoreWaitingFor(seen),
      }),
  });
  if (op.status === 'timedOut')
    return end(context, state, 'timedOut', v.restoreTimeout(targetId, input.timeoutMs, op.state));
  if (op.status === 'lost') return end(context, state, 'failed', v.restoreLost(targetId, op.reason));
  if (op.state.targetFailed) return end(context, state, 'failed', v.restoreTargetFailed(targetId));
  Object.assign(
    result.timings,
    v.completionTimings(op.status === 'succeeded' ? op.completedAt : undefined, now()),
  );

  setStatus(context, state, 'verifying', { percent: 85 });
  result.verification = yield* callRetrying(context, retry, names.verifyRestore, {
    targetResourceId: targetId,
    blobName,
  });
  const mismatch = v.verificationFailure(result.verification);
  if (mismatch !== undefined) return end(context, state, 'failed', mismatch);
  result.timings.verifiedAt = now();

  if (!input.smokeCheck) result.smokeCheck = { status: 'skipped' };
  else {
    setStatus(context, state, 'smoke-check', { percent: 95 });
    const probe = yield* callRetrying(context, retry, names.smokeCheckGateway, {
      targetResourceId: targetId,
    });
    const smoke = v.smokeCheckVerdict(targetId, probe);
    result.smokeCheck = smoke.smokeCheck;
    if (smoke.failure !== undefined) return end(context, state, 'failed', smoke.failure);
  }
  return end(context, state, 'succeeded');
}

function setStatus(
  context: OrchestrationContext,
  state: RunState,
  phase: RestoreProgress['phase'],
  extra: Partial<RestoreProgress> = {},
): void {
  context.df.setCustomStatus(
    verdicts.get().restoreProgress(state.result, state.retry.budget.used, phase, extra),
  );
}

function end(
  context: OrchestrationContext,
  state: RunState,
  outcome: RestoreRunResult['outcome'],
  error?: Problem,
): RestoreRunResult {
  const { result } = state;
  const endedAt = context.df.currentUtcDateTime.toISOString();
  const out = verdicts.get().restoreResult(result, state.retry.budget.used, outcome, endedAt, error);
  return finish(context, EVENT, out, {
    service: result.serviceName,
    target: result.target.resourceId,
    mode: result.mode,
    backup: result.backup?.name ?? null,
    retries: state.retry.budget.used,
    polls: result.polls,
  });
}

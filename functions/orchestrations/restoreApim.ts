import type { OrchestrationContext } from 'durable-functions';
import { publicError } from '../../shared/errors';
import type { Problem } from '../../shared/outcome';
import type { RestoreProgress, RestoreRunInput, RestoreRunResult } from '../../shared/restore/run';
import {
  apimSteps,
  finish,
  inputText,
  lazy,
  orchestration,
  retryBudget,
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

orchestration(names.restoreApim, {
  uses: [target, run, verdicts],
  input: () => run.get().restoreRunInputSchema,
  event: EVENT,
  // A failover changes production: only Lifeboat starts one (issue 20).
  lifeboatOnly: (input) => input.mode === 'failover',
  ended: (ending, raw) => verdicts.get().restoreNotRun(ending, raw, inputText(raw, 'serviceName', 80)),
  *run(context, input) {
    const r = runOf(context, input);
    try {
      return yield* restoreInto(context, input, r);
    } catch (error) {
      const problem = publicError(error);
      return r.end(problem.code === 'RestoreTimeout' ? 'timedOut' : 'failed', problem);
    }
  },
});

function* restoreInto(
  context: OrchestrationContext,
  input: RestoreRunInput,
  { result, steps, status, end, now }: ReturnType<typeof runOf>,
): Gen<RestoreRunResult> {
  const v = verdicts.get();
  status('target-rules');
  const rule = target.get().decideRestoreTarget(input.service, input.targetResourceId, input.mode);
  if (!rule.ok) return end('refused', { code: rule.code, message: rule.message });
  const targetId = rule.resourceId;
  result.target = { resourceId: targetId, role: rule.role };
  const expectedId = run.get().restoreInstanceId(targetId);
  if (context.df.instanceId !== expectedId)
    return end('refused', v.notSingleton(`restores into ${targetId}`, expectedId, '/api/restores'));

  status('preflight', { percent: 2 });
  const checked = yield* steps.preflight(
    names.preflightRestoreTarget,
    { targetResourceId: targetId },
    targetId,
    (w) => status('waiting-for-target', waitStatus(w, 'the target to finish its current operation')),
  );
  const refusal = v.preflightRefusal(targetId, checked.decision);
  if (refusal !== undefined) return end('refused', refusal);

  // The backup, against the target's current tier (a refusal says why).
  status('selecting-backup', { percent: 4 });
  const { serviceName, backup, mode, timeoutMs } = input;
  const selectInput = () => ({ serviceName, targetTier: checked.tier, backup, now: now() });
  const selected = yield* steps.call(names.selectRestoreBackup, selectInput);
  if (!selected.ok) return end('refused', { code: selected.code, message: selected.message });
  result.backup = selected.backup;
  result.recoveryPointAgeMs = selected.ageMs;
  const blobName = selected.backup.name;

  // The begin POSTs at most once per run: one delivered again, or retried after its POST was
  // accepted, finds the run's accepted POST by `runId`. A lost operation is final (never re-POSTed).
  status('starting', { percent: 5 });
  const runId = context.df.newGuid(context.df.instanceId).toLowerCase();
  const op = yield* steps.operation({
    begin: names.beginApimRestore,
    beginInput: () => ({ serviceName, targetResourceId: targetId, mode, blobName, runId, now: now() }),
    poll: { resourceId: targetId },
    timeoutMs,
    pollDefaultMs: input.pollDefaultMs,
    watch: { initial: v.RESTORE_WATCH_START, observe: v.observeRestorePoll },
    onAccepted: (at) => (result.timings.acceptedAt = at.toISOString()),
    onPoll: () => result.polls++,
    onWait: (at, seen) => status('polling', v.restorePolling(at, seen)),
  });
  if (op.status === 'timedOut') return end('timedOut', v.restoreTimeout(targetId, timeoutMs, op.state));
  if (op.status === 'lost') return end('failed', v.restoreLost(targetId, op.reason));
  if (op.state.targetFailed) return end('failed', v.restoreTargetFailed(targetId));
  Object.assign(
    result.timings,
    v.completionTimings(op.status === 'succeeded' ? op.completedAt : undefined, now()),
  );

  // Verification against the manifest written beside the backup, then the gateway (configurable off).
  status('verifying', { percent: 85 });
  result.verification = yield* steps.call(names.verifyRestore, { targetResourceId: targetId, blobName });
  const mismatch = v.verificationFailure(result.verification);
  if (mismatch !== undefined) return end('failed', mismatch);
  result.timings.verifiedAt = now();
  if (!input.smokeCheck) result.smokeCheck = { status: 'skipped' };
  else {
    status('smoke-check', { percent: 95 });
    const probe = yield* steps.call(names.smokeCheckGateway, { targetResourceId: targetId });
    const smoke = v.smokeCheckVerdict(targetId, probe);
    result.smokeCheck = smoke.smokeCheck;
    if (smoke.failure !== undefined) return end('failed', smoke.failure);
  }
  return end('succeeded');
}

/** The run's result so far, its one retry budget, and how it shows progress and ends (pure shapes: verdicts.ts). */
function runOf(context: OrchestrationContext, input: RestoreRunInput) {
  const v = verdicts.get();
  const now = () => context.df.currentUtcDateTime.toISOString();
  const result = v.restoreStarted(input, now());
  const budget = retryBudget(input);
  const status = (phase: RestoreProgress['phase'], extra: Partial<RestoreProgress> = {}): void =>
    context.df.setCustomStatus(v.restoreProgress(result, budget.used, phase, extra));
  const end = (outcome: RestoreRunResult['outcome'], error?: Problem): RestoreRunResult =>
    finish(
      context,
      EVENT,
      v.restoreResult(result, budget.used, outcome, now(), error),
      v.restoreLogDetails(result, budget.used),
    );
  const retry: Retry = { budget, onWait: (w) => status('retrying', waitStatus(w, 'a retry')) };
  return { result, steps: apimSteps(context, retry), status, end, now };
}

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
  pollUntil,
  retryBudget,
  waitStatus,
  type Gen,
  type Retry,
} from '../kit';
import { backup } from '../names/backup';
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
const claim = lazy(() => import('../../shared/restore/claim'));

const EVENT = 'lifeboat.restore.run';

orchestration(names.restoreApim, {
  uses: [target, run, verdicts, claim],
  input: () => run.get().restoreRunInputSchema,
  event: EVENT,
  // A failover changes production: only Lifeboat starts one (issue 20).
  lifeboatOnly: (input) => input.mode === 'failover',
  ended: (ending, raw) => verdicts.get().restoreNotRun(ending, raw, inputText(raw, 'serviceName', 80)),
  *run(context, input) {
    const r = runOf(context, input);
    let ended: RestoreRunResult;
    try {
      ended = yield* restoreInto(context, input, r);
    } catch (error) {
      const problem = publicError(error);
      ended = r.end(problem.code === 'RestoreTimeout' ? 'timedOut' : 'failed', problem);
    }
    yield* afterward(context, input, r, ended);
    return ended;
  },
});

/**
 * What a run leaves behind once it ended: a drill that restored a backup records the attempt on
 * the backup blob (what `GET /api/backups` and pruning read: README "Restore canary"), and the
 * target is freed with the run's evidence (none for a refusal: it changed nothing, so the last
 * evidence stands). Neither changes the outcome: a mark or record that cannot be written is
 * logged, and a target left held is taken over once this run no longer runs.
 */
function* afterward(
  context: OrchestrationContext,
  input: RestoreRunInput,
  { steps, claimed }: ReturnType<typeof runOf>,
  ended: RestoreRunResult,
): Gen<void> {
  if (input.mode === 'drill' && ended.backup !== undefined && ended.outcome !== 'refused') {
    const markInput = {
      blobName: ended.backup.name,
      verifiedAt: ended.timings.verifiedAt ?? ended.timings.endedAt ?? ended.timings.startedAt,
      target: ended.target.resourceId.split('/').pop() ?? ended.target.resourceId,
      outcome: ended.outcome,
    };
    try {
      yield* steps.call(backup.markRestoreVerified, markInput);
    } catch (error) {
      log(context, 'mark', publicError(error));
    }
  }
  if (!claimed.value) return;
  try {
    yield* steps.call(names.releaseRestoreTarget, {
      targetResourceId: ended.target.resourceId,
      instanceId: context.df.instanceId,
      evidence: claim.get().evidenceOf(context.df.instanceId, ended),
    });
  } catch (error) {
    log(context, 'release', publicError(error));
  }
}

function log(context: OrchestrationContext, what: string, problem: Problem): void {
  if (!context.df.isReplaying)
    context.warn(JSON.stringify({ event: `${EVENT}.${what}`, code: problem.code, message: problem.message }));
}

function* restoreInto(
  context: OrchestrationContext,
  input: RestoreRunInput,
  { result, steps, status, end, now, claimed }: ReturnType<typeof runOf>,
): Gen<RestoreRunResult> {
  const v = verdicts.get();
  status('target-rules');
  const rule = target.get().decideRestoreTarget(input.service, input.targetResourceId, input.mode);
  if (!rule.ok) return end('refused', { code: rule.code, message: rule.message });
  const targetId = rule.resourceId;
  result.target = { resourceId: targetId, role: rule.role };
  if (!run.get().isRestoreRunOf(context.df.instanceId, targetId))
    return end(
      'refused',
      v.notSingleton(
        `restores into ${targetId}`,
        `${run.get().restoreInstanceId(targetId)}-…`,
        '/api/restores',
      ),
    );
  // One run per target at a time: a restore meeting another refuses, naming it, except a failover
  // meeting the standby sync's restore, which waits for it (shared/restore/claim.ts waitsForHolder).
  const claimTarget = () =>
    steps.call(names.claimRestoreTarget, () => ({
      targetResourceId: targetId,
      instanceId: context.df.instanceId,
      now: now(),
    }));
  let held = yield* claimTarget();
  if (!held.take && claim.get().waitsForHolder(context.df.instanceId, held.holder, input.mode)) {
    const holder = held.holder;
    const waited = yield* pollUntil(context, {
      deadline: new Date(context.df.currentUtcDateTime.getTime() + input.timeoutMs),
      intervalMs: Math.max(input.pollDefaultMs, 1000),
      poll: function* () {
        const again = yield* claimTarget();
        return again.take ? { done: true, value: again } : { done: false };
      },
      onWait: (at) =>
        status('waiting-for-target', {
          waitingFor: `the standby sync's restore ${holder} to end`,
          nextCheckAt: at.toISOString(),
        }),
    });
    if (waited.done) held = waited.value;
  }
  if (!held.take) return end('refused', claim.get().targetBusy(targetId, held.holder));
  claimed.value = true;

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
  // Older than the 7 days once guaranteed, without a manifest, changed while taken: said, not refused.
  if (selected.warnings !== undefined) result.warnings = [...selected.warnings];
  const blobName = selected.backup.name;

  // The begin POSTs at most once per run: one delivered again, or retried after its POST was
  // accepted, finds the run's accepted POST by `runId`. A lost operation is final (never re-POSTed).
  status('starting', { percent: 5 });
  const runId = context.df.newGuid(context.df.instanceId).toLowerCase();
  const op = yield* steps.operation({
    begin: names.beginApimRestore,
    beginInput: () => ({
      serviceName,
      targetResourceId: targetId,
      mode,
      blobName,
      runId,
      now: now(),
      // A failback's restore (issue 23): the begin checks the reversed pair. Absent before: same input.
      ...(input.failback === true ? { failback: true as const } : {}),
    }),
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
  // A difference fails a drill; a failover goes on with a warning (issue 22).
  const verdict = v.verificationVerdict(mode, result.verification);
  if (verdict.failure !== undefined) return end('failed', verdict.failure);
  if (verdict.warning !== undefined) result.warnings = [...(result.warnings ?? []), verdict.warning];
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
  /** Whether this run holds its target (and must free it). */
  const claimed = { value: false };
  return { result, steps: apimSteps(context, retry), status, end, now, claimed };
}

import type { OrchestrationContext } from 'durable-functions';
import type { BackupEnding, BackupRunView } from '../../shared/backups/verdicts';
import type { BackupProgress, BackupRunInput, BackupRunResult } from '../../shared/backups/run';
import { publicError, type Problem } from '../../shared/errors';
import {
  apimSteps,
  call,
  finish,
  inputText,
  lazy,
  orchestration,
  reported,
  retryBudget,
  waitStatus,
  type Gen,
  type Retry,
} from '../kit';
import { backup as names } from '../names/backup';

/**
 * One backup run of one APIM service: preflight → container → manifest before → begin → poll (the kit's
 * `apimOperation`, begun again when the operation ended without a backup) → verify → manifest after (compared) →
 * prune. Verdicts, messages and the shapes of status and result are pure functions in
 * shared/backups (verdicts.ts, run.ts); this file only sequences. Retryable failures (409
 * ServiceLocked, transient errors, a transitioning service, a lost operation) share one budget.
 * The run ends in the one outcome vocabulary; a run that did not verify a backup prunes nothing.
 */

const run = lazy(() => import('../../shared/backups/run'));
const naming = lazy(() => import('../../shared/backups/naming'));
const verdicts = lazy(() => import('../../shared/backups/verdicts'));

const EVENT = 'lifeboat.backup.run';

orchestration(names.backupOrchestration, {
  uses: [run, naming, verdicts],
  input: () => run.get().backupRunInputSchema,
  event: EVENT,
  after: recordEnding,
  ended: (ending, raw) => ({
    serviceName: inputText(raw, 'serviceName', 80),
    ...ending,
    retries: 0,
    polls: 0,
  }),
  *run(context, input) {
    const r = runOf(context, input);
    // Only Lifeboat's own starts (the timer, POST /api/backups) use the service's singleton id;
    // a run started around it (the Durable HTTP API) would stack on a running one.
    const expectedId = run.get().backupInstanceId(input.serviceName);
    if (context.df.instanceId !== expectedId) {
      const subject = `backup runs of ${input.serviceName}`;
      return r.end({ outcome: 'refused', error: r.v.notSingleton(subject, expectedId, '/api/backups') });
    }
    try {
      return yield* backUp(context, input, r);
    } catch (error) {
      const problem = publicError(error);
      return r.end({ outcome: problem.code === 'BackupTimeout' ? 'timedOut' : 'failed', error: problem });
    }
  },
});

function* backUp(
  context: OrchestrationContext,
  input: BackupRunInput,
  { v, view, steps, status, end, startedAt }: ReturnType<typeof runOf>,
): Gen<BackupRunResult> {
  const { resourceId, serviceName } = input;
  status('preflight');
  // The run names itself, so the preflight records in the status digest that it runs.
  const thisRun = { instanceId: context.df.instanceId, startedAt: new Date(startedAt).toISOString() };
  const service = yield* steps.preflight(
    names.preflightBackup,
    { resourceId, run: thisRun },
    serviceName,
    (w) => status('waiting-for-service', waitStatus(w, 'the service to finish its current operation')),
  );
  const refusal = v.preflightRefusal(serviceName, service.decision);
  if (refusal !== undefined) return end({ outcome: 'refused', error: refusal });
  const { location: region, tier } = service;

  status('ensuring-container', { percent: 5 });
  yield* steps.call(names.ensureBackupContainer, {});

  // Named once per run, from orchestration time, so replays and retries reuse the same blob; the
  // begin POSTs at most once per blob and first verifies earlier runs' backups that completed late.
  const takenAt = context.df.currentUtcDateTime;
  const blobName = (view.blobName = naming.get().backupBlobName(serviceName, takenAt));
  // The manifest before the POST (issue 22; runs started on version 2.1 or later): read again
  // after the backup, a difference says the configuration changed while it ran. Reported, never
  // fatal, on its own small budget.
  let before: Problem | undefined = {
    code: 'StartedBeforeManifestCheck',
    message: `the run started on orchestration version ${context.df.version || '(none)'}, before 2.1`,
  };
  if (run.get().readsManifestBeforeBackup(context.df.version)) {
    status('reading-manifest', { percent: 8 });
    before = yield* reported(
      function* () {
        const own = apimSteps(context, { budget: run.get().pruneRetryBudget(input) });
        yield* own.call(names.writeManifestBeforeBackup, { resourceId, blobName });
        return undefined;
      },
      (problem): Problem | undefined => problem,
    );
  }
  // Begin again only after the operation ended without a backup (`lost`), within the budget.
  for (;;) {
    status('starting', { percent: 10 });
    const op = yield* steps.operation({
      begin: names.beginApimBackup,
      beginInput: { resourceId, blobName, region, tier },
      poll: { resourceId, blobName }, // a 403 on the poll makes it watch the blob
      timeoutMs: input.timeoutMs,
      pollDefaultMs: input.pollDefaultMs,
      watch: { initial: undefined, observe: v.observeBackupPoll },
      onPoll: () => view.polls++,
      onWait: (at, watching) => status('polling', v.backupPolling(at, watching)),
    });
    if (op.status === 'timedOut')
      return end({ outcome: 'timedOut', error: v.backupTimeout(serviceName, input.timeoutMs, op.state) });
    if (op.status !== 'lost') break;
    yield* steps.retryLater(v.backupLost(serviceName, op.reason));
  }

  status('verifying', { percent: 85 });
  const verifyInput = { blobName, serviceName, region, tier, takenAt: takenAt.toISOString() };
  const verified = yield* steps.call(names.verifyBackup, verifyInput);

  // The manifest (what a restore is verified against) and the prune (only now, with a verified
  // backup in place) are reported on their own, each on its own small budget.
  status('writing-manifest', { percent: 90 });
  const manifest = yield* reported(function* () {
    const own = apimSteps(context, { budget: run.get().pruneRetryBudget(input) });
    return v.manifestReportOf(yield* own.call(names.writeBackupManifest, { resourceId, blobName }), before);
  }, v.manifestNotWritten);
  status('pruning', { percent: 95 });
  const prune = yield* reported(function* () {
    const own = apimSteps(context, { budget: run.get().pruneRetryBudget(input) });
    const now = () => ({ serviceName, now: context.df.currentUtcDateTime.toISOString() });
    return run.get().pruneReportOf(yield* own.call(names.pruneBackups, now));
  }, run.get().pruneNotDone);
  return end(v.backedUp(takenAt, verified.sizeBytes, prune, manifest));
}

/**
 * Records the ending in the service's status digest (what the status page reads), for a run under
 * the service's own instance id only: a run started around it never stands for the service. A
 * failure is logged; it never changes the result.
 */
function* recordEnding(
  context: OrchestrationContext,
  raw: unknown,
  result: BackupRunResult,
  times: { startedAt: Date },
): Gen<void> {
  const serviceName = inputText(raw, 'serviceName', 80);
  if (context.df.instanceId !== run.get().backupInstanceId(serviceName)) return;
  const verified =
    result.outcome === 'succeeded' && result.blobName !== undefined && result.takenAt !== undefined
      ? { name: result.blobName, takenAt: result.takenAt, sizeBytes: result.sizeBytes ?? 0 }
      : undefined;
  try {
    yield* call(context, names.recordBackupDigest, {
      serviceName,
      instanceId: context.df.instanceId,
      startedAt: times.startedAt.toISOString(),
      endedAt: context.df.currentUtcDateTime.toISOString(),
      outcome: result.outcome,
      ...(result.error === undefined
        ? {}
        : { error: { code: result.error.code, message: result.error.message } }),
      ...(verified === undefined ? {} : { verified }),
    });
  } catch (error) {
    if (!context.df.isReplaying)
      context.warn(
        JSON.stringify({
          event: 'lifeboat.status.digestNotWritten',
          instanceId: context.df.instanceId,
          error: publicError(error),
        }),
      );
  }
}

/** The run so far, its one retry budget, and how it shows progress and ends (pure shapes: verdicts.ts). */
function runOf(context: OrchestrationContext, input: BackupRunInput) {
  const v = verdicts.get();
  const startedAt = context.df.currentUtcDateTime.getTime();
  const view: BackupRunView = { serviceName: input.serviceName, polls: 0 };
  const budget = retryBudget(input);
  const status = (phase: BackupProgress['phase'], extra: Partial<BackupProgress> = {}): void =>
    context.df.setCustomStatus(v.backupProgress(view, budget.used, phase, extra));
  const end = (ending: BackupEnding): BackupRunResult => {
    const durationMs = context.df.currentUtcDateTime.getTime() - startedAt;
    return finish(
      context,
      EVENT,
      v.backupResult(view, budget.used, ending),
      v.backupLogDetails(view, budget.used, durationMs),
    );
  };
  const retry: Retry = { budget, onWait: (w) => status('retrying', waitStatus(w, 'a retry')) };
  return { v, view, steps: apimSteps(context, retry), status, end, startedAt };
}

import type { OrchestrationContext } from 'durable-functions';
import type {
  BackupProgress,
  BackupRunInput,
  BackupRunResult,
  ManifestReport,
} from '../../shared/backups/run';
import { publicError } from '../../shared/errors';
import { refused, timedOut, type Problem } from '../../shared/outcome';
import {
  apimOperation,
  callRetrying,
  finish,
  inputText,
  lazy,
  orchestration,
  preflight,
  retryLater,
  type Gen,
  type Retry,
} from '../kit';
import { backup as names } from '../names/backup';

/**
 * One backup run of one APIM service: preflight → container → begin → poll (the kit's
 * `apimOperation`) → verify → manifest → prune. Verdicts and messages are pure functions in
 * shared/backups (verdicts.ts, run.ts); this file only sequences. Retryable failures (409
 * ServiceLocked, transient errors, a transitioning service, an operation lost) share one budget.
 * The run ends in the one outcome vocabulary; a run that did not verify a backup prunes nothing.
 */

const run = lazy(() => import('../../shared/backups/run'));
const naming = lazy(() => import('../../shared/backups/naming'));
const verdicts = lazy(() => import('../../shared/backups/verdicts'));

const EVENT = 'lifeboat.backup.run';

interface RunState {
  readonly input: BackupRunInput;
  readonly retry: Retry;
  readonly startedAt: Date;
  polls: number;
  blobName?: string;
}

orchestration(names.backupOrchestration, {
  uses: [run, naming, verdicts],
  input: () => run.get().backupRunInputSchema,
  event: EVENT,
  ended: (ending, raw) => ({
    serviceName: inputText(raw, 'serviceName', 80),
    ...ending,
    retries: 0,
    polls: 0,
  }),
  *run(context, input) {
    const budget = { limit: input.retryBudget, baseMs: input.retryBaseMs, maxMs: input.retryMaxMs, used: 0 };
    const state: RunState = {
      input,
      startedAt: context.df.currentUtcDateTime,
      polls: 0,
      retry: {
        budget,
        onWait: (w) =>
          setStatus(context, state, 'retrying', {
            nextCheckAt: w.nextCheckAt,
            lastProblem: w.problem,
            waitingFor: 'a retry',
          }),
      },
    };
    // Only Lifeboat's own starts (the timer, POST /api/backups) use the service's singleton id;
    // a run started around it (the Durable HTTP API) would stack on a running one.
    const expectedId = run.get().backupInstanceId(input.serviceName);
    if (context.df.instanceId !== expectedId) {
      const { code, message } = verdicts
        .get()
        .notSingleton(`backup runs of ${input.serviceName}`, expectedId, '/api/backups');
      return end(context, state, refused(code, message));
    }
    try {
      return yield* backUp(context, state);
    } catch (error) {
      const problem = publicError(error);
      return end(context, state, {
        outcome: problem.code === 'BackupTimeout' ? 'timedOut' : 'failed',
        error: problem,
      });
    }
  },
});

function* backUp(context: OrchestrationContext, state: RunState): Gen<BackupRunResult> {
  const { input, retry } = state;
  const v = verdicts.get();

  setStatus(context, state, 'preflight');
  const service = yield* preflight(
    context,
    retry,
    names.preflightBackup,
    { resourceId: input.resourceId },
    (d) => v.preflightWait(input.serviceName, d),
    (w) =>
      setStatus(context, state, 'waiting-for-service', {
        nextCheckAt: w.nextCheckAt,
        lastProblem: w.problem,
        waitingFor: 'the service to finish its current operation',
      }),
  );
  const refusal = v.preflightRefusal(input.serviceName, service.decision);
  if (refusal !== undefined) return end(context, state, refused(refusal.code, refusal.message));

  setStatus(context, state, 'ensuring-container', { percent: 5 });
  yield* callRetrying(context, retry, names.ensureBackupContainer, {});

  // Named once per run, from orchestration time, so replays and retries reuse the same blob; the
  // begin POSTs at most once per blob and first verifies earlier runs' backups that completed late.
  const takenAt = context.df.currentUtcDateTime;
  const blobName = naming.get().backupBlobName(input.serviceName, takenAt);
  state.blobName = blobName;
  // Begin again only after the operation ended without a backup (`lost`), within the budget.
  for (;;) {
    setStatus(context, state, 'starting', { percent: 10 });
    const op = yield* apimOperation(context, {
      retry,
      begin: names.beginApimBackup,
      beginInput: { resourceId: input.resourceId, blobName, region: service.location, tier: service.tier },
      // A 403 on the poll makes it watch the blob instead (`watching: 'blob'`).
      poll: { resourceId: input.resourceId, blobName },
      timeoutMs: input.timeoutMs,
      pollDefaultMs: input.pollDefaultMs,
      watch: { initial: undefined, observe: v.observeBackupPoll },
      onPoll: () => state.polls++,
      onWait: (at, watching) =>
        setStatus(context, state, 'polling', {
          percent: 15,
          nextCheckAt: at.toISOString(),
          waitingFor: v.backupWaitingFor(watching),
        }),
    });
    if (op.status === 'timedOut') {
      const { code, message } = v.backupTimeout(input.serviceName, input.timeoutMs, op.state);
      return end(context, state, timedOut(code, message));
    }
    if (op.status !== 'lost') break;
    yield* retryLater(context, retry, v.backupLost(input.serviceName, op.reason));
  }

  setStatus(context, state, 'verifying', { percent: 85 });
  const verified = yield* callRetrying(context, retry, names.verifyBackup, {
    blobName,
    serviceName: input.serviceName,
    region: service.location,
    tier: service.tier,
    takenAt: takenAt.toISOString(),
  });

  // The manifest (what a restore is verified against) and the prune are reported on their own:
  // the backup has succeeded whatever they do.
  setStatus(context, state, 'writing-manifest', { percent: 90 });
  const manifest = yield* onItsOwn<ManifestReport>(
    context,
    state,
    function* (own) {
      const written = yield* callRetrying(context, own, names.writeBackupManifest, {
        resourceId: input.resourceId,
        blobName,
      });
      return { outcome: 'succeeded', blobName: written.blobName, counts: written.counts };
    },
    (error) => ({ outcome: 'failed', error }),
  );
  setStatus(context, state, 'pruning', { percent: 95 });
  const prune = yield* onItsOwn(
    context,
    state,
    function* (own) {
      const now = () => ({
        serviceName: input.serviceName,
        now: context.df.currentUtcDateTime.toISOString(),
      });
      return run.get().pruneReportOf(yield* callRetrying(context, own, names.pruneBackups, now));
    },
    run.get().pruneNotDone,
  );
  return end(context, state, {
    outcome: 'succeeded',
    takenAt: takenAt.toISOString(),
    sizeBytes: verified.sizeBytes,
    pruned: prune.deleted,
    prune,
    manifest,
  });
}

/**
 * A step after the verified backup, on its own small budget: its failure is reported (`failed`),
 * never fatal to the backup, and the next run tries again.
 */
function* onItsOwn<T>(
  context: OrchestrationContext,
  state: RunState,
  step: (own: Retry) => Gen<T>,
  failed: (error: Problem) => T,
): Gen<T> {
  try {
    return yield* step({ budget: run.get().pruneRetryBudget(state.input) });
  } catch (error) {
    return failed(publicError(error));
  }
}

/** Custom status while the run progresses. */
function setStatus(
  context: OrchestrationContext,
  state: RunState,
  phase: BackupProgress['phase'],
  extra: Partial<BackupProgress> = {},
): void {
  const status: BackupProgress = {
    phase,
    serviceName: state.input.serviceName,
    retries: state.retry.budget.used,
    polls: state.polls,
    ...extra,
  };
  if (state.blobName !== undefined) status.blobName = state.blobName;
  context.df.setCustomStatus(status);
}

function end(
  context: OrchestrationContext,
  state: RunState,
  result: Pick<
    BackupRunResult,
    'outcome' | 'error' | 'sizeBytes' | 'pruned' | 'prune' | 'takenAt' | 'manifest'
  >,
): BackupRunResult {
  const { serviceName } = state.input;
  const counts = { retries: state.retry.budget.used, polls: state.polls };
  const out: BackupRunResult = {
    serviceName,
    ...result,
    ...(state.blobName === undefined ? {} : { blobName: state.blobName }),
    ...counts,
  };
  return finish(context, EVENT, out, {
    service: serviceName,
    serviceName,
    blobName: state.blobName ?? null,
    ...counts,
    durationMs: context.df.currentUtcDateTime.getTime() - state.startedAt.getTime(),
  });
}

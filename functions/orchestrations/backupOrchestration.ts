import type { OrchestrationContext } from 'durable-functions';
import type {
  BackupProgress,
  BackupRunInput,
  BackupRunResult,
  ManifestReport,
  PruneReport,
} from '../../shared/backups/run';
import { publicError, TransientError } from '../../shared/errors';
import { refused, timedOut } from '../../shared/outcome';
import {
  backoff,
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
import { backup as names } from '../names/backup';

/**
 * One backup run of one APIM service: preflight → container → begin → poll with durable timers
 * honouring Retry-After → verify → prune. Every decision is a pure function in shared/backups;
 * this file only sequences. Retryable failures (409 ServiceLocked, transient errors, a
 * transitioning service) share one budget and wait with backoff and jitter on durable timers. The
 * run ends in the one outcome vocabulary; a run that did not verify a backup prunes nothing.
 */

const run = lazy(() => import('../../shared/backups/run'));
const naming = lazy(() => import('../../shared/backups/naming'));

const EVENT = 'lifeboat.backup.run';

interface RunState {
  readonly input: BackupRunInput;
  readonly budget: RetryBudget;
  polls: number;
  blobName?: string;
}

orchestration(names.backupOrchestration, {
  uses: [run, naming],
  input: () => run.get().backupRunInputSchema,
  event: EVENT,
  ended: (ending, raw) => ({
    serviceName: inputText(raw, 'serviceName', 80),
    ...ending,
    retries: 0,
    polls: 0,
  }),
  *run(context, input) {
    const state: RunState = {
      input,
      budget: { limit: input.retryBudget, baseMs: input.retryBaseMs, maxMs: input.retryMaxMs, used: 0 },
      polls: 0,
    };
    const startedAt = context.df.currentUtcDateTime;
    // Only Lifeboat's own starts (the timer, POST /api/backups) use the service's singleton id;
    // a run started around it (the Durable HTTP API) would stack on a running one.
    const expectedId = run.get().backupInstanceId(input.serviceName);
    if (context.df.instanceId !== expectedId) {
      return end(context, state, startedAt, {
        ...refused(
          'NotSingleton',
          `backup runs of ${input.serviceName} use the instance id ${expectedId}: start them with POST /api/backups`,
        ),
      });
    }
    try {
      return yield* backUp(context, state, startedAt);
    } catch (error) {
      const problem = publicError(error);
      return end(context, state, startedAt, {
        outcome: problem.code === 'BackupTimeout' ? 'timedOut' : 'failed',
        error: problem,
      });
    }
  },
});

function* backUp(context: OrchestrationContext, state: RunState, startedAt: Date): Gen<BackupRunResult> {
  const { input } = state;
  const onRetry = (w: RetryWait) =>
    setStatus(context, state, 'retrying', {
      nextCheckAt: w.nextCheckAt,
      lastProblem: w.problem,
      waitingFor: 'a retry',
    });

  // 1. Preflight: a tier that cannot be backed up is refused; a transitioning service is waited for.
  setStatus(context, state, 'preflight');
  const service = yield* retrying(
    context,
    state.budget,
    function* () {
      const s = yield* call(context, names.preflightBackup, { resourceId: input.resourceId });
      if (s.decision.kind === 'wait')
        throw new TransientError(`${input.serviceName}: ${s.decision.reason}`, {
          code: 'ServiceTransitioning',
        });
      return s;
    },
    (w) =>
      w.problem.code === 'ServiceTransitioning'
        ? setStatus(context, state, 'waiting-for-service', {
            nextCheckAt: w.nextCheckAt,
            lastProblem: w.problem,
            waitingFor: 'the service to finish its current operation',
          })
        : onRetry(w),
  );
  if (service.decision.kind === 'unsupported')
    return end(
      context,
      state,
      startedAt,
      refused(service.decision.code, `${input.serviceName}: ${service.decision.reason}`),
    );

  // 2. The private container.
  setStatus(context, state, 'ensuring-container', { percent: 5 });
  yield* retrying(context, state.budget, () => call(context, names.ensureBackupContainer, {}), onRetry);

  // 3. Begin. Named once per run, from orchestration time, so replays and retries reuse the same
  // blob; the begin POSTs at most once per blob (a retried or redelivered begin finds the accepted
  // operation) and first verifies earlier runs' backups that completed after their run ended.
  const takenAt = context.df.currentUtcDateTime;
  const blobName = naming.get().backupBlobName(input.serviceName, takenAt);
  state.blobName = blobName;
  // Begin again only after the operation ended without a backup (`lost`), within the budget.
  for (;;) {
    setStatus(context, state, 'starting', { percent: 10 });
    const begun = yield* retrying(
      context,
      state.budget,
      () =>
        call(context, names.beginApimBackup, {
          resourceId: input.resourceId,
          blobName,
          region: service.location,
          tier: service.tier,
        }),
      onRetry,
    );
    if (begun.status !== 'running') break;

    // 4. Poll the operation until it is done or the run's timeout passes. Poll errors are retried
    // as polls; a 403 on the poll makes the poll watch the blob instead (`watching`).
    let token = begun.token;
    let watching: 'blob' | 'service' | undefined;
    // The timeout counts from the accepted POST (the setting's meaning), not from waits before it.
    const deadline = new Date(context.df.currentUtcDateTime.getTime() + input.timeoutMs);
    const polled = yield* pollUntil(context, {
      deadline,
      intervalMs: input.pollDefaultMs,
      firstRetryAfterMs: begun.retryAfterMs,
      onWait: (at) =>
        setStatus(context, state, 'polling', {
          percent: 15,
          nextCheckAt: at.toISOString(),
          waitingFor:
            watching === 'blob'
              ? 'the backup blob (the operation cannot be read: 403 on its poll)'
              : 'the backup operation at API Management',
        }),
      *poll() {
        state.polls++;
        const p = yield* retrying(
          context,
          state.budget,
          () => call(context, names.pollApimOperation, { resourceId: input.resourceId, token, blobName }),
          onRetry,
        );
        if (p.status !== 'running') return { done: true, value: p };
        token = p.token;
        watching = p.watching;
        return { done: false, retryAfterMs: p.retryAfterMs };
      },
    });
    if (!polled.done)
      return end(
        context,
        state,
        startedAt,
        timedOut(
          'BackupTimeout',
          watching === 'blob'
            ? `${input.serviceName}: backup blob not written ${Math.round(input.timeoutMs / 60000)} minutes after the accepted POST (the operation cannot be read: 403 on its poll)`
            : `${input.serviceName}: backup still running after ${Math.round(input.timeoutMs / 60000)} minutes`,
        ),
      );
    if (polled.value.status !== 'lost') break;
    yield* backoff(
      context,
      state.budget,
      new TransientError(`${input.serviceName}: ${polled.value.reason}`, { code: 'BackupOperationLost' }),
      onRetry,
    );
  }

  // 5. Verify the blob.
  setStatus(context, state, 'verifying', { percent: 85 });
  const verified = yield* retrying(
    context,
    state.budget,
    () =>
      call(context, names.verifyBackup, {
        blobName,
        serviceName: input.serviceName,
        region: service.location,
        tier: service.tier,
        takenAt: takenAt.toISOString(),
      }),
    onRetry,
  );

  // 6. The configuration manifest beside the backup (what a restore is verified against). The
  // backup has succeeded whatever this does: a problem is reported in `manifest`.
  setStatus(context, state, 'writing-manifest', { percent: 90 });
  const manifest = yield* writeManifest(context, state, blobName);

  // 7. Only now, with a verified backup in place, may old ones go. The backup has succeeded
  // whatever the prune does: the prune reports on its own (`prune`), on its own budget.
  setStatus(context, state, 'pruning', { percent: 95 });
  const prune = yield* pruneOldBackups(context, state);

  return end(context, state, startedAt, {
    outcome: 'succeeded',
    takenAt: takenAt.toISOString(),
    sizeBytes: verified.sizeBytes,
    pruned: prune.deleted,
    prune,
    manifest,
  });
}

/**
 * Writes the manifest beside a verified backup, retried within its own small budget (like the
 * prune); a failure is reported (`manifest.outcome: failed`), never fatal to the backup.
 */
function* writeManifest(
  context: OrchestrationContext,
  state: RunState,
  blobName: string,
): Gen<ManifestReport> {
  try {
    const written = yield* retrying(context, run.get().pruneRetryBudget(state.input), () =>
      call(context, names.writeBackupManifest, { resourceId: state.input.resourceId, blobName }),
    );
    return { outcome: 'succeeded', blobName: written.blobName, counts: written.counts };
  } catch (error) {
    return { outcome: 'failed', error: publicError(error) };
  }
}

/**
 * Prunes after a verified backup. Blobs that cannot be deleted come back in the report (skipped,
 * not fatal); a prune that fails as a whole (listing, summary write) is retried within its own
 * small budget, then reported as `failed`. Either way the next run tries again.
 */
function* pruneOldBackups(context: OrchestrationContext, state: RunState): Gen<PruneReport> {
  const { input } = state;
  try {
    const outcome = yield* retrying(context, run.get().pruneRetryBudget(input), () =>
      call(context, names.pruneBackups, {
        serviceName: input.serviceName,
        now: context.df.currentUtcDateTime.toISOString(),
      }),
    );
    return run.get().pruneReportOf(outcome);
  } catch (error) {
    return run.get().pruneNotDone(publicError(error));
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
    retries: state.budget.used,
    polls: state.polls,
    ...extra,
  };
  if (state.blobName !== undefined) status.blobName = state.blobName;
  context.df.setCustomStatus(status);
}

function end(
  context: OrchestrationContext,
  state: RunState,
  startedAt: Date,
  result: Pick<
    BackupRunResult,
    'outcome' | 'error' | 'sizeBytes' | 'pruned' | 'prune' | 'takenAt' | 'manifest'
  >,
): BackupRunResult {
  const out: BackupRunResult = {
    serviceName: state.input.serviceName,
    ...result,
    ...(state.blobName === undefined ? {} : { blobName: state.blobName }),
    retries: state.budget.used,
    polls: state.polls,
  };
  return finish(context, EVENT, out, {
    service: state.input.serviceName,
    serviceName: state.input.serviceName,
    blobName: state.blobName ?? null,
    retries: state.budget.used,
    polls: state.polls,
    durationMs: context.df.currentUtcDateTime.getTime() - startedAt.getTime(),
  });
}

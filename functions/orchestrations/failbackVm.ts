import type { OrchestrationContext } from 'durable-functions';
import type { FailbackVmInput, VmFailbackOutcome } from '../../shared/onprem/contracts';
import type { Problem } from '../../shared/outcome';
import type { RunAgentCommandInput, RunAgentCommandOutcome } from '../../shared/relay/contracts';
import { finish, lazy, orchestration, pollUntil, progress, runCommand, type Gen } from '../kit';
import { onprem as names } from '../names/onprem';

/**
 * Fails back one Hyper-V Replica VM (onprem-commands.md, "Hyper-V Replica: failback"):
 * `hyperv.initiateFailback`; 4096 → poll `hyperv.jobStatus` to completion; 0, 32775-already-applied
 * or a finished job → poll `hyperv.replicationState` until FailbackCompleted; all bounded by the
 * operation timeout. Returns the VM's outcome; never throws (vmFailback's fan-out relies on it).
 *
 * On a failover cluster (issue 22 item 9) the agent calls WMI on the node that owns the VM and
 * names it in its answers: the job is polled on that node (`vm` and `node` in `hyperv.jobStatus`).
 * A VM whose role moved to another node (`VmMoved`) has InitiateFailback sent again (it targets the
 * new owner, which reads the state first) or, during the job, its replication state read on the
 * new owner; the move is kept in the outcome (`vmMoved`).
 *
 * `action: 'testFailover'` is the drill variant (recovery.md, "Hyper-V Replica drill primitive"):
 * `hyperv.startTestFailover` → `hyperv.replicationState` (evidence that replication is untouched)
 * → `hyperv.stopTestFailover`, the stop ALWAYS, also after a start or check that failed or timed
 * out (the start may have created the test VM). Its commands are always sent in drill mode: the
 * agent then refuses anything that would change production, whatever the caller's mode.
 */

const contracts = lazy(() => import('../../shared/onprem/contracts'));
const hyperv = lazy(() => import('../../shared/onprem/hyperv'));

const EVENT = 'lifeboat.onprem.failbackVm';

orchestration(names.failbackVm, {
  uses: [contracts, hyperv],
  input: () => contracts.get().failbackVmInputSchema,
  event: EVENT,
  // A failover changes production: only Lifeboat starts one (issue 20).
  lifeboatOnly: (input) => input.mode === 'failover',
  ended: (ending, raw) => ({
    vm:
      typeof (raw as { vm?: unknown } | null)?.vm === 'string'
        ? String((raw as { vm: string }).vm)
        : '(unknown)',
    ...ending,
    polls: 0,
  }),
  *run(context, input) {
    const outcome =
      input.action === 'testFailover' ? yield* testFailover(context, input) : yield* failBack(context, input);
    return finish(context, EVENT, outcome, { site: input.site, vm: input.vm, action: input.action });
  },
});

function* testFailover(context: OrchestrationContext, input: FailbackVmInput): Gen<VmFailbackOutcome> {
  const h = hyperv.get();
  const { vm } = input;
  const command = <T extends RunAgentCommandInput['type']>(type: T, params: Record<string, unknown>) =>
    ({ site: input.site, type, params, mode: 'drill', timeouts: input.timeouts }) as const;

  progress(context, {
    phase: 'startingTestFailover',
    percent: 0,
    waitingFor: `Start-VMFailover -AsTest of ${vm}`,
    vm,
  });
  const start = yield* guarded(
    context,
    command('hyperv.startTestFailover', {
      vm,
      ...(input.recoveryPointId === undefined ? {} : { recoveryPointId: input.recoveryPointId }),
    }),
  );
  let polls = 0;
  let check: ReturnType<typeof h.testFailoverCheck> | undefined;
  if (start.outcome === 'succeeded') {
    progress(context, { phase: 'checkingTestVm', percent: 40, waitingFor: `replication state of ${vm}`, vm });
    check = h.testFailoverCheck(yield* guarded(context, command('hyperv.replicationState', { vm })));
    polls++;
  }
  // Always: the start may have created the test VM even when it failed or did not answer.
  progress(context, {
    phase: 'stoppingTestFailover',
    percent: 70,
    waitingFor: `Stop-VMFailover of ${vm}`,
    vm,
  });
  const stop = yield* guarded(context, command('hyperv.stopTestFailover', { vm }));
  return h.testFailoverOutcome({ vm, start, check, stop, polls });
}

/**
 * `runCommand` whose unexpected failure (the relay sub-orchestration itself failing, e.g. storage
 * down while sending) becomes a `failed` outcome instead of escaping: the stop after it must still
 * run, and the VM's outcome must still carry its test VM evidence.
 */
function* guarded<T extends RunAgentCommandInput['type']>(
  context: OrchestrationContext,
  input: RunAgentCommandInput & { type: T },
): Gen<RunAgentCommandOutcome<T>> {
  try {
    return yield* runCommand(context, input);
  } catch (error) {
    return hyperv.get().commandCrashed(input.type, error);
  }
}

function* failBack(context: OrchestrationContext, input: FailbackVmInput): Gen<VmFailbackOutcome> {
  const h = hyperv.get();
  const { vm } = input;
  const deadline = new Date(context.df.currentUtcDateTime.getTime() + input.timeoutMs);
  const command = <T extends RunAgentCommandInput['type']>(type: T, params: Record<string, unknown>) =>
    ({ site: input.site, type, params, mode: input.mode, timeouts: input.timeouts }) as const;
  let polls = 0;

  progress(context, { phase: 'initiating', percent: 0, waitingFor: `InitiateFailback of ${vm}`, vm });
  // 32774 (in use) and 32777 (not available) may pass: retry with backoff within the budget.
  let retries = 0;
  let initiate: RunAgentCommandOutcome<'hyperv.initiateFailback'> | undefined;
  let lastRetry: Problem | undefined;
  let vmMoved: Problem | undefined;
  const initiated = yield* pollUntil(context, {
    deadline,
    intervalMs: input.pollMs,
    immediate: true,
    onWait: (at) =>
      progress(context, {
        phase: 'initiating',
        percent: 0,
        waitingFor: `InitiateFailback of ${vm} again (${lastRetry?.code ?? 'temporary'}: retry ${retries})`,
        nextCheckAt: at.toISOString(),
        vm,
      }),
    *poll() {
      initiate = yield* runCommand(
        context,
        command('hyperv.initiateFailback', {
          vm,
          ...(input.recoveryPointId === undefined ? {} : { recoveryPointId: input.recoveryPointId }),
        }),
      );
      const next = h.failbackNextStep(initiate);
      if (next.next !== 'retry') return { done: true, value: next };
      if (h.isVmMoved(next.error)) vmMoved = next.error;
      lastRetry = next.error;
      const delay = h.failbackRetryDelayMs(retries, input.pollMs);
      retries++;
      return { done: false, retryAfterMs: delay };
    },
  });
  if (!initiated.done || initiate === undefined)
    return {
      vm,
      outcome: 'failed',
      polls,
      ...(initiate?.output === undefined ? {} : { returnCode: initiate.output.returnCode }),
      error: {
        code: lastRetry?.code ?? 'timedOut',
        message: `InitiateFailback of ${vm} still answered ${lastRetry?.message ?? 'nothing'} after ${retries} retries at the deadline`,
      },
      ...(vmMoved === undefined ? {} : { vmMoved }),
    };
  const first = initiated.value;
  const ids = {
    ...(initiate.output?.jobId === undefined ? {} : { jobId: initiate.output.jobId }),
    ...(initiate.output === undefined ? {} : { returnCode: initiate.output.returnCode }),
  };
  const stop = (outcome: VmFailbackOutcome['outcome'], error: Problem | undefined): VmFailbackOutcome => ({
    vm,
    outcome,
    polls,
    ...ids,
    ...(error ? { error } : {}),
    ...(vmMoved === undefined ? {} : { vmMoved }),
  });
  if (first.next === 'stop') return stop(first.outcome, first.error);
  const alreadyDone = initiate.alreadyDone === true ? { alreadyDone: true as const } : {};

  if (first.next === 'pollJob') {
    // On a cluster the job lives on the node that ran the call: the agent reads it there.
    const node = initiate.output?.node;
    const jobParams = { jobId: first.jobId, ...(node === undefined ? {} : { vm, node }) };
    const job = yield* pollUntil(context, {
      deadline,
      intervalMs: input.pollMs,
      onWait: (at) =>
        progress(context, {
          phase: 'pollingJob',
          percent: 30,
          waitingFor: `failback job ${first.jobId}`,
          nextCheckAt: at.toISOString(),
          vm,
          jobId: first.jobId,
          polls,
        }),
      *poll() {
        const status = yield* runCommand(context, command('hyperv.jobStatus', jobParams));
        polls++;
        if (status.outcome === 'timedOut') return { done: false };
        if (status.outcome !== 'succeeded' || status.output === undefined) {
          // A finished job Hyper-V already removed, or a VM that moved to another node, is not a
          // failure: the state tells (below), read on the VM's owner.
          if (h.isVmMoved(status.error)) vmMoved = status.error;
          const failure = h.jobReadFailure(status);
          if (failure.next === 'readState') return { done: true, value: undefined };
          return { done: true, value: stop(failure.outcome, failure.error) };
        }
        const verdict = h.failbackJobVerdict(status.output);
        if (verdict.verdict === 'running') return { done: false };
        return {
          done: true,
          value: verdict.verdict === 'failed' ? stop('failed', verdict.error) : undefined,
        };
      },
    });
    if (!job.done)
      return stop('timedOut', {
        code: 'timedOut',
        message: `failback job ${first.jobId} still running at the deadline`,
      });
    if (job.value !== undefined) return job.value;
  }

  // Read the state at once after the initiate/job, then on the poll interval.
  const state = yield* pollUntil(context, {
    deadline,
    intervalMs: input.pollMs,
    immediate: true,
    onWait: (at) =>
      progress(context, {
        phase: 'pollingState',
        percent: 70,
        waitingFor: `${vm} to reach FailbackCompleted`,
        nextCheckAt: at.toISOString(),
        vm,
        polls,
      }),
    *poll() {
      const read = yield* runCommand(context, command('hyperv.replicationState', { vm }));
      polls++;
      if (read.outcome === 'timedOut') return { done: false };
      // The role moved while its state was read: the next read goes to the new owner.
      if (h.isVmMoved(read.error)) {
        vmMoved = read.error;
        return { done: false };
      }
      if (read.outcome !== 'succeeded' || read.output === undefined)
        return { done: true, value: stop(read.outcome, read.error) };
      const replicationState = read.output.replicationState;
      const verdict = h.failbackStateVerdict(replicationState);
      if (verdict === 'inProgress') return { done: false };
      if (verdict === 'done')
        return { done: true, value: { ...stop('succeeded', undefined), ...alreadyDone, replicationState } };
      return {
        done: true,
        value: {
          ...stop('failed', {
            code: 'replicationState',
            message: `replication state is ${replicationState}`,
          }),
          replicationState,
        },
      };
    },
  });
  if (!state.done)
    return stop('timedOut', {
      code: 'timedOut',
      message: 'replication state not FailbackCompleted at the deadline',
    });
  return state.value;
}

import type { OrchestrationContext } from 'durable-functions';
import type { FailbackVmInput, VmFailbackOutcome } from '../../shared/onprem/contracts';
import type { Problem } from '../../shared/outcome';
import type { RunAgentCommandInput } from '../../shared/relay/contracts';
import { finish, lazy, orchestration, pollUntil, progress, runCommand, type Gen } from '../kit';
import { onprem as names } from '../names/onprem';

/**
 * Fails back one Hyper-V Replica VM (onprem-commands.md, "Hyper-V Replica: failback"):
 * `hyperv.initiateFailback`; 4096 → poll `hyperv.jobStatus` to completion; 0, 32775-already-applied
 * or a finished job → poll `hyperv.replicationState` until FailbackCompleted; all bounded by the
 * operation timeout. Returns the VM's outcome; never throws (vmFailback's fan-out relies on it).
 */

const contracts = lazy(() => import('../../shared/onprem/contracts'));
const hyperv = lazy(() => import('../../shared/onprem/hyperv'));

const EVENT = 'lifeboat.onprem.failbackVm';

orchestration(names.failbackVm, {
  uses: [contracts, hyperv],
  input: () => contracts.get().failbackVmInputSchema,
  event: EVENT,
  ended: (ending, raw) => ({
    vm:
      typeof (raw as { vm?: unknown } | null)?.vm === 'string'
        ? String((raw as { vm: string }).vm)
        : '(unknown)',
    ...ending,
    polls: 0,
  }),
  *run(context, input) {
    return finish(context, EVENT, yield* failBack(context, input), { site: input.site, vm: input.vm });
  },
});

function* failBack(context: OrchestrationContext, input: FailbackVmInput): Gen<VmFailbackOutcome> {
  const h = hyperv.get();
  const { vm } = input;
  const deadline = new Date(context.df.currentUtcDateTime.getTime() + input.timeoutMs);
  const command = <T extends RunAgentCommandInput['type']>(type: T, params: Record<string, unknown>) =>
    ({ site: input.site, type, params, mode: input.mode, timeouts: input.timeouts }) as const;
  let polls = 0;

  progress(context, { phase: 'initiating', percent: 0, waitingFor: `InitiateFailback of ${vm}`, vm });
  const initiate = yield* runCommand(
    context,
    command('hyperv.initiateFailback', {
      vm,
      ...(input.recoveryPointId === undefined ? {} : { recoveryPointId: input.recoveryPointId }),
    }),
  );
  const first = h.failbackNextStep(initiate);
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
  });
  if (first.next === 'stop') return stop(first.outcome, first.error);
  const alreadyDone = initiate.alreadyDone === true ? { alreadyDone: true as const } : {};

  if (first.next === 'pollJob') {
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
        const status = yield* runCommand(context, command('hyperv.jobStatus', { jobId: first.jobId }));
        polls++;
        if (status.outcome === 'timedOut') return { done: false };
        if (status.outcome !== 'succeeded' || status.output === undefined)
          return { done: true, value: stop(status.outcome, status.error) };
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

import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import type { CommandOutput } from '../../shared/contracts';
import { errorMessage } from '../../shared/errors';
import { redact } from '../../shared/config/redact';
import {
  failbackVmInputSchema,
  parseRelayInput,
  type FailbackVmInput,
  type RunAgentCommandInput,
  type RunAgentCommandOutcome,
  type VmFailbackOutcome,
} from '../../shared/relay/contracts';
import { failbackNextStep, failbackStateVerdict, nextPoll } from '../../shared/relay/decisions';
import { relayFunctions as names } from '../names/relay';

/**
 * Fails back one Hyper-V Replica VM (onprem-commands.md, "Hyper-V Replica: failback"):
 * `hyperv.initiateFailback`; 4096 → poll `hyperv.jobStatus` to completion; 0, 32775-already-applied
 * or a finished job → poll `hyperv.replicationState` until FailbackCompleted; all bounded by the
 * operation timeout. Returns the VM's outcome; never throws (vmFailback's fan-out relies on it).
 */

type Gen<T> = Generator<Task, T, unknown>;

function* failbackVm(context: OrchestrationContext): Gen<VmFailbackOutcome> {
  const raw = context.df.getInput<Partial<FailbackVmInput> | null>();
  const vm = typeof raw?.vm === 'string' ? raw.vm : '(unknown)';
  let polls = 0;
  try {
    const input = parseRelayInput(failbackVmInputSchema, raw, names.failbackVm);
    const deadline = new Date(context.df.currentUtcDateTime.getTime() + input.timeoutMs);
    const command = (
      type: RunAgentCommandInput['type'],
      params: Record<string, unknown>,
    ): RunAgentCommandInput => ({
      site: input.site,
      type,
      params,
      mode: input.mode,
      timeouts: input.timeouts,
    });
    const run = function* (
      type: RunAgentCommandInput['type'],
      params: Record<string, unknown>,
    ): Gen<RunAgentCommandOutcome> {
      return (yield context.df.callSubOrchestrator(
        names.runAgentCommand,
        command(type, params),
      )) as RunAgentCommandOutcome;
    };

    context.df.setCustomStatus({ phase: 'initiating', vm });
    const initiate = yield* run('hyperv.initiateFailback', {
      vm,
      ...(input.recoveryPointId === undefined ? {} : { recoveryPointId: input.recoveryPointId }),
    });
    const first = failbackNextStep(initiate);
    const initOut = initiate.output as CommandOutput<'hyperv.initiateFailback'> | undefined;
    const ids = {
      ...(initOut?.jobId === undefined ? {} : { jobId: initOut.jobId }),
      ...(initOut === undefined ? {} : { returnCode: initOut.returnCode }),
    };
    if (first.next === 'stop')
      return { vm, outcome: first.outcome, polls, ...ids, ...(first.error ? { error: first.error } : {}) };
    // `polls` is read when called, so the outcome reports the polls made so far.
    const timedOut = (message: string): VmFailbackOutcome => ({
      vm,
      outcome: 'timedOut',
      polls,
      ...ids,
      error: { code: 'timedOut', message },
    });
    const success: VmFailbackOutcome['outcome'] =
      initiate.outcome === 'alreadyDone' ? 'alreadyDone' : 'succeeded';

    if (first.next === 'pollJob') {
      for (;;) {
        const step = nextPoll(context.df.currentUtcDateTime, input.pollMs, deadline);
        if (step.next === 'timedOut')
          return timedOut(`failback job ${first.jobId} still running at the deadline`);
        context.df.setCustomStatus({ phase: 'pollingJob', vm, jobId: first.jobId, polls });
        yield context.df.createTimer(step.fireAt);
        const job = yield* run('hyperv.jobStatus', { jobId: first.jobId });
        polls++;
        if (job.outcome === 'timedOut') continue;
        if (job.outcome !== 'succeeded' && job.outcome !== 'alreadyDone')
          return { vm, outcome: job.outcome, polls, ...ids, ...(job.error ? { error: job.error } : {}) };
        const out = job.output as CommandOutput<'hyperv.jobStatus'>;
        if (out.state === 'failed') {
          return {
            vm,
            outcome: 'failed',
            polls,
            ...ids,
            error: {
              code: `job-${out.jobState}`,
              message:
                out.errorDescription ??
                `failback job ended ${out.jobState} (error ${out.errorCode ?? 'none'})`,
            },
          };
        }
        if (out.state === 'done') break;
      }
    }

    // Read the state at once after the initiate/job, then on the poll interval.
    for (let firstRead = true; ; firstRead = false) {
      if (!firstRead) {
        const step = nextPoll(context.df.currentUtcDateTime, input.pollMs, deadline);
        if (step.next === 'timedOut')
          return timedOut('replication state not FailbackCompleted at the deadline');
        context.df.setCustomStatus({ phase: 'pollingState', vm, polls });
        yield context.df.createTimer(step.fireAt);
      }
      const state = yield* run('hyperv.replicationState', { vm });
      polls++;
      if (state.outcome === 'timedOut') continue;
      if (state.outcome !== 'succeeded' && state.outcome !== 'alreadyDone')
        return { vm, outcome: state.outcome, polls, ...ids, ...(state.error ? { error: state.error } : {}) };
      const out = state.output as CommandOutput<'hyperv.replicationState'>;
      const verdict = failbackStateVerdict(out.replicationState);
      if (verdict === 'done')
        return { vm, outcome: success, replicationState: out.replicationState, polls, ...ids };
      if (verdict === 'failed')
        return {
          vm,
          outcome: 'failed',
          replicationState: out.replicationState,
          polls,
          ...ids,
          error: { code: 'replicationState', message: `replication state is ${out.replicationState}` },
        };
    }
  } catch (error) {
    // A failed child (bad input, an orchestration bug) is this VM's failure, not the fan-out's.
    return {
      vm,
      outcome: 'failed',
      polls,
      error: { code: 'orchestrationError', message: redact(errorMessage(error)).slice(0, 1024) },
    };
  }
}

df.app.orchestration(names.failbackVm, failbackVm);

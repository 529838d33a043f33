import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import {
  parseRelayInput,
  vmFailbackInputSchema,
  type FailbackVmInput,
  type RelaySettings,
  type VmFailbackOutcome,
  type VmFailbackResult,
} from '../../shared/relay/contracts';
import { batches, summariseFailback } from '../../shared/relay/decisions';
import { relayFunctions as names } from '../names/relay';

/**
 * Fails back a set of Hyper-V Replica VMs at one site: one `failbackVm` sub-orchestration per VM,
 * at most `concurrency` at a time (batches), and a per-VM report. Overall `succeeded` when every
 * VM is failed back (or already was), `failed` when none is, `partial` otherwise: a partial
 * failure is a result, not a crash (threats-and-faults.md, "partial failover").
 */

type Gen<T> = Generator<Task, T, unknown>;

function* vmFailback(context: OrchestrationContext): Gen<VmFailbackResult> {
  const input = parseRelayInput(vmFailbackInputSchema, context.df.getInput(), names.vmFailback);
  let settings: RelaySettings | undefined;
  if (
    input.concurrency === undefined ||
    input.pollMs === undefined ||
    input.timeoutMs === undefined ||
    input.timeouts === undefined
  ) {
    settings = (yield context.df.callActivity(names.relaySettings)) as RelaySettings;
  }
  const concurrency = input.concurrency ?? settings?.fanoutConcurrency ?? 5;
  const child = (vm: string): FailbackVmInput => ({
    site: input.site,
    vm,
    mode: input.mode,
    pollMs: input.pollMs ?? settings?.pollMs ?? 30_000,
    timeoutMs: input.timeoutMs ?? settings?.operationTimeoutMs ?? 4 * 3600_000,
    timeouts: input.timeouts ??
      settings?.timeouts ?? { deliveryMs: 120_000, executionMs: 300_000, maxAttempts: 2 },
    ...(input.recoveryPointId === undefined ? {} : { recoveryPointId: input.recoveryPointId }),
  });

  // Distinct VMs only: the same VM twice would race two failbacks of one machine.
  const vms = [...new Set(input.vms)];
  const outcomes: VmFailbackOutcome[] = [];
  for (const batch of batches(vms, concurrency)) {
    context.df.setCustomStatus({
      phase: 'failingBack',
      site: input.site,
      done: outcomes.length,
      total: vms.length,
    });
    const results = (yield context.df.Task.all(
      batch.map((vm) => context.df.callSubOrchestrator(names.failbackVm, child(vm))),
    )) as VmFailbackOutcome[];
    outcomes.push(...results);
  }
  const result = summariseFailback(input.site, input.mode, outcomes);
  context.df.setCustomStatus({
    phase: 'finished',
    site: input.site,
    outcome: result.outcome,
    counts: result.counts,
  });
  if (!context.df.isReplaying) {
    const line = JSON.stringify({
      event: 'lifeboat.relay.vmFailback',
      instanceId: context.df.instanceId,
      site: input.site,
      mode: input.mode,
      outcome: result.outcome,
      counts: result.counts,
    });
    if (result.outcome === 'succeeded') context.log(line);
    else context.warn(line);
  }
  return result;
}

df.app.orchestration(names.vmFailback, vmFailback);

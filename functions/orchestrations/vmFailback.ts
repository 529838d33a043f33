import type { FailbackVmInput, VmFailbackOutcome } from '../../shared/onprem/contracts';
import { call, finish, inputText, lazy, orchestration, progress, startSub } from '../kit';
import { onprem as names } from '../names/onprem';
import { relay } from '../names/relay';

/**
 * Fails back a set of Hyper-V Replica VMs at one site: one `failbackVm` sub-orchestration per VM
 * in a sliding window (at most `concurrency` in flight; the next starts as soon as one ends, so one
 * slow VM holds up nobody), and a per-VM report. Overall `succeeded` when every VM is failed back
 * (or already was), `partial` when some are, otherwise the VMs' common outcome or `failed`: a
 * partial failure is a result, not a crash (threats-and-faults.md, "partial failover"). Custom
 * status moves with every VM.
 */

const contracts = lazy(() => import('../../shared/onprem/contracts'));
const hyperv = lazy(() => import('../../shared/onprem/hyperv'));

const EVENT = 'lifeboat.onprem.vmFailback';

orchestration(names.vmFailback, {
  uses: [contracts, hyperv],
  input: () => contracts.get().vmFailbackInputSchema,
  event: EVENT,
  ended: (ending, raw) => ({
    ...ending,
    site: inputText(raw, 'site'),
    mode:
      (raw as { mode?: unknown } | null)?.mode === 'failover' ? ('failover' as const) : ('drill' as const),
    counts: { succeeded: 0, failed: 0, refused: 0, timedOut: 0 },
    vms: [],
  }),
  *run(context, input) {
    const h = hyperv.get();
    const settings =
      input.concurrency === undefined ||
      input.pollMs === undefined ||
      input.timeoutMs === undefined ||
      input.timeouts === undefined
        ? yield* call(context, relay.relaySettings, {})
        : undefined;
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

    const vms = h.distinctVms(input.vms);
    const outcomes = new Map<string, VmFailbackOutcome>();
    // Batches of `concurrency`: the durable-functions JS SDK re-schedules a task that is yielded
    // again inside a new Task.any (azure-functions-durable-js#574, reproduced by the local host),
    // so a sliding window over sub-orchestration tasks is not safe with this SDK.
    for (let start = 0; start < vms.length; start += concurrency) {
      const batch = vms.slice(start, start + concurrency);
      progress(context, {
        phase: 'failingBack',
        percent: Math.floor((outcomes.size / vms.length) * 100),
        waitingFor: `${batch.length} VM(s) failing back: ${batch.join(', ')}`,
        site: input.site,
        done: outcomes.size,
        total: vms.length,
      });
      const tasks = batch.map((vm) => startSub(context, names.failbackVm, child(vm)));
      yield context.df.Task.all(tasks.map((t) => t.task));
      batch.forEach((vm, i) => outcomes.set(vm, tasks[i]!.result()));
    }
    // In the order asked, whatever the order they finished in.
    const result = h.summariseFailback(
      input.site,
      input.mode,
      vms.map((vm) => outcomes.get(vm)!),
    );
    return finish(context, EVENT, result, { site: input.site, mode: input.mode, counts: result.counts });
  },
});

import type { FailbackVmInput, VmFailbackOutcome } from '../../shared/onprem/contracts';
import { call, finish, inputText, lazy, orchestration, progress } from '../kit';
import { durable } from '../names/durable';
import { onprem as names } from '../names/onprem';
import { relay } from '../names/relay';

/**
 * Fails back a set of Hyper-V Replica VMs at one site: one `failbackVm` sub-orchestration per VM
 * in a sliding window (at most `concurrency` in flight; the next starts as soon as one ends, so one
 * slow VM holds up nobody), and a per-VM report. Overall `succeeded` when every VM is failed back
 * (or already was), `partial` when some are, otherwise the VMs' common outcome or `failed`: a
 * partial failure is a result, not a crash (threats-and-faults.md, "partial failover"). Custom
 * status moves with every VM. `action: 'testFailover'` (the drill variant) runs a test failover per
 * VM instead (failbackVm: start, check, always stop), in the same window.
 */

const contracts = lazy(() => import('../../shared/onprem/contracts'));
const hyperv = lazy(() => import('../../shared/onprem/hyperv'));

const EVENT = 'lifeboat.onprem.vmFailback';
/** The event each VM's failbackVm raises on this instance when it ends. */
const VM_ENDED = 'vm-ended';

orchestration(names.vmFailback, {
  uses: [contracts, hyperv],
  input: () => contracts.get().vmFailbackInputSchema,
  event: EVENT,
  // A failover changes production: only Lifeboat starts one (issue 20).
  lifeboatOnly: (input) => input.mode === 'failover',
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
      action: input.action,
      pollMs: input.pollMs ?? settings?.pollMs ?? 30_000,
      timeoutMs: input.timeoutMs ?? settings?.operationTimeoutMs ?? 4 * 3600_000,
      timeouts: input.timeouts ??
        settings?.timeouts ?? { deliveryMs: 120_000, executionMs: 300_000, maxAttempts: 2 },
      ...(input.recoveryPointId === undefined ? {} : { recoveryPointId: input.recoveryPointId }),
    });

    const vms = h.distinctVms(input.vms);
    const outcomes = new Map<string, VmFailbackOutcome>();
    // A sliding window: at most `concurrency` VMs in flight, the next starts as soon as one ends.
    // Children are started by id and report back with an event: the durable-functions JS SDK
    // re-schedules a task yielded again in a new Task.any (azure-functions-durable-js#574), so a
    // parent cannot race its running sub-orchestrations directly.
    // Unique per execution (an instance id may be reused after it finished): a child of an earlier
    // run with the same id would be found `exists` and never report to this one.
    const run = context.df.newGuid(context.df.instanceId).slice(0, 8);
    const childId = (i: number) => `${context.df.instanceId}-${run}-vm-${i}`;
    const deadline = new Date(
      context.df.currentUtcDateTime.getTime() + h.fanoutDeadlineMs(vms.length, concurrency, child(vms[0]!)),
    );
    const inFlight = new Set<string>();
    let next = 0;
    while (outcomes.size < vms.length) {
      while (inFlight.size < concurrency && next < vms.length) {
        const vm = vms[next]!;
        yield* call(context, durable.startFlow, {
          name: names.failbackVm.name,
          instanceId: childId(next),
          input: { ...child(vm), notify: { instanceId: context.df.instanceId, event: VM_ENDED } },
        });
        inFlight.add(vm);
        next++;
      }
      progress(context, {
        phase: input.action === 'testFailover' ? 'testingFailover' : 'failingBack',
        percent: Math.floor((outcomes.size / vms.length) * 100),
        waitingFor: `${inFlight.size} VM(s) ${input.action === 'testFailover' ? 'in test failover' : 'failing back'}: ${[...inFlight].join(', ')}`,
        site: input.site,
        done: outcomes.size,
        total: vms.length,
      });
      const ended = context.df.waitForExternalEvent(VM_ENDED);
      const timer = context.df.createTimer(deadline);
      const winner = yield context.df.Task.any([ended, timer]);
      if (winner !== ended) break;
      timer.cancel();
      const outcome = ended.result as VmFailbackOutcome;
      const vm = [...inFlight].find((v) => v.toLowerCase() === outcome.vm.toLowerCase());
      if (vm === undefined) continue; // not one of ours (a stray event): ignore it
      inFlight.delete(vm);
      outcomes.set(vm, outcome);
    }
    // A VM that never reported before the deadline (its report was lost) is timedOut, not dropped.
    for (const vm of vms)
      if (!outcomes.has(vm))
        outcomes.set(vm, {
          vm,
          outcome: 'timedOut',
          polls: 0,
          error: { code: 'timedOut', message: `${vm}: no outcome reported before the fan-out deadline` },
        });
    // In the order asked, whatever the order they finished in.
    const result = h.summariseFailback(
      input.site,
      input.mode,
      vms.map((vm) => outcomes.get(vm)!),
      input.action,
    );
    return finish(context, EVENT, result, {
      site: input.site,
      mode: input.mode,
      action: input.action,
      counts: result.counts,
    });
  },
});

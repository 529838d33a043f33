import {
  hypervReturnAction,
  isRetryableWmiCode,
  type CommandOutput,
  type CommandType,
  type ReplicationState,
} from '../contracts';
import { combineOutcomes, failed, type Problem } from '../outcome';
import type { RunAgentCommandOutcome } from '../relay/contracts';
import type {
  HypervAction,
  TestVmEvidence,
  VmFailbackOutcome,
  VmFailbackResult,
  VmOutcome,
} from './contracts';

/**
 * Pure decisions of the Hyper-V Replica failback flows (onprem-commands.md, "Hyper-V Replica:
 * failback"; threats-and-faults.md, "WMI 4096", "WMI 32775", "partial failover").
 */

/** What an InitiateFailback answer asks for next. */
export type FailbackNext =
  | { next: 'pollJob'; jobId: string }
  | { next: 'pollState' }
  | { next: 'retry'; error: Problem }
  | { next: 'stop'; outcome: VmOutcome; error: Problem };

/**
 * The agent's answer when a clustered VM's role moved to another node during a step (issue 22
 * item 9): the message names both nodes. The job and objects of the step are on the old node; the
 * VM's replication state is read on the new owner.
 */
export const VM_MOVED = 'VmMoved';

/** Whether an answer says the VM's clustered role moved to another node during the step. */
export function isVmMoved(error: Problem | undefined): boolean {
  return error?.code === VM_MOVED;
}

/**
 * From the outcome of `hyperv.initiateFailback`: 4096 → poll the job; 0 or already done → poll
 * state; 32774 / 32777 (temporary: the agent answers `failed` with `wmi-32774` / `wmi-32777`) →
 * retry with backoff; `VmMoved` (the clustered VM moved to another node around the call) → send it
 * again, which targets the new owner: the agent reads the state there first and answers
 * `alreadyDone` when the call had taken effect; otherwise stop.
 */
export function failbackNextStep(result: RunAgentCommandOutcome<'hyperv.initiateFailback'>): FailbackNext {
  if (
    result.outcome === 'failed' &&
    result.error !== undefined &&
    (isRetryableWmiCode(result.error.code) || isVmMoved(result.error))
  )
    return { next: 'retry', error: result.error };
  if (result.outcome !== 'succeeded') {
    return {
      next: 'stop',
      outcome: result.outcome,
      error: result.error ?? { code: result.outcome, message: `initiate failback ${result.outcome}` },
    };
  }
  if (result.alreadyDone === true) return { next: 'pollState' };
  const out = result.output;
  if (out === undefined) return { next: 'pollState' };
  const action = out.returnCode === null ? 'rereadState' : hypervReturnAction(out.returnCode);
  if (action === 'pollJob' && out.jobId !== undefined) return { next: 'pollJob', jobId: out.jobId };
  if (action === 'retry')
    return { next: 'retry', error: { code: `wmi-${out.returnCode ?? 'unknown'}`, message: out.meaning } };
  if (action === 'completed' || action === 'rereadState' || action === 'pollJob')
    return { next: 'pollState' };
  return {
    next: 'stop',
    outcome: 'failed',
    error: { code: `wmi-${out.returnCode ?? 'unknown'}`, message: out.meaning },
  };
}

/**
 * How long to wait before retrying InitiateFailback after a temporary answer (32774 in use,
 * 32777 not available): the poll interval doubled per retry, at most 10 minutes.
 */
export function failbackRetryDelayMs(retries: number, pollMs: number): number {
  return Math.min(pollMs * 2 ** Math.max(0, retries), 10 * 60_000);
}

/**
 * What a failed `hyperv.jobStatus` read means. Hyper-V removes a finished job after a while
 * (CIM_Job.TimeBeforeRemoval, 5 minutes by default), so a job that cannot be found is not a
 * failure: the replication state tells how the failback ended (`FailbackCompleted`). A clustered
 * VM that moved to another node while its job ran (`VmMoved`) is read the same way: the job stays
 * on the old node, the replication state is read on the new owner. Any other failure of the read
 * stops the VM's flow.
 */
export function jobReadFailure(
  status: RunAgentCommandOutcome<'hyperv.jobStatus'>,
): { next: 'readState' } | { next: 'stop'; outcome: VmOutcome; error: Problem | undefined } {
  if (status.outcome === 'failed' && (status.error?.code === 'NotFound' || isVmMoved(status.error)))
    return { next: 'readState' };
  return {
    next: 'stop',
    outcome: status.outcome === 'succeeded' ? 'failed' : status.outcome,
    error: status.error,
  };
}

/** What a failback job's status says: still running, done, or failed (with why). */
export function failbackJobVerdict(
  out: CommandOutput<'hyperv.jobStatus'>,
): { verdict: 'running' } | { verdict: 'done' } | { verdict: 'failed'; error: Problem } {
  if (out.state === 'done') return { verdict: 'done' };
  if (out.state === 'failed')
    return {
      verdict: 'failed',
      error: {
        code: `job-${out.jobState}`,
        message:
          out.errorDescription ?? `failback job ended ${out.jobState} (error ${out.errorCode ?? 'none'})`,
      },
    };
  return { verdict: 'running' };
}

/** Whether the replication state ends the failback, and how. */
export function failbackStateVerdict(state: ReplicationState): 'done' | 'inProgress' | 'failed' {
  if (state === 'FailbackCompleted') return 'done';
  if (state === 'Error' || state === 'Disabled') return 'failed';
  return 'inProgress';
}

/** A command whose relay run itself failed (threw) as a `failed` outcome, so the flow goes on to its cleanup. */
export function commandCrashed<T extends CommandType>(type: T, error: unknown): RunAgentCommandOutcome<T> {
  return { type, commandIds: [], attempts: 0, ...failed(error, 'RelayFailed') };
}

/** The name Hyper-V gives a replica's test VM (Start-VMFailover -AsTest): "<vm> - Test". */
export function testVmName(vm: string): string {
  return `${vm} - Test`;
}

/**
 * What the replication state read during a test failover says: the test failover must leave
 * replication as it was, so a replica in `Error` or `Disabled` fails the check (the drill found a
 * real problem); any other state is evidence, recorded as read.
 */
export function testFailoverCheck(
  read: RunAgentCommandOutcome<'hyperv.replicationState'>,
):
  | { ok: true; replicationState: ReplicationState }
  | { ok: false; outcome: VmOutcome; error: Problem; replicationState?: ReplicationState } {
  if (read.outcome !== 'succeeded' || read.output === undefined)
    return {
      ok: false,
      outcome: read.outcome === 'succeeded' ? 'failed' : read.outcome,
      error: read.error ?? { code: read.outcome, message: `replication state read ${read.outcome}` },
    };
  const replicationState = read.output.replicationState;
  if (replicationState === 'Error' || replicationState === 'Disabled')
    return {
      ok: false,
      outcome: 'failed',
      replicationState,
      error: {
        code: 'replicationState',
        message: `replication of ${read.output.vm} is ${replicationState} during the test failover`,
      },
    };
  return { ok: true, replicationState };
}

/**
 * The outcome of one VM's test failover (the drill variant of failback), from what its three
 * commands answered. The cleanup decides first: a stop that did not answer `succeeded` leaves the
 * test VM (possibly) in place, which is the failure an operator must see ("test VM app-01 - Test
 * still exists"), whatever the start and the check said. Then the start (nothing to check without
 * a test VM), then the check. A test VM that was created and not there to remove is also a failure:
 * the evidence does not show this run cleaned up what it made.
 */
export function testFailoverOutcome(args: {
  vm: string;
  start: RunAgentCommandOutcome<'hyperv.startTestFailover'>;
  check: ReturnType<typeof testFailoverCheck> | undefined;
  stop: RunAgentCommandOutcome<'hyperv.stopTestFailover'>;
  polls: number;
}): VmFailbackOutcome {
  const { vm, start, check, stop } = args;
  const name = start.output?.testVmName ?? testVmName(vm);
  // A VM the host does not know cannot have a test VM: report why (NotFound), not a cleanup failure.
  if (
    start.outcome !== 'succeeded' &&
    start.error?.code === 'NotFound' &&
    stop.outcome !== 'succeeded' &&
    stop.error?.code === 'NotFound'
  )
    return {
      vm,
      action: 'testFailover',
      polls: args.polls,
      testVm: { name, created: false, removed: false },
      outcome: start.outcome,
      error: { code: 'NotFound', message: `${vm} is not a replica VM at this site (${start.error.message})` },
    };
  const removed = stop.outcome === 'succeeded' && stop.output !== undefined ? stop.output.removed : null;
  const stopped = removed !== null;
  // The start may have created the VM even when it did not answer: a stop that removed one proves it.
  const created = start.output?.created === true || removed === true;
  const testVm: TestVmEvidence = { name, created, removed };
  const replicationState = check?.replicationState;
  const base = {
    vm,
    action: 'testFailover' as const,
    polls: args.polls,
    testVm,
    ...(replicationState === undefined ? {} : { replicationState }),
  };
  if (!stopped)
    return {
      ...base,
      outcome: stop.outcome === 'timedOut' ? 'timedOut' : 'failed',
      error: {
        code: 'TestVmNotRemoved',
        message: `test VM ${name} ${created ? 'still exists' : 'may still exist'}: Stop-VMFailover ${stop.outcome}${
          stop.error ? ` (${stop.error.code}: ${stop.error.message})` : ''
        }`,
      },
    };
  if (start.outcome !== 'succeeded')
    return {
      ...base,
      outcome: start.outcome,
      error: start.error ?? { code: start.outcome, message: `Start-VMFailover -AsTest ${start.outcome}` },
    };
  if (!created || removed !== true)
    return {
      ...base,
      outcome: 'failed',
      error: {
        code: 'TestVmNotFound',
        message: created
          ? `test VM ${name} was not there to remove: Stop-VMFailover found no test VM`
          : `Start-VMFailover -AsTest answered without creating test VM ${name}`,
      },
    };
  if (check !== undefined && !check.ok) return { ...base, outcome: check.outcome, error: check.error };
  return { ...base, outcome: 'succeeded' };
}

/**
 * The VMs to fail back, each once. Hyper-V names are case-insensitive, so `app-01` and `APP-01`
 * are one VM (failing one machine back twice at once would race two failbacks); the first
 * spelling is kept.
 */
export function distinctVms(vms: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const vm of vms) {
    const key = vm.toLowerCase();
    if (!seen.has(key)) {
      seen.add(key);
      out.push(vm);
    }
  }
  return out;
}

/** Overall failback result: all succeeded → succeeded; some → partial; none → their common outcome, else failed. */
export function summariseFailback(
  site: string,
  mode: 'drill' | 'failover',
  vms: readonly VmFailbackOutcome[],
  action: HypervAction = 'failback',
): VmFailbackResult {
  const counts: Record<VmOutcome, number> = { succeeded: 0, failed: 0, refused: 0, timedOut: 0 };
  for (const v of vms) counts[v.outcome]++;
  const outcome = combineOutcomes(vms.map((v) => v.outcome));
  // A test VM left behind is what an operator must read first (recovery.md: a drill's cleanup).
  const leftBehind = (v: VmFailbackOutcome) => (v.testVm !== undefined && v.testVm.removed === null ? 0 : 1);
  const notOk = vms.filter((v) => v.outcome !== 'succeeded').sort((a, b) => leftBehind(a) - leftBehind(b));
  return {
    outcome,
    site,
    mode,
    action,
    counts,
    vms,
    ...(outcome === 'succeeded'
      ? {}
      : {
          error: {
            code:
              outcome === 'partial'
                ? action === 'testFailover'
                  ? 'SomeVmsNotTested'
                  : 'SomeVmsNotFailedBack'
                : (notOk[0]?.error?.code ?? outcome),
            message: `${notOk.length} of ${vms.length} VMs ${
              action === 'testFailover' ? 'not test-failed-over and cleaned up' : 'not failed back'
            }: ${notOk
              .slice(0, 5)
              .map((v) => `${v.vm} ${v.outcome}${v.error ? ` (${reasonOf(v.error)})` : ''}`)
              .join(', ')}${notOk.length > 5 ? ', …' : ''}`,
          },
        }),
  };
}

/** A VM's failure code as the summary names it; an unknown VM says what it is not (issue 21 item 4). */
const reasonOf = (e: Problem) => (e.code === 'NotFound' ? 'NotFound: not a replica VM at this site' : e.code);

/**
 * How long a fan-out waits for its VMs' reports before calling the missing ones timed out: every
 * round of `concurrency` VMs may take the per-VM operation timeout plus every command attempt's
 * delivery and execution timeouts, plus an hour of slack. Each VM keeps its own, shorter deadline;
 * this only bounds a parent whose child's report was lost.
 */
export function fanoutDeadlineMs(
  vms: number,
  concurrency: number,
  child: {
    timeoutMs: number;
    timeouts: { deliveryMs: number; executionMs: number; maxAttempts?: number | undefined };
  },
): number {
  const rounds = Math.ceil(vms / Math.max(1, concurrency));
  const commands =
    (child.timeouts.deliveryMs + child.timeouts.executionMs) * (child.timeouts.maxAttempts ?? 2) * 2;
  return rounds * (child.timeoutMs + commands) + 3600_000;
}

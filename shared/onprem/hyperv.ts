import { hypervReturnAction, type CommandOutput, type ReplicationState } from '../contracts';
import { combineOutcomes, type Problem } from '../outcome';
import type { RunAgentCommandOutcome } from '../relay/contracts';
import type { VmFailbackOutcome, VmFailbackResult, VmOutcome } from './contracts';

/**
 * Pure decisions of the Hyper-V Replica failback flows (onprem-commands.md, "Hyper-V Replica:
 * failback"; threats-and-faults.md, "WMI 4096", "WMI 32775", "partial failover").
 */

/** What an InitiateFailback answer asks for next. */
export type FailbackNext =
  | { next: 'pollJob'; jobId: string }
  | { next: 'pollState' }
  | { next: 'stop'; outcome: VmOutcome; error: Problem };

/** From the outcome of `hyperv.initiateFailback`: 4096 → poll the job; 0 or already done → poll state; otherwise stop. */
export function failbackNextStep(result: RunAgentCommandOutcome<'hyperv.initiateFailback'>): FailbackNext {
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
  if (action === 'completed' || action === 'rereadState' || action === 'pollJob')
    return { next: 'pollState' };
  return {
    next: 'stop',
    outcome: 'failed',
    error: { code: `wmi-${out.returnCode ?? 'unknown'}`, message: out.meaning },
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
): VmFailbackResult {
  const counts: Record<VmOutcome, number> = { succeeded: 0, failed: 0, refused: 0, timedOut: 0 };
  for (const v of vms) counts[v.outcome]++;
  const outcome = combineOutcomes(vms.map((v) => v.outcome));
  const notOk = vms.filter((v) => v.outcome !== 'succeeded');
  return {
    outcome,
    site,
    mode,
    counts,
    vms,
    ...(outcome === 'succeeded'
      ? {}
      : {
          error: {
            code: outcome === 'partial' ? 'SomeVmsNotFailedBack' : (notOk[0]?.error?.code ?? outcome),
            message: `${notOk.length} of ${vms.length} VMs not failed back: ${notOk
              .slice(0, 5)
              .map((v) => `${v.vm} ${v.outcome}${v.error ? ` (${v.error.code})` : ''}`)
              .join(', ')}${notOk.length > 5 ? ', …' : ''}`,
          },
        }),
  };
}

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

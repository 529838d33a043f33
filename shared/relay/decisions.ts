import {
  commandKind,
  hypervReturnAction,
  isFailbackAlreadyApplied,
  type CommandOutput,
  type CommandType,
  type ReplicationState,
} from '../contracts';
import type { ResultEvent, RunAgentCommandOutcome, VmFailbackOutcome, VmFailbackResult } from './contracts';

/**
 * Pure decisions of the relay's orchestrations (house style: orchestrations only sequence).
 * Facts: ../shared/reference/onprem-commands.md and threats-and-faults.md ("agent offline or
 * slow", "WMI 4096", "WMI 32775", "partial failover").
 */

/** The external event a command's result is raised as. */
export function resultEventName(commandId: string): string {
  return `result-${commandId}`;
}

/** When the orchestration stops waiting for one send: delivery + execution after `now`. */
export function resultDeadline(now: Date, timeouts: { deliveryMs: number; executionMs: number }): Date {
  return new Date(now.getTime() + timeouts.deliveryMs + timeouts.executionMs);
}

/** A read that tells what a state-changing command did, asked after a timeout before re-sending it. */
export type StateQuery =
  | { type: 'hyperv.replicationState'; params: { vm: string } }
  | { type: 'lync.backupStatus'; params: { poolFqdn: string; module: string } }
  | { type: 'pchat.getLegacyEndpoint'; params: { sipAddress: string } };

/**
 * The state query for a command that must not be re-sent blindly, or undefined when re-sending is
 * safe (reads). Test failovers are not idempotent either (a second start fails: a test VM exists),
 * but have no status read in the closed set: they are never re-sent (see {@link decideAfterTimeout}).
 */
export function stateQueryFor(
  type: CommandType,
  params: Readonly<Record<string, unknown>>,
): StateQuery | undefined {
  const text = (k: string) => (typeof params[k] === 'string' ? params[k] : '');
  switch (type) {
    case 'hyperv.initiateFailback':
      return { type: 'hyperv.replicationState', params: { vm: text('vm') } };
    case 'lync.backupSync':
      return {
        type: 'lync.backupStatus',
        params: { poolFqdn: text('poolFqdn'), module: text('module') || 'ConfServices.DataConf' },
      };
    case 'pchat.ensureLegacyEndpoint':
      return { type: 'pchat.getLegacyEndpoint', params: { sipAddress: text('sipAddress') } };
    default:
      return undefined;
  }
}

/** What to do after a send timed out. */
export type AfterTimeout =
  { action: 'resend' } | { action: 'queryState'; query: StateQuery } | { action: 'giveUp'; reason: string };

/**
 * After a timeout of attempt `attempt` (1-based) out of `maxAttempts`: reads are re-sent;
 * state-changing commands ask for state first; test failovers are never re-sent (no status read
 * tells whether the first one ran).
 */
export function decideAfterTimeout(
  type: CommandType,
  params: Readonly<Record<string, unknown>>,
  attempt: number,
  maxAttempts: number,
): AfterTimeout {
  if (attempt >= maxAttempts) return { action: 'giveUp', reason: `no result after ${attempt} attempt(s)` };
  const kind = commandKind(type);
  if (kind === 'read') return { action: 'resend' };
  if (kind === 'testFailover')
    return {
      action: 'giveUp',
      reason: `${type} is not re-sent after a timeout: its effect cannot be read back`,
    };
  const query = stateQueryFor(type, params);
  return query === undefined
    ? { action: 'giveUp', reason: `${type} has no state query` }
    : { action: 'queryState', query };
}

/** What the state read after a timeout says about the original command. */
export type StateVerdict =
  | { verdict: 'alreadyDone'; output: unknown }
  | { verdict: 'resend' }
  | { verdict: 'failed'; error: { code: string; message: string } };

/**
 * Interprets the answer to a state query (a succeeded read). Failback: the VM already at or past
 * WaitingForFailback means it was applied. Lync sync: a module in progress means a sync is running
 * (the sync is incremental, so a finished or failed module may be synced again). Legacy endpoint:
 * present for the same pool means done; for another pool it is a conflict; absent → re-send.
 */
export function interpretStateQuery(
  original: { type: CommandType; params: Readonly<Record<string, unknown>> },
  output: unknown,
): StateVerdict {
  switch (original.type) {
    case 'hyperv.initiateFailback': {
      const o = output as CommandOutput<'hyperv.replicationState'>;
      if (isFailbackAlreadyApplied(o.replicationState)) {
        return {
          verdict: 'alreadyDone',
          output: {
            returnCode: null,
            meaning: 'Result lost; the replication state shows the failback was initiated',
            replicationState: o.replicationState,
          },
        };
      }
      if (o.replicationState === 'FailedOver') return { verdict: 'resend' };
      return {
        verdict: 'failed',
        error: {
          code: 'unexpectedState',
          message: `replication state is ${o.replicationState}: failback cannot be initiated`,
        },
      };
    }
    case 'lync.backupSync': {
      const o = output as CommandOutput<'lync.backupStatus'>;
      if (o.state === 'inProgress')
        return { verdict: 'alreadyDone', output: { poolFqdn: o.poolFqdn, module: o.module } };
      return { verdict: 'resend' };
    }
    case 'pchat.ensureLegacyEndpoint': {
      const o = output as CommandOutput<'pchat.getLegacyEndpoint'>;
      const wanted = typeof original.params['poolFqdn'] === 'string' ? original.params['poolFqdn'] : '';
      if (!o.exists) return { verdict: 'resend' };
      if (o.poolFqdn !== undefined && o.poolFqdn.toLowerCase() === wanted.toLowerCase())
        return {
          verdict: 'alreadyDone',
          output: { sipAddress: o.sipAddress, poolFqdn: o.poolFqdn, created: false },
        };
      return {
        verdict: 'failed',
        error: {
          code: 'conflict',
          message: `${o.sipAddress} already exists for another Persistent Chat pool`,
        },
      };
    }
    default:
      return { verdict: 'resend' };
  }
}

/**
 * Whether a raised event is the result of the command sent: same id and hash. The results trigger
 * already verified the signature and binding; this guards the orchestration against events raised
 * by anything else with a different command (defence in depth).
 */
export function isBoundEvent(event: unknown, commandId: string, commandHash: string): event is ResultEvent {
  if (typeof event !== 'object' || event === null) return false;
  const e = event as Partial<ResultEvent>;
  return e.commandId === commandId && e.commandHash === commandHash && typeof e.outcome === 'string';
}

/** The outcome of `runAgentCommand` from a bound result. */
export function outcomeFromResult(
  type: CommandType,
  event: ResultEvent,
  commandIds: readonly string[],
  attempts: number,
): RunAgentCommandOutcome {
  const base = { type, commandIds, attempts };
  if (event.outcome === 'succeeded' || event.outcome === 'alreadyDone')
    return { ...base, outcome: event.outcome, output: event.output };
  return {
    ...base,
    outcome: event.outcome,
    error: event.error ?? { code: 'unknown', message: 'the agent gave no error' },
  };
}

// ------------------------------------------------------------------------------------------------
// Long-running operations

/** Next step of a poll loop: stop with a verdict, or wait until `fireAt` and poll again. */
export type PollStep = { next: 'wait'; fireAt: Date } | { next: 'timedOut' };

/** Waits `pollMs` unless that passes `deadline` (then one last poll at the deadline), or times out. */
export function nextPoll(now: Date, pollMs: number, deadline: Date): PollStep {
  if (now.getTime() >= deadline.getTime()) return { next: 'timedOut' };
  return {
    next: 'wait',
    fireAt: new Date(Math.min(now.getTime() + Math.max(1000, pollMs), deadline.getTime())),
  };
}

/** What an InitiateFailback answer asks for next. */
export type FailbackNext =
  | { next: 'pollJob'; jobId: string }
  | { next: 'pollState' }
  | { next: 'stop'; outcome: VmFailbackOutcome['outcome']; error?: { code: string; message: string } };

/** From the outcome of `hyperv.initiateFailback`: 4096 → poll the job; 0 or alreadyDone → poll state; otherwise stop. */
export function failbackNextStep(result: RunAgentCommandOutcome): FailbackNext {
  if (result.outcome === 'alreadyDone') return { next: 'pollState' };
  if (result.outcome !== 'succeeded') {
    return {
      next: 'stop',
      outcome: result.outcome,
      error: result.error ?? { code: result.outcome, message: `initiate failback ${result.outcome}` },
    };
  }
  const out = result.output as CommandOutput<'hyperv.initiateFailback'>;
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

/** Whether the replication state ends the failback, and how. */
export function failbackStateVerdict(state: ReplicationState): 'done' | 'inProgress' | 'failed' {
  if (state === 'FailbackCompleted') return 'done';
  if (state === 'Error' || state === 'Disabled') return 'failed';
  return 'inProgress';
}

/** Splits work into batches of at most `size` (the fan-out cap), in order. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  if (!(Number.isInteger(size) && size >= 1)) throw new RangeError('batch size must be a positive integer');
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Overall failback result: all ok → succeeded; none ok → failed; otherwise partial. */
export function summariseFailback(
  site: string,
  mode: 'drill' | 'failover',
  vms: readonly VmFailbackOutcome[],
): VmFailbackResult {
  const counts = { succeeded: 0, alreadyDone: 0, failed: 0, rejected: 0, timedOut: 0 };
  for (const v of vms) counts[v.outcome]++;
  const ok = counts.succeeded + counts.alreadyDone;
  const outcome = ok === vms.length ? 'succeeded' : ok === 0 ? 'failed' : 'partial';
  return { outcome, site, mode, counts, vms };
}

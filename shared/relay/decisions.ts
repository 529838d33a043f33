import { commandKind, type CommandType } from '../contracts';
import { stateQueryFor, type StateQuery } from './stateQueries';
import type { ResultEvent, RunAgentCommandOutcome } from './contracts';

/**
 * Pure decisions of the relay's transport (`runAgentCommand`): event names, deadlines, what to do
 * after a timeout, binding and outcome of a result. Which read tells what a timed-out command did
 * is ./stateQueries.ts; what a command means on-premises (failback and sync verdicts) lives in
 * shared/onprem, above the relay. Facts:
 * docs/reference/onprem-commands.md and threats-and-faults.md ("agent offline or slow").
 */

/** The external event a command's result is raised as. */
export function resultEventName(commandId: string): string {
  return `result-${commandId}`;
}

/** When the orchestration stops waiting for one send: delivery + execution after `now`. */
export function resultDeadline(now: Date, timeouts: { deliveryMs: number; executionMs: number }): Date {
  return new Date(now.getTime() + timeouts.deliveryMs + timeouts.executionMs);
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

/**
 * Whether the agent answered `interrupted`: it stopped after starting the command and before
 * answering, and could not tell from state what happened (agent/README.md). The orchestration reads
 * state then, as after a timeout.
 */
export function isInterrupted(event: ResultEvent): boolean {
  return event.outcome === 'failed' && event.error?.code === 'interrupted';
}

/** The outcome of `runAgentCommand` from a bound result. */
export function outcomeFromResult(
  type: CommandType,
  event: ResultEvent,
  commandIds: readonly string[],
  attempts: number,
): RunAgentCommandOutcome {
  const base = { type, commandIds, attempts };
  // The agent's wire vocabulary (succeeded | alreadyDone | failed | rejected) in the app's one vocabulary.
  if (event.outcome === 'succeeded' || event.outcome === 'alreadyDone')
    return {
      ...base,
      outcome: 'succeeded',
      ...(event.outcome === 'alreadyDone' ? { alreadyDone: true as const } : {}),
      output: event.output as NonNullable<RunAgentCommandOutcome['output']>,
    };
  return {
    ...base,
    outcome: event.outcome === 'rejected' ? 'refused' : 'failed',
    error: event.error ?? { code: 'unknown', message: 'the agent gave no error' },
  };
}

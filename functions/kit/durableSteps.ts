import type { OrchestrationContext, Task } from 'durable-functions';
import {
  classifyError,
  publicError,
  retryAfterFromMessage,
  TransientError,
  type Problem,
} from '../../shared/errors';
import type { Result } from '../../shared/outcome';
import { nextPoll } from '../../shared/steps/poll';
import { decideRetry, randomFromGuid } from '../../shared/steps/retry';
import type { ActivityRef, OrchestrationRef } from '../names/refs';

/**
 * Durable steps every flow shares: generators that yield durable tasks and so run inside
 * orchestrations (the same lint rules as orchestrations apply here): typed calls, retry within a
 * budget, poll until done or deadline, progress and finish. Time is `context.df.currentUtcDateTime`,
 * randomness `context.df.newGuid`, waiting `createTimer`. The pure decisions behind them (backoff,
 * the next poll) are in shared/steps/, unit-tested without the SDK.
 */

/** What an orchestrator function (or a step inside one) is: a generator of durable tasks. */
export type Gen<T> = Generator<Task, T, unknown>;

/** Calls an activity and returns its typed output (the one cast of activity results). */
export function* call<I, O>(context: OrchestrationContext, ref: ActivityRef<I, O>, input: I): Gen<O> {
  return (yield context.df.callActivity(ref.name, input)) as O;
}

/** Calls a sub-orchestration and returns its typed output (the one cast of sub-orchestration results). */
export function* callSub<I, O>(
  context: OrchestrationContext,
  ref: OrchestrationRef<I, O>,
  input: I,
  instanceId?: string,
): Gen<O> {
  return (yield context.df.callSubOrchestrator(ref.name, input, instanceId)) as O;
}

/** A sub-orchestration task whose result is typed, for fan-outs (`Task.any` / `Task.all`). */
export interface TypedTask<O> {
  readonly task: Task;
  /** The result, once the task completed. */
  result(): O;
}

/** Starts a sub-orchestration without waiting, for fan-outs. */
export function startSub<I, O>(
  context: OrchestrationContext,
  ref: OrchestrationRef<I, O>,
  input: I,
  instanceId?: string,
): TypedTask<O> {
  const task = context.df.callSubOrchestrator(ref.name, input, instanceId);
  return { task, result: () => task.result as O };
}

// ------------------------------------------------------------------------------------------------
// Progress and finish

/** Custom status of every flow: the phase, how far it is, and what it waits for. */
export interface Progress {
  readonly phase: string;
  readonly percent?: number;
  /** What the flow waits for now (an operation, an agent's answer, a service that is transitioning). */
  readonly waitingFor?: string;
  /** When it checks again (ISO), while waiting. */
  readonly nextCheckAt?: string;
  readonly [detail: string]: unknown;
}

/** Sets the custom status (progress). */
export function progress(context: OrchestrationContext, status: Progress): void {
  context.df.setCustomStatus(status);
}

/** Results up to this many characters of JSON are copied whole into the finished custom status. */
const FINISHED_STATUS_MAX_CHARS = 4096;

/**
 * Ends a flow: its custom status becomes its outcome (phase `finished`, with the error when not
 * succeeded), and one structured log line says what happened (only on the episode that finishes,
 * never on replays). Returns the result unchanged.
 */
export function finish<R extends Result>(
  context: OrchestrationContext,
  event: string,
  result: R,
  details: Readonly<Record<string, unknown>> = {},
): R {
  // The status says what the output says: the whole result when it is small, else its outcome
  // and error (custom status is capped at 16 KB by the Durable extension).
  const small = JSON.stringify(result).length <= FINISHED_STATUS_MAX_CHARS;
  context.df.setCustomStatus({
    phase: 'finished',
    percent: 100,
    ...details,
    ...(small ? result : { outcome: result.outcome }),
    ...(result.error === undefined ? {} : { error: result.error }),
  });
  if (!context.df.isReplaying) {
    const line = JSON.stringify({
      event,
      instanceId: context.df.instanceId,
      ...details,
      outcome: result.outcome,
      ...(result.error === undefined ? {} : { error: result.error }),
    });
    if (result.outcome === 'succeeded') context.log(line);
    else if (result.outcome === 'failed') context.error(line);
    else context.warn(line);
  }
  return result;
}

// ------------------------------------------------------------------------------------------------
// Retry within a budget

/** A retry budget shared by the steps of one run (the run's `retries` counter lives here). */
export interface RetryBudget {
  /** Retries allowed in the whole run. */
  readonly limit: number;
  readonly baseMs: number;
  readonly maxMs: number;
  /** Retries spent so far (mutated by {@link retrying}). */
  used: number;
}

/** A fresh budget from a run's retry settings (its input). */
export function retryBudget(settings: {
  readonly retryBudget: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
}): RetryBudget {
  return { limit: settings.retryBudget, baseMs: settings.retryBaseMs, maxMs: settings.retryMaxMs, used: 0 };
}

/** Why a retry waits: shown in custom status by the caller. */
export interface RetryWait {
  readonly nextCheckAt: string;
  readonly problem: Problem;
  readonly retries: number;
}

/**
 * Runs `attempt` and, when it throws a retryable error (transient or unclassified), waits with
 * backoff and jitter (never less than the service's Retry-After) on a durable timer and tries
 * again, within the budget. A non-retryable error is rethrown as it is; a spent budget throws a
 * TransientError `RetryBudgetSpent` that names the last problem.
 */
export function* retrying<T>(
  context: OrchestrationContext,
  budget: RetryBudget,
  attempt: () => Gen<T>,
  onWait: (wait: RetryWait) => void = () => undefined,
): Gen<T> {
  for (;;) {
    try {
      return yield* attempt();
    } catch (error) {
      yield* backoff(context, budget, error, onWait);
    }
  }
}

/** Waits before a retry of `error`, or throws when it is final or the budget is spent. */
export function* backoff(
  context: OrchestrationContext,
  budget: RetryBudget,
  error: unknown,
  onWait: (wait: RetryWait) => void = () => undefined,
): Gen<void> {
  const problem = publicError(error);
  const errorClass = classifyError(error);
  const decision = decideRetry({
    errorClass,
    retriesUsed: budget.used,
    budget: budget.limit,
    baseMs: budget.baseMs,
    maxMs: budget.maxMs,
    random: randomFromGuid(context.df.newGuid(context.df.instanceId)),
    retryAfterMs: retryAfterFromMessage(error instanceof Error ? error.message : String(error)),
  });
  if (!decision.retry) {
    if (errorClass === 'nonRetryable') throw error;
    throw new TransientError(
      `giving up after ${budget.used} retries (${decision.reason}): ${problem.message} (code=${problem.code === 'Transient' ? 'RetryBudgetSpent' : problem.code})`,
      { code: 'RetryBudgetSpent' },
    );
  }
  budget.used++;
  const fireAt = new Date(context.df.currentUtcDateTime.getTime() + decision.delayMs);
  onWait({ nextCheckAt: fireAt.toISOString(), problem, retries: budget.used });
  yield context.df.createTimer(fireAt);
}

/** The custom status fields of a wait: when the run checks again, the problem, what it waits for. */
export function waitStatus(
  wait: RetryWait,
  waitingFor: string,
): { nextCheckAt: string; lastProblem: Problem; waitingFor: string } {
  return { nextCheckAt: wait.nextCheckAt, lastProblem: wait.problem, waitingFor };
}

/** A run's retry budget and how its waits show: what the budgeted calls of one run share. */
export interface Retry {
  readonly budget: RetryBudget;
  /** Shows a wait before a retry (custom status); nothing by default. */
  readonly onWait?: (wait: RetryWait) => void;
}

/**
 * Calls an activity within the run's budget ({@link retrying}). `input` may be a function: it is
 * then built again for each attempt (inputs that carry the orchestration's time, such as `now`).
 */
export function* callRetrying<I, O>(
  context: OrchestrationContext,
  retry: Retry,
  ref: ActivityRef<I, O>,
  input: I | (() => I),
): Gen<O> {
  // Activity inputs are JSON, never functions, so a function here is always a builder.
  const build = typeof input === 'function' ? (input as () => I) : () => input;
  return yield* retrying(context, retry.budget, () => call(context, ref, build()), retry.onWait);
}

/**
 * Waits before trying again for a condition the run knows will pass (a service that is
 * transitioning, an operation that ended without its effect): spends one retry of the budget like
 * any retryable error, waits on a durable timer and shows `problem` through `onWait`; throws
 * `RetryBudgetSpent` naming the problem when the budget is spent.
 */
export function* retryLater(
  context: OrchestrationContext,
  retry: Retry,
  problem: Problem,
  onWait: ((wait: RetryWait) => void) | undefined = retry.onWait,
): Gen<void> {
  // The path of a thrown transient error, so the delay and the give-up message are any retry's.
  yield* backoff(context, retry.budget, new TransientError(problem.message, { code: problem.code }), onWait);
}

/**
 * Calls an activity (within the budget) until `waitFor` finds nothing to wait for in its answer:
 * each wait spends a retry ({@link retryLater}) and shows through `onWaitFor`.
 */
export function* callUntilSettled<I, O>(
  context: OrchestrationContext,
  retry: Retry,
  ref: ActivityRef<I, O>,
  input: I | (() => I),
  waitFor: (output: O) => Problem | undefined,
  onWaitFor?: (wait: RetryWait) => void,
): Gen<O> {
  for (;;) {
    const output = yield* callRetrying(context, retry, ref, input);
    const problem = waitFor(output);
    if (problem === undefined) return output;
    yield* retryLater(context, retry, problem, onWaitFor);
  }
}

/**
 * Runs a step whose failure is reported, not fatal to the flow (a manifest, a prune): an error
 * that escapes it (its own budget spent, a final error) becomes `failed(problem)`.
 */
export function* reported<T>(step: () => Gen<T>, failed: (problem: Problem) => T): Gen<T> {
  try {
    return yield* step();
  } catch (error) {
    return failed(publicError(error));
  }
}

// ------------------------------------------------------------------------------------------------
// Poll until done or deadline

/** One poll's answer: done (with a value), or not yet (with the service's Retry-After when it sent one). */
export type PollAnswer<T> = { done: true; value: T } | { done: false; retryAfterMs?: number | null };

/** How a poll loop ended. */
export type PollEnd<T> = { done: true; value: T; polls: number } | { done: false; polls: number };

/**
 * Polls until `poll` says done or the deadline passes: waits on a durable timer between polls
 * (Retry-After when the last answer carried one, else `intervalMs`; never past the deadline, with
 * one last poll at it). With `immediate`, the first poll runs at once. `onWait` reports each wait
 * for custom status.
 */
export function* pollUntil<T>(
  context: OrchestrationContext,
  options: {
    readonly deadline: Date;
    readonly intervalMs: number;
    readonly immediate?: boolean;
    readonly firstRetryAfterMs?: number | null;
    readonly poll: (n: number) => Gen<PollAnswer<T>>;
    readonly onWait?: (nextCheckAt: Date, polls: number) => void;
  },
): Gen<PollEnd<T>> {
  let polls = 0;
  let retryAfterMs = options.firstRetryAfterMs ?? null;
  for (let first = true; ; first = false) {
    if (!(first && options.immediate === true)) {
      const step = nextPoll(
        context.df.currentUtcDateTime,
        options.intervalMs,
        options.deadline,
        retryAfterMs,
      );
      if (step.next === 'timedOut') return { done: false, polls };
      options.onWait?.(step.fireAt, polls);
      yield context.df.createTimer(step.fireAt);
    }
    const answer = yield* options.poll(polls);
    polls++;
    if (answer.done) return { done: true, value: answer.value, polls };
    retryAfterMs = answer.retryAfterMs ?? null;
  }
}

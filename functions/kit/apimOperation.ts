import type { OrchestrationContext } from 'durable-functions';
import type { PreflightDecision } from '../../shared/backups/preflight';
import type {
  ApimOperationBegun,
  ApimOperationPoll,
  PollApimOperationInput,
} from '../../shared/backups/contracts';
import { preflightWait } from '../../shared/backups/verdicts';
import type { Problem } from '../../shared/outcome';
import { apim } from '../names/apim';
import {
  callRetrying,
  callUntilSettled,
  pollUntil,
  retryLater,
  type Gen,
  type Retry,
  type RetryWait,
} from './durableSteps';
import type { ActivityRef } from '../names/refs';

/**
 * The step a backup and a restore of API Management share (apim-backup-restore.md): a preflight
 * that waits while the service transitions, then begin → poll with durable timers honouring
 * Retry-After until the operation ends or the timeout, every call within the run's retry budget.
 * Deterministic (the orchestration lint rules apply). What an answer means to the area (a watched
 * blob or target, a refusal, a message) is decided by pure functions of the area, passed in.
 */

/** A poll answer of an operation still running. */
export type RunningOperation = Extract<ApimOperationPoll, { status: 'running' }>;

/**
 * Calls a preflight activity until its decision is not `wait` (`subject` transitioning): each wait
 * spends a retry of the run's budget and shows through `onWaitFor`. Returns the answer, whose
 * decision is then `ready` or `unsupported` (`preflightRefusal` says why).
 */
export function* preflight<I, O extends { readonly decision: PreflightDecision }>(
  context: OrchestrationContext,
  retry: Retry,
  ref: ActivityRef<I, O>,
  input: I,
  subject: string,
  onWaitFor: (wait: RetryWait) => void,
): Gen<O> {
  return yield* callUntilSettled(
    context,
    retry,
    ref,
    input,
    (o) => preflightWait(subject, o.decision),
    onWaitFor,
  );
}

/**
 * What a running answer means to the area, as a pure reducer: the state it keeps between polls
 * (what is watched, what it has seen), and whether the operation can be taken as ended (`stop`).
 */
export interface OperationWatch<S> {
  readonly initial: S;
  readonly observe: (state: S, answer: RunningOperation) => { readonly state: S; readonly stop: boolean };
}

/** One APIM operation to begin and poll. */
export interface ApimOperationSpec<I, S> {
  readonly retry: Retry;
  /** The begin activity; `beginInput` may be a function, built again for each attempt. */
  readonly begin: ActivityRef<I, ApimOperationBegun>;
  readonly beginInput: I | (() => I);
  /** What each poll polls (the token is the step's). */
  readonly poll: Omit<PollApimOperationInput, 'token'>;
  /** Counted from the accepted POST (the setting's meaning), not from waits before it. */
  readonly timeoutMs: number;
  /** Between polls when the service sent no Retry-After. */
  readonly pollDefaultMs: number;
  readonly watch: OperationWatch<S>;
  /** Once the begin answered (the POST accepted, or the operation found done). */
  readonly onAccepted?: (acceptedAt: Date) => void;
  /** Before each poll (the run counts them). */
  readonly onPoll: () => void;
  /** Before each wait between polls, with what the area watches now (custom status). */
  readonly onWait: (nextCheckAt: Date, state: S) => void;
}

/**
 * How an operation ended: `succeeded` (with the completion time the service reported, if any),
 * `lost` (it ended without its effect: the area decides whether to begin again), `stopped` (the
 * area's watch took it as ended) or `timedOut`; with when the POST was accepted and the watch state.
 */
export type ApimOperationEnd<S> = { readonly acceptedAt: Date; readonly state: S } & (
  | { readonly status: 'succeeded'; readonly completedAt: string | undefined }
  | { readonly status: 'lost'; readonly reason: string }
  | { readonly status: 'stopped' }
  | { readonly status: 'timedOut' }
);

/**
 * Begins the operation (409 ServiceLocked and transient errors retried within the budget; a begin
 * POSTs at most once, its activity's concern) and polls it until it ends, the watch stops it or
 * the timeout passes. Poll errors are retried as polls, never as a new POST.
 */
export function* apimOperation<I, S>(
  context: OrchestrationContext,
  spec: ApimOperationSpec<I, S>,
): Gen<ApimOperationEnd<S>> {
  const begun = yield* callRetrying(context, spec.retry, spec.begin, spec.beginInput);
  const acceptedAt = context.df.currentUtcDateTime;
  spec.onAccepted?.(acceptedAt);
  let state = spec.watch.initial;
  if (begun.status !== 'running')
    return { status: 'succeeded', completedAt: begun.completedAt, acceptedAt, state };

  let token = begun.token;
  const polled = yield* pollUntil<ApimOperationEnd<S>>(context, {
    deadline: new Date(acceptedAt.getTime() + spec.timeoutMs),
    intervalMs: spec.pollDefaultMs,
    firstRetryAfterMs: begun.retryAfterMs,
    onWait: (at) => spec.onWait(at, state),
    *poll() {
      spec.onPoll();
      const answer = yield* callRetrying(context, spec.retry, apim.pollApimOperation, {
        ...spec.poll,
        token,
      });
      if (answer.status === 'succeeded')
        return {
          done: true,
          value: { status: 'succeeded', completedAt: answer.completedAt, acceptedAt, state },
        };
      if (answer.status === 'lost')
        return { done: true, value: { status: 'lost', reason: answer.reason, acceptedAt, state } };
      token = answer.token;
      const seen = spec.watch.observe(state, answer);
      state = seen.state;
      if (seen.stop) return { done: true, value: { status: 'stopped', acceptedAt, state } };
      return { done: false, retryAfterMs: answer.retryAfterMs };
    },
  });
  return polled.done ? polled.value : { status: 'timedOut', acceptedAt, state };
}

/** The budgeted steps of one APIM run, bound to its context and its one retry budget. */
export interface ApimSteps {
  /** {@link callRetrying} within the run's budget. */
  call<I, O>(ref: ActivityRef<I, O>, input: I | (() => I)): Gen<O>;
  /** {@link preflight} within the run's budget. */
  preflight<I, O extends { readonly decision: PreflightDecision }>(
    ref: ActivityRef<I, O>,
    input: I,
    subject: string,
    onWaitFor: (wait: RetryWait) => void,
  ): Gen<O>;
  /** {@link apimOperation} within the run's budget. */
  operation<I, S>(spec: Omit<ApimOperationSpec<I, S>, 'retry'>): Gen<ApimOperationEnd<S>>;
  /** {@link retryLater} within the run's budget. */
  retryLater(problem: Problem): Gen<void>;
}

/** Binds the APIM steps to a run's context and retry budget. */
export function apimSteps(context: OrchestrationContext, retry: Retry): ApimSteps {
  return {
    call: (ref, input) => callRetrying(context, retry, ref, input),
    preflight: (ref, input, subject, onWaitFor) => preflight(context, retry, ref, input, subject, onWaitFor),
    operation: (spec) => apimOperation(context, { ...spec, retry }),
    retryLater: (problem) => retryLater(context, retry, problem),
  };
}

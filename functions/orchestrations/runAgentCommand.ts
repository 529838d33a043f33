import type { OrchestrationContext, TimerTask } from 'durable-functions';
import type { CommandType } from '../../shared/contracts';
import { publicError, classifyError } from '../../shared/errors';
import type { Problem } from '../../shared/outcome';
import type { RelayTimeouts, ResultEvent, RunAgentCommandOutcome } from '../../shared/relay/contracts';
import { call, finish, lazy, orchestration, progress, type Gen } from '../kit';
import { relay as names } from '../names/relay';

/**
 * Sends one command to a site's agent and waits for its result, raced against a durable timer
 * (delivery + execution timeout). On timeout, reads are re-sent; state-changing commands first
 * ask for state (`hyperv.replicationState`, `lync.backupStatus`, `pchat.getLegacyEndpoint`) and
 * are re-sent only when the state shows they did not happen. Always returns an outcome in the one
 * vocabulary (`succeeded` [alreadyDone] | `failed` | `refused` | `timedOut`); never hangs, never
 * throws for an on-premises failure. Decisions: shared/relay/decisions.ts, shared/relay/stateQueries.ts.
 *
 * Custom status `{ phase: 'awaitingResult', commandId, ... }` while a result is awaited (tests use
 * it to know when a virtual clock may move); no secrets anywhere: the key stays in the activity.
 */

const contracts = lazy(() => import('../../shared/relay/contracts'));
const decisions = lazy(() => import('../../shared/relay/decisions'));
const stateQueries = lazy(() => import('../../shared/relay/stateQueries'));

const EVENT = 'lifeboat.relay.command';

/** Transient send failures are retried this many times, a second apart on durable timers. */
const SEND_RETRIES = 3;

type Waited =
  | { kind: 'result'; event: ResultEvent }
  | { kind: 'timedOut' }
  | { kind: 'sendFailed'; error: Problem }
  | { kind: 'unbound'; error: Problem };

interface Ctx {
  readonly context: OrchestrationContext;
  readonly site: string;
  readonly mode: 'drill' | 'failover';
  readonly timeouts: RelayTimeouts;
  readonly commandIds: string[];
}

orchestration(names.runAgentCommand, {
  uses: [contracts, decisions, stateQueries],
  input: () => contracts.get().runAgentCommandInputSchema,
  event: EVENT,
  // A failover changes production: only Lifeboat starts one (issue 20).
  lifeboatOnly: (input) => input.mode === 'failover',
  ended: (ending, raw) => ({
    ...ending,
    type: (raw as { type?: CommandType } | null)?.type ?? 'agent.ping',
    commandIds: [],
    attempts: 0,
  }),
  *run(context, input) {
    const timeouts = input.timeouts ?? (yield* call(context, names.relaySettings, {})).timeouts;
    const ctx: Ctx = { context, site: input.site, mode: input.mode, timeouts, commandIds: [] };
    const type = input.type;
    const params = input.params ?? {};
    const d = decisions.get();
    const done = (outcome: RunAgentCommandOutcome) =>
      finish(context, EVENT, outcome, { site: input.site, type, commandIds: ctx.commandIds });

    for (let attempt = 1; ; attempt++) {
      const waited = yield* sendAndWait(ctx, type, params, attempt);
      // `interrupted`: the agent stopped between starting the command and answering it, so what it
      // did is unknown, as after a timeout: read state, then continue from what it shows.
      const interrupted = waited.kind === 'result' && d.isInterrupted(waited.event);
      if (waited.kind === 'result' && !interrupted)
        return done(d.outcomeFromResult(type, waited.event, ctx.commandIds, attempt));
      if (waited.kind !== 'timedOut' && waited.kind !== 'result')
        return done({
          outcome: 'failed',
          type,
          commandIds: ctx.commandIds,
          attempts: attempt,
          error: waited.error,
        });

      const next = d.decideAfterTimeout(type, params, attempt, timeouts.maxAttempts);
      if (next.action === 'giveUp')
        return done(
          waited.kind === 'result'
            ? d.outcomeFromResult(type, waited.event, ctx.commandIds, attempt)
            : timedOutAfter(ctx, type, attempt, next.reason),
        );
      if (next.action === 'queryState') {
        const q = yield* sendAndWait(ctx, next.query.type, next.query.params, attempt);
        if (q.kind !== 'result' || (q.event.outcome !== 'succeeded' && q.event.outcome !== 'alreadyDone'))
          return done(
            timedOutAfter(
              ctx,
              type,
              attempt,
              `no result, and the state query (${next.query.type}) got no usable answer`,
            ),
          );
        const verdict = stateQueries.get().interpretStateQuery({ type, params }, q.event.output);
        if (verdict.verdict === 'alreadyDone')
          return done({
            outcome: 'succeeded',
            alreadyDone: true,
            type,
            commandIds: ctx.commandIds,
            attempts: attempt,
            output: verdict.output as NonNullable<RunAgentCommandOutcome['output']>,
          });
        if (verdict.verdict === 'failed')
          return done({
            outcome: 'failed',
            type,
            commandIds: ctx.commandIds,
            attempts: attempt,
            error: verdict.error,
          });
      }
      // resend: the next attempt mints a new command id.
    }
  },
});

function timedOutAfter(
  ctx: Ctx,
  type: CommandType,
  attempts: number,
  reason: string,
): RunAgentCommandOutcome {
  return {
    outcome: 'timedOut',
    type,
    commandIds: ctx.commandIds,
    attempts,
    error: { code: 'timedOut', message: `site ${ctx.site}: ${type}: ${reason}` },
  };
}

/** Sends one command (new id) and waits for its bound result or the deadline. */
function* sendAndWait(
  ctx: Ctx,
  type: CommandType,
  params: Readonly<Record<string, unknown>>,
  attempt: number,
): Gen<Waited> {
  const { context } = ctx;
  const d = decisions.get();
  const commandId = context.df.newGuid(context.df.instanceId).toLowerCase();
  ctx.commandIds.push(commandId);
  const sendInput = {
    commandId,
    instanceId: context.df.instanceId,
    site: ctx.site,
    type,
    params,
    mode: ctx.mode,
    issuedAt: context.df.currentUtcDateTime.toISOString(),
  };

  let sent;
  for (let retry = 0; sent === undefined; retry++) {
    try {
      sent = yield* call(context, names.sendAgentCommand, sendInput);
    } catch (error) {
      if (classifyError(error) === 'nonRetryable' || retry >= SEND_RETRIES)
        return { kind: 'sendFailed', error: { ...publicError(error), code: 'sendFailed' } };
      yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 1000 * 2 ** retry));
    }
  }

  const name = d.resultEventName(commandId);
  const deadline = d.resultDeadline(context.df.currentUtcDateTime, ctx.timeouts);
  progress(context, {
    phase: 'awaitingResult',
    waitingFor: `the agent at ${ctx.site} to answer ${type}`,
    site: ctx.site,
    type,
    commandId,
    attempt,
    deadline: deadline.toISOString(),
  });
  const event = context.df.waitForExternalEvent(name);
  const timer: TimerTask = context.df.createTimer(deadline);
  const winner = yield context.df.Task.any([event, timer]);
  let result: unknown;
  if (winner === event) {
    timer.cancel();
    result = event.result;
  } else {
    // Close the record so a result arriving now is recorded as late. If a result was already
    // accepted, its event is on its way: wait for it a little longer instead of discarding it.
    const closed = yield* call(context, names.closeAgentCommand, { commandId, reason: 'timedOut' });
    if (closed.state !== 'alreadyAnswered') return { kind: 'timedOut' };
    if (event.isCompleted) {
      // The event arrived while closeAgentCommand ran: the first waiter holds it (a second waiter
      // for the same name would never fire).
      result = event.result;
    } else {
      const grace = context.df.createTimer(
        new Date(context.df.currentUtcDateTime.getTime() + ctx.timeouts.deliveryMs),
      );
      const second = yield context.df.Task.any([event, grace]);
      if (second !== event) return { kind: 'timedOut' };
      grace.cancel();
      result = event.result;
    }
  }
  progress(context, { phase: 'answered', site: ctx.site, type, commandId, attempt });
  if (!d.isBoundEvent(result, commandId, sent.commandHash))
    return {
      kind: 'unbound',
      error: {
        code: 'unboundResult',
        message: `the event for ${commandId} does not carry that command's hash`,
      },
    };
  return { kind: 'result', event: result };
}

import * as df from 'durable-functions';
import type { OrchestrationContext, Task, TimerTask } from 'durable-functions';
import type { CommandType } from '../../shared/contracts';
import { redact } from '../../shared/config/redact';
import { classifyError, errorMessage } from '../../shared/errors';
import {
  parseRelayInput,
  runAgentCommandInputSchema,
  type RelaySettings,
  type RelayTimeouts,
  type ResultEvent,
  type RunAgentCommandOutcome,
  type SendAgentCommandOutput,
} from '../../shared/relay/contracts';
import {
  decideAfterTimeout,
  interpretStateQuery,
  isBoundEvent,
  outcomeFromResult,
  resultDeadline,
  resultEventName,
} from '../../shared/relay/decisions';
import { relayFunctions as names } from '../names/relay';

/**
 * Sends one command to a site's agent and waits for its result, raced against a durable timer
 * (delivery + execution timeout). On timeout, reads are re-sent; state-changing commands first
 * ask for state (`hyperv.replicationState`, `lync.backupStatus`, `pchat.getLegacyEndpoint`) and
 * are re-sent only when the state shows they did not happen. Always returns a typed outcome
 * (`succeeded | failed | alreadyDone | rejected | timedOut`); never hangs, never throws for an
 * on-premises failure. Decisions: shared/relay/decisions.ts.
 *
 * Custom status `{ phase: 'awaitingResult', commandId, ... }` while a result is awaited (tests use
 * it to know when a virtual clock may move); no secrets anywhere: the key stays in the activity.
 */

type Gen<T> = Generator<Task, T, unknown>;

/** Transient send failures are retried this many times, a second apart on durable timers. */
const SEND_RETRIES = 3;

type Waited =
  | { kind: 'result'; event: ResultEvent }
  | { kind: 'timedOut' }
  | { kind: 'sendFailed'; error: { code: string; message: string } }
  | { kind: 'unbound'; error: { code: string; message: string } };

interface Ctx {
  context: OrchestrationContext;
  site: string;
  mode: 'drill' | 'failover';
  timeouts: RelayTimeouts;
  commandIds: string[];
}

function* runAgentCommand(context: OrchestrationContext): Gen<RunAgentCommandOutcome> {
  const input = parseRelayInput(runAgentCommandInputSchema, context.df.getInput(), names.runAgentCommand);
  let timeouts = input.timeouts;
  if (timeouts === undefined)
    timeouts = ((yield context.df.callActivity(names.relaySettings)) as RelaySettings).timeouts;
  const ctx: Ctx = { context, site: input.site, mode: input.mode, timeouts, commandIds: [] };
  const type = input.type;
  const done = (outcome: RunAgentCommandOutcome): RunAgentCommandOutcome => {
    context.df.setCustomStatus({ phase: 'done', type, outcome: outcome.outcome, commandIds: ctx.commandIds });
    return outcome;
  };

  for (let attempt = 1; ; attempt++) {
    const waited = yield* sendAndWait(ctx, type, input.params, attempt);
    if (waited.kind === 'result') return done(outcomeFromResult(type, waited.event, ctx.commandIds, attempt));
    if (waited.kind !== 'timedOut')
      return done({
        outcome: 'failed',
        type,
        commandIds: ctx.commandIds,
        attempts: attempt,
        error: waited.error,
      });

    const next = decideAfterTimeout(type, input.params, attempt, timeouts.maxAttempts);
    if (next.action === 'giveUp') return done(timedOut(ctx, type, attempt, next.reason));
    if (next.action === 'queryState') {
      const q = yield* sendAndWait(ctx, next.query.type, next.query.params, attempt);
      if (q.kind !== 'result' || (q.event.outcome !== 'succeeded' && q.event.outcome !== 'alreadyDone')) {
        return done(
          timedOut(
            ctx,
            type,
            attempt,
            `no result, and the state query (${next.query.type}) got no usable answer`,
          ),
        );
      }
      const verdict = interpretStateQuery({ type, params: input.params }, q.event.output);
      if (verdict.verdict === 'alreadyDone')
        return done({
          outcome: 'alreadyDone',
          type,
          commandIds: ctx.commandIds,
          attempts: attempt,
          output: verdict.output,
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
}

function timedOut(ctx: Ctx, type: CommandType, attempts: number, reason: string): RunAgentCommandOutcome {
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

  let sent: SendAgentCommandOutput | undefined;
  for (let retry = 0; sent === undefined; retry++) {
    try {
      sent = (yield context.df.callActivity(names.sendAgentCommand, sendInput)) as SendAgentCommandOutput;
    } catch (error) {
      if (classifyError(error) === 'nonRetryable' || retry >= SEND_RETRIES) {
        return {
          kind: 'sendFailed',
          error: { code: 'sendFailed', message: redact(errorMessage(error)).slice(0, 1024) },
        };
      }
      yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 1000 * 2 ** retry));
    }
  }

  const name = resultEventName(commandId);
  const deadline = resultDeadline(context.df.currentUtcDateTime, ctx.timeouts);
  context.df.setCustomStatus({
    phase: 'awaitingResult',
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
    const closed = (yield context.df.callActivity(names.closeAgentCommand, {
      commandId,
      reason: 'timedOut',
    })) as { state: string };
    if (closed.state !== 'alreadyAnswered') return { kind: 'timedOut' };
    const again = context.df.waitForExternalEvent(name);
    const grace = context.df.createTimer(
      new Date(context.df.currentUtcDateTime.getTime() + ctx.timeouts.deliveryMs),
    );
    const second = yield context.df.Task.any([again, grace]);
    if (second !== again) return { kind: 'timedOut' };
    grace.cancel();
    result = again.result;
  }
  context.df.setCustomStatus({ phase: 'answered', site: ctx.site, type, commandId, attempt });
  if (!isBoundEvent(result, commandId, sent.commandHash)) {
    return {
      kind: 'unbound',
      error: {
        code: 'unboundResult',
        message: `the event for ${commandId} does not carry that command's hash`,
      },
    };
  }
  return { kind: 'result', event: result };
}

df.app.orchestration(names.runAgentCommand, runAgentCommand);

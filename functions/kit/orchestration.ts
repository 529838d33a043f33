import { app } from '@azure/functions';
import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import type { z } from 'zod';
import { formatIssues, publicError, type Problem } from '../../shared/errors';
import type { Outcome, Result } from '../../shared/outcome';
import type { Lazy } from './lazy';
import type { OrchestrationRef } from '../names/refs';
import { durable } from '../names/durable';
import { call, callRetrying, finish, type Gen } from './durableSteps';
import { securityEvent } from './trust';

/**
 * The orchestration wrapper: parse the input with its zod schema → run the flow → end in the one
 * outcome vocabulary. Invalid input ends `refused` (code `InvalidInput`, naming the field and the
 * rule) and an unexpected throw ends `failed` (code and message, never a stack or a path); both
 * write one log line. A flow never ends with runtime status Failed for either.
 */
export interface OrchestrationSpec<P, O extends Result> {
  /** Modules the flow uses synchronously; loaded before the replay runs (see {@link preload}). */
  readonly uses: readonly Lazy<unknown>[];
  /** The input schema (read after `uses` are loaded). */
  readonly input: () => z.ZodType<P>;
  /** The event name of the flow's one log line (`lifeboat.<area>.<flow>`). */
  readonly event: string;
  /** The flow. */
  readonly run: (context: OrchestrationContext, input: P) => Gen<O>;
  /**
   * Whether a start with this input must be Lifeboat's own (issue 20): e.g. a failover, which
   * changes production. Such a start runs only as a sub-orchestration (its parent was admitted)
   * or with the start ticket Lifeboat's starters record (shared/steps/tickets.ts); any other
   * start, through the Durable HTTP API, ends `refused` (code `NotStartedByLifeboat`) with a
   * security event before the flow runs.
   */
  readonly lifeboatOnly?: (input: P) => boolean;
  /**
   * Runs once the flow has ended and its parent was told (every ending, refusals included): a
   * short record of the ending, such as the status digest's (issue 21, item 13). It runs after
   * everything else, so a run in flight when this was added replays its history unchanged. It must
   * not throw: its failure must never change the result.
   */
  readonly after?: (
    context: OrchestrationContext,
    raw: unknown,
    result: O,
    times: { startedAt: Date },
  ) => Gen<void>;
  /** The full result for an ending that never reached `run` (bad input) or escaped it (a bug). */
  readonly ended: (
    ending: { outcome: Extract<Outcome, 'refused' | 'failed'>; error: Problem },
    raw: unknown,
  ) => O;
}

const usesByFunction = new Map<string, readonly Lazy<unknown>[]>();
let hookRegistered = false;

/**
 * Orchestrator functions are synchronous generators, so the modules they use are loaded here, in
 * the one `preInvocation` hook the kit registers: the worker awaits it before every invocation.
 */
function preload(): void {
  if (hookRegistered) return;
  hookRegistered = true;
  app.hook.preInvocation(async (context) => {
    const uses = usesByFunction.get(context.invocationContext.functionName.toLowerCase());
    if (uses !== undefined) await Promise.all(uses.map((u) => u.load()));
  });
}

/** Registers an orchestration under its reference's name. */
export function orchestration<I, P, O extends Result>(
  ref: OrchestrationRef<I, O>,
  spec: OrchestrationSpec<P, O>,
): void {
  preload();
  usesByFunction.set(ref.name.toLowerCase(), spec.uses);
  df.app.orchestration(ref.name, function* (context: OrchestrationContext): Gen<O> {
    const raw = context.df.getInput<unknown>();
    const startedAt = context.df.currentUtcDateTime;
    const result = yield* runFlow(context, raw);
    // A child started by `startFlow` reports its result to its parent, whatever the ending.
    const notify = notifyOf(raw);
    if (notify !== undefined) yield* report(context, notify, result);
    if (spec.after !== undefined) yield* spec.after(context, raw, result, { startedAt });
    return result;
  });

  function* runFlow(context: OrchestrationContext, raw: unknown): Gen<O> {
    const parsed = spec.input().safeParse(raw);
    if (!parsed.success) {
      const message = `${ref.name}: invalid input: ${formatIssues(parsed.error.issues)}`;
      return finish(
        context,
        spec.event,
        spec.ended({ outcome: 'refused', error: { code: 'InvalidInput', message } }, raw),
      );
    }
    if (spec.lifeboatOnly?.(parsed.data) === true) {
      const refusal = yield* admit(context, ref.name, raw);
      if (refusal !== undefined)
        return finish(context, spec.event, spec.ended({ outcome: 'refused', error: refusal }, raw));
    }
    try {
      return yield* spec.run(context, parsed.data);
    } catch (error) {
      return finish(
        context,
        spec.event,
        spec.ended({ outcome: 'failed', error: publicError(error, 'OrchestrationError') }, raw),
      );
    }
  }
}

/** Admits a top-level start (a sub-orchestration's parent was admitted); the refusal, or undefined. */
function* admit(context: OrchestrationContext, name: string, raw: unknown): Gen<Problem | undefined> {
  const parent = context.df.parentInstanceId;
  if (typeof parent === 'string' && parent !== '') return undefined;
  const admission = yield* call(context, durable.admitFlowStart, {
    name,
    instanceId: context.df.instanceId,
    input: raw,
    // Deterministic per execution: a retried activity claims again, a restarted instance cannot.
    claim: context.df.newGuid(context.df.instanceId),
  });
  if (admission.admitted) return undefined;
  const error = { code: admission.code, message: admission.message };
  securityEvent(context, 'flowRefused', { flow: name, outcome: 'refused', error });
  return error;
}

/** A text field of a raw (unparsed) input, for the result of an input that did not parse. */
export function inputText(raw: unknown, key: string, max = 200): string {
  const value = (raw as Record<string, unknown> | null | undefined)?.[key];
  return typeof value === 'string' ? value.slice(0, max) : '(unknown)';
}

/** Where a child flow started by `startFlow` reports its result (the input's `notify`), whatever its input. */
function notifyOf(raw: unknown): { instanceId: string; event: string } | undefined {
  const n = (raw as { notify?: { instanceId?: unknown; event?: unknown } } | null | undefined)?.notify;
  return typeof n?.instanceId === 'string' && typeof n.event === 'string'
    ? { instanceId: n.instanceId, event: n.event }
    : undefined;
}

/**
 * Reports a child flow's result to its parent as an event (retried a few times on transient
 * errors). A parent that never hears keeps its own deadline, so a lost report delays, never hangs.
 */
function* report(
  context: OrchestrationContext,
  notify: { instanceId: string; event: string },
  result: Result,
): Gen<void> {
  try {
    const retry = { budget: { limit: 5, baseMs: 2000, maxMs: 60_000, used: 0 } };
    const signal = { instanceId: notify.instanceId, event: notify.event, data: result };
    yield* callRetrying(context, retry, durable.signalFlow, signal);
  } catch (error) {
    if (!context.df.isReplaying)
      context.warn(
        JSON.stringify({
          event: 'lifeboat.flow.reportLost',
          instanceId: context.df.instanceId,
          parent: notify.instanceId,
          error: publicError(error),
        }),
      );
  }
}

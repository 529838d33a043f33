import { FunctionInvocationError, invokeFunction, typedDataToJsonText } from '../invoke';
import { checkDeterminism, UNSUPPORTED_ACTIONS } from './determinism';
import {
  ActionType,
  EventType,
  actionInputToJson,
  flattenActions,
  type HistoryEvent,
  type OrchestratorState,
} from './history';
import { RUNNING_STATES, historyEvent, type InboxItem, type Instance } from './instance';
import type { EngineCore } from './instances';
import { customStatusTooLarge } from './limits';
import { hostSideFollowUps, scheduleAction } from './scheduler';

/**
 * One episode: the events that arrived go into the history, the real `durable-functions` replay
 * runs over it, and what it returns (custom status, actions, output) is checked and applied
 * (docs/reference/local-functions-host.md §2).
 */

const OUT_OF_PROC_MARKER = '$OutOfProcData$:';

/**
 * Runs one episode of `instance` for the inbox item `item`: the JS replay and its actions, then
 * the commit (with a task hub in storage: one write of the instance, history and pending work
 * together), and only then what the episode scheduled starts. A host that dies between the
 * commit and the start leaves work recorded and not done, which the next host starts on load.
 */
export async function runEpisode(core: EngineCore, instance: Instance, item: InboxItem): Promise<void> {
  const generation = instance.generation;
  instance.inEpisode = true;
  let after: (() => void)[];
  try {
    after = await playEpisode(core, instance, item);
  } finally {
    instance.inEpisode = false;
  }
  if (core.persistence) await core.persistence.commit(instance);
  core.crash?.reached(instance.name, 'after');
  if (after.length > 0 && instance.generation === generation) for (const f of after) f();
  core.notify();
}

/** The episode itself; returns what to start once it is committed. */
async function playEpisode(core: EngineCore, instance: Instance, item: InboxItem): Promise<(() => void)[]> {
  const now = core.options.clock.now();
  const nowMs = now.getTime();
  const generation = instance.generation;
  const fn = core.options.functions(instance.name);
  for (const e of instance.history) e.IsPlayed = true;
  const previousLength = instance.history.length;
  const fresh: HistoryEvent[] = [historyEvent(EventType.OrchestratorStarted, now)];
  const { EventId: eventId, ...fields } = item.event;
  fresh.push(historyEvent(item.event.EventType, now, fields, typeof eventId === 'number' ? eventId : -1));
  const afterEpisode: (() => void)[] = [];
  hostSideFollowUps(core, instance, item, now, fresh, afterEpisode);
  instance.history.push(...fresh);
  if (instance.status === 'Pending') instance.status = 'Running';
  if (!fn || fn.trigger.type !== 'orchestrationTrigger') {
    fail(
      core,
      instance,
      `The function '${instance.name}' doesn't exist, is disabled, or is not an orchestrator function.`,
      now,
    );
    return [];
  }

  const payload = {
    history: instance.history,
    input: instance.inputJson === null ? null : (JSON.parse(instance.inputJson) as unknown),
    instanceId: instance.instanceId,
    isReplaying: previousLength > 0,
    parentInstanceId: instance.parent?.instanceId ?? null,
    upperSchemaVersion: 1,
    upperSchemaVersionNew: 2,
    longRunningTimerIntervalDuration: '3.00:00:00',
    maximumShortTimerDuration: '6.00:00:00',
    defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
  };
  core.episodes++;
  let state: OrchestratorState;
  let failure: string | undefined;
  try {
    const response = await invokeFunction(core.options.registry, fn, {
      trigger: { string: JSON.stringify(payload) },
    });
    state = JSON.parse(typedDataToJsonText(response.returnValue)) as OrchestratorState;
  } catch (error) {
    const parsed = parseOrchestrationFailure(error);
    state = parsed.state ?? { isDone: false, actions: [[]], schemaVersion: 2 };
    failure = parsed.message;
  }
  if (instance.generation !== generation || !RUNNING_STATES.has(instance.status)) return []; // terminated meanwhile
  // Custom status is rewritten every episode from what this replay set (reference: DurableTask.Core
  // TaskOrchestrationDispatcher `runtimeState.Status = result?.CustomStatus`, the result being
  // TaskOrchestrationShim.GetStatus() of a context created for this episode, which the extension's
  // OutOfProcOrchestrationShim fills only when the SDK's state carries a non-null customStatus). A
  // replay that sets none clears it, except right after continue-as-new (`carryOverStatus`).
  const carriedOver = instance.carryOverCustomStatus ? instance.customStatus : null;
  instance.carryOverCustomStatus = false;
  instance.customStatus = carriedOver;
  if (state.customStatus !== undefined && state.customStatus !== null) {
    // The shim calls SetCustomStatus before it replays the actions, so an oversized status fails
    // the episode before anything it scheduled (and before the replay checks) is processed.
    const tooLarge = customStatusTooLarge(state.customStatus);
    if (tooLarge !== undefined) {
      fail(core, instance, `Orchestrator function '${instance.name}' failed: ${tooLarge}`, now);
      return [];
    }
    instance.customStatus = state.customStatus;
  }
  const leaves = flattenActions(state.actions.flat());

  const unsupported = leaves.find((a) => UNSUPPORTED_ACTIONS[a.actionType] !== undefined);
  if (unsupported) {
    fail(
      core,
      instance,
      `Orchestrator function '${instance.name}' failed: ${UNSUPPORTED_ACTIONS[unsupported.actionType]}`,
      now,
    );
    return [];
  }
  const withIds = leaves.filter(
    (a) => a.actionType !== ActionType.WaitForExternalEvent && a.actionType !== ActionType.ContinueAsNew,
  );
  const nondeterminism = checkDeterminism(instance.scheduled, withIds);
  if (nondeterminism !== undefined) {
    fail(core, instance, `Non-Deterministic workflow detected: ${nondeterminism}`, now);
    return [];
  }
  if (failure !== undefined) {
    fail(core, instance, `Orchestrator function '${instance.name}' failed: ${failure}`, now);
    return [];
  }

  // Cancelled timers (timer.cancel() flips isCanceled on an action already sent).
  withIds.forEach((action, index) => {
    const known = instance.scheduled[index];
    if (known?.kind === 'timer' && action.isCanceled && known.timerId !== undefined) {
      const p = instance.pending.get(known.timerId);
      if (p?.kind === 'timer') {
        p.cancel();
        instance.pending.delete(known.timerId);
      }
    }
  });

  const continueAction = leaves.find((a) => a.actionType === ActionType.ContinueAsNew);
  if (!state.isDone || continueAction) {
    for (let index = instance.scheduled.length; index < withIds.length; index++) {
      const action = withIds[index]!;
      scheduleAction(core, instance, action, index, now, nowMs, afterEpisode);
    }
  }
  instance.lastUpdatedTime = now;

  if (state.isDone && continueAction) {
    instance.history.push(historyEvent(EventType.OrchestratorCompleted, now));
    continueAsNew(core, instance, actionInputToJson(continueAction.input), now);
    return [];
  }
  if (state.isDone) {
    const output = state.output === undefined ? 'null' : JSON.stringify(state.output);
    completeExecution(core, instance, 'Completed', output, now);
    return [];
  }
  instance.history.push(historyEvent(EventType.OrchestratorCompleted, now));
  return afterEpisode;
}

/** Starts the next execution of `instance` with a fresh history (continue-as-new). */
export function continueAsNew(
  core: EngineCore,
  instance: Instance,
  inputJson: string | null,
  now: Date,
): void {
  core.cancelPending(instance);
  instance.generation++;
  instance.inputJson = inputJson;
  instance.history = [];
  instance.inbox = []; // unprocessed events are dropped, as in the JS SDK (reference §3)
  instance.scheduled = [];
  instance.nextSeq = 0;
  instance.status = 'Running';
  instance.carryOverCustomStatus = true;
  instance.lastUpdatedTime = now;
  core.enqueue(instance, {
    event: {
      EventType: EventType.ExecutionStarted,
      Name: instance.name,
      Input: inputJson,
      Version: instance.version,
    },
  });
  core.notify();
}

/** Fails the execution with `message` as its output. */
export function fail(core: EngineCore, instance: Instance, message: string, now: Date): void {
  completeExecution(core, instance, 'Failed', JSON.stringify(message), now);
}

/**
 * Ends the execution inside an episode as DurableTask.Core's dispatcher records it: the
 * completion action adds ExecutionCompleted, then the episode ends with OrchestratorCompleted
 * (TaskOrchestrationDispatcher: ProcessWorkflowCompletedTaskDecision, then
 * `runtimeState.AddEvent(new OrchestratorCompletedEvent(-1))`).
 */
export function completeExecution(
  core: EngineCore,
  instance: Instance,
  status: 'Completed' | 'Failed',
  outputJson: string,
  now: Date,
): void {
  instance.history.push(
    historyEvent(EventType.ExecutionCompleted, now, { OrchestrationStatus: status, Result: outputJson }),
    historyEvent(EventType.OrchestratorCompleted, now),
  );
  core.finish(instance, status, outputJson, now);
}

/**
 * A throwing orchestrator makes the SDK wrapper throw an error whose message carries the state
 * JSON after `$OutOfProcData$:`; the extension reports the state's `error` (reference §2).
 */
function parseOrchestrationFailure(error: unknown): {
  message: string;
  state: OrchestratorState | undefined;
} {
  const thrown = error instanceof FunctionInvocationError ? error.thrown : error;
  const text = thrown instanceof Error ? thrown.message : String(thrown);
  const at = text.indexOf(OUT_OF_PROC_MARKER);
  if (at < 0) return { message: text, state: undefined };
  try {
    const state = JSON.parse(text.slice(at + OUT_OF_PROC_MARKER.length)) as OrchestratorState;
    return { message: state.error ?? text.slice(0, at).trim(), state };
  } catch {
    return { message: text.slice(0, at).trim(), state: undefined };
  }
}

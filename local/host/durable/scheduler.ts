import { FunctionInvocationError, invokeFunction, typedDataToJsonText } from '../invoke';
import {
  ActionType,
  EventType,
  actionInputToJson,
  type Action,
  type HistoryEvent,
  type RetryOptionsWire,
} from './history';
import { historyEvent, type InboxItem, type Instance, type Pending, type RetryChain } from './instance';
import type { EngineCore } from './instances';

/**
 * The scheduler: what an episode's actions start (activities, sub-orchestrations, durable timers)
 * and what DurableTask.Core does around them (retry backoff timers and reschedules, the legs of a
 * long timer) (docs/reference/local-functions-host.md §3).
 */

/** Max short timer / long timer interval the extension sends to the SDK (its defaults). */
const MAXIMUM_SHORT_TIMER_MS = 6 * 24 * 3600_000;
const LONG_RUNNING_TIMER_INTERVAL_MS = 3 * 24 * 3600_000;
const DEFAULT_MAX_RETRY_INTERVAL_MS = 6 * 24 * 3600_000;

/**
 * What DurableTask.Core does on its side when an event arrives, before the JS replay sees it:
 * retry backoff timers and reschedules (each consuming a sequence id, reference §3) and the next
 * leg of a long timer.
 */
export function hostSideFollowUps(
  core: EngineCore,
  instance: Instance,
  item: InboxItem,
  now: Date,
  fresh: HistoryEvent[],
  after: (() => void)[],
): void {
  const e = item.event;
  const nowMs = now.getTime();
  if (
    e.EventType === EventType.TaskCompleted ||
    e.EventType === EventType.SubOrchestrationInstanceCompleted
  ) {
    instance.pending.delete(e['TaskScheduledId'] as number);
    return;
  }
  if (e.EventType === EventType.TaskFailed || e.EventType === EventType.SubOrchestrationInstanceFailed) {
    const id = e['TaskScheduledId'] as number;
    const p = instance.pending.get(id);
    instance.pending.delete(id);
    if ((p?.kind === 'activity' || p?.kind === 'sub') && p.chain) {
      const chain = p.chain;
      chain.lastReason = typeof e['Reason'] === 'string' ? e['Reason'] : '';
      chain.lastDetails = typeof e['Details'] === 'string' ? e['Details'] : '';
      const final = chain.attempt >= chain.options.maxNumberOfAttempts;
      const timeout = chain.options.retryTimeoutInMilliseconds;
      const expired = timeout !== undefined && timeout > 0 && nowMs - chain.firstAttemptAt >= timeout;
      const delay = final || expired ? 0 : retryDelay(chain.options, chain.attempt);
      const timerId = instance.nextSeq++;
      const fireAt = nowMs + delay;
      fresh.push(
        historyEvent(EventType.TimerCreated, now, { FireAt: new Date(fireAt).toISOString() }, timerId),
      );
      const role = { type: 'retry', chain, final } as const;
      awaitTimer(instance, timerId, fireAt, role);
      after.push(() => startTimer(core, instance, timerId, fireAt, role));
    }
    return;
  }
  if (e.EventType === EventType.TimerFired) {
    const timerId = e['TimerId'] as number;
    const p = instance.pending.get(timerId);
    instance.pending.delete(timerId);
    if (p?.kind !== 'timer') return;
    if (p.role.type === 'retry' && !p.role.final) {
      const chain = p.role.chain;
      const id = instance.nextSeq++;
      chain.attempt++;
      const timeout = chain.options.retryTimeoutInMilliseconds;
      const expired = timeout !== undefined && timeout > 0 && nowMs - chain.firstAttemptAt >= timeout;
      if (chain.kind === 'activity') {
        fresh.push(
          historyEvent(EventType.TaskScheduled, now, { Name: chain.name, Input: chain.inputJson }, id),
        );
        instance.pending.set(id, { kind: 'activity', chain });
        after.push(() => {
          if (expired) {
            // The real host would create no timer and leave the orchestration waiting for ever
            // (reference §3); locally the remaining attempts fail at once so nothing hangs.
            core.enqueue(instance, {
              event: {
                EventType: EventType.TaskFailed,
                TaskScheduledId: id,
                Reason: chain.lastReason,
                Details: `retry timeout of ${timeout}ms expired (local host: remaining attempts fail at once)\n${chain.lastDetails}`,
              },
            });
          } else {
            dispatchActivity(core, instance, id, chain.name, chain.inputJson);
          }
        });
      } else {
        const subId = chain.subInstanceId ?? `${instance.instanceId}:${id}`;
        fresh.push(
          historyEvent(
            EventType.SubOrchestrationInstanceCreated,
            now,
            {
              Name: chain.name,
              InstanceId: subId,
              Input: chain.inputJson,
              ...(chain.version === undefined ? {} : { Version: chain.version }),
            },
            id,
          ),
        );
        instance.pending.set(id, { kind: 'sub', childId: subId, chain });
        after.push(() =>
          startSubOrchestration(core, instance, id, chain.name, subId, chain.inputJson, chain.version),
        );
      }
    } else if (p.role.type === 'long' && p.role.finalFireAt > nowMs) {
      const next =
        p.role.finalFireAt - nowMs > MAXIMUM_SHORT_TIMER_MS
          ? nowMs + LONG_RUNNING_TIMER_INTERVAL_MS
          : p.role.finalFireAt;
      const id = instance.nextSeq++;
      const role = p.role;
      fresh.push(historyEvent(EventType.TimerCreated, now, { FireAt: new Date(next).toISOString() }, id));
      const scheduled = instance.scheduled[role.scheduledIndex];
      if (scheduled) scheduled.timerId = id;
      awaitTimer(instance, id, next, role);
      after.push(() => startTimer(core, instance, id, next, role));
    }
  }
}

/** Records a newly scheduled action in the history and starts it after the episode (`after`). */
export function scheduleAction(
  core: EngineCore,
  instance: Instance,
  action: Action,
  index: number,
  now: Date,
  nowMs: number,
  after: (() => void)[],
): void {
  const id = instance.nextSeq++;
  switch (action.actionType) {
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry: {
      const name = action.functionName ?? '';
      const inputJson = actionInputToJson(action.input);
      instance.scheduled.push({ id, kind: 'activity', name });
      instance.history.push(historyEvent(EventType.TaskScheduled, now, { Name: name, Input: inputJson }, id));
      const chain = action.retryOptions
        ? newChain('activity', name, inputJson, undefined, action.retryOptions, nowMs)
        : undefined;
      instance.pending.set(id, { kind: 'activity', chain });
      after.push(() => dispatchActivity(core, instance, id, name, inputJson));
      return;
    }
    case ActionType.CallSubOrchestrator:
    case ActionType.CallSubOrchestratorWithRetry: {
      const name = action.functionName ?? '';
      // Sub-orchestration input is not pre-stringified by the SDK.
      const inputJson = action.input === undefined ? null : JSON.stringify(action.input);
      const subId = action.instanceId ?? `${instance.instanceId}:${id}`;
      // The version passed to callSubOrchestrator, else the worker's default (the SDK's typings:
      // "If not specified, the default version from host.json will be used").
      const version = action.version ?? core.versioning.defaultVersion;
      instance.scheduled.push({ id, kind: 'sub', name, subInstanceId: subId });
      instance.history.push(
        historyEvent(
          EventType.SubOrchestrationInstanceCreated,
          now,
          // DurableTask.Core's SubOrchestrationInstanceCreatedEvent carries the version too.
          { Name: name, InstanceId: subId, Input: inputJson, Version: version },
          id,
        ),
      );
      const chain = action.retryOptions
        ? newChain('sub', name, inputJson, action.instanceId, action.retryOptions, nowMs, version)
        : undefined;
      instance.pending.set(id, { kind: 'sub', childId: subId, chain });
      after.push(() => startSubOrchestration(core, instance, id, name, subId, inputJson, version));
      return;
    }
    case ActionType.CreateTimer: {
      const finalFireAt = Date.parse(action.fireAt ?? '');
      const long = finalFireAt - nowMs > MAXIMUM_SHORT_TIMER_MS;
      const fireAt = long ? nowMs + LONG_RUNNING_TIMER_INTERVAL_MS : finalFireAt;
      instance.scheduled.push({ id, kind: 'timer', name: '', timerId: id });
      instance.history.push(
        historyEvent(EventType.TimerCreated, now, { FireAt: new Date(fireAt).toISOString() }, id),
      );
      if (!action.isCanceled) {
        const role: Extract<Pending, { kind: 'timer' }>['role'] = long
          ? { type: 'long', scheduledIndex: index, finalFireAt }
          : { type: 'user', scheduledIndex: index };
        awaitTimer(instance, id, fireAt, role);
        after.push(() => startTimer(core, instance, id, fireAt, role));
      }
      return;
    }
    default:
      throw new Error(`unexpected action type ${action.actionType}`);
  }
}

/**
 * Records a durable timer as pending before it is set on the clock (after the episode's commit),
 * so the commit holds it and a host started after a crash sets it again.
 */
function awaitTimer(
  instance: Instance,
  id: number,
  fireAt: number,
  role: Extract<Pending, { kind: 'timer' }>['role'],
): void {
  instance.pending.set(id, { kind: 'timer', cancel: () => undefined, fireAt, role });
}

/** Starts a durable timer on the clock; when it fires, a TimerFired event goes to the inbox. */
export function startTimer(
  core: EngineCore,
  instance: Instance,
  id: number,
  fireAt: number,
  role: Extract<Pending, { kind: 'timer' }>['role'],
): void {
  if (core.stopped) return;
  const generation = instance.generation;
  const token = {};
  core.timerDue.set(token, fireAt);
  const cancelClock = core.options.clock.schedule(new Date(fireAt), () => {
    core.timerDue.delete(token);
    if (instance.generation !== generation || !instance.pending.has(id)) return;
    core.enqueue(instance, {
      event: { EventType: EventType.TimerFired, TimerId: id, FireAt: new Date(fireAt).toISOString() },
    });
  });
  const cancel = () => {
    core.timerDue.delete(token);
    cancelClock();
  };
  instance.pending.set(id, { kind: 'timer', cancel, fireAt, role });
}

/** Runs an activity (bounded by the activity slots) and sends its completion or failure to the inbox. */
export function dispatchActivity(
  core: EngineCore,
  instance: Instance,
  id: number,
  name: string,
  inputJson: string | null,
): void {
  const generation = instance.generation;
  const done = core.options.work.begin();
  void (async () => {
    const release = await core.activitySlots.acquire();
    try {
      if (core.stopped) return;
      const fn = core.options.functions(name);
      let event: InboxItem['event'];
      if (!fn || fn.trigger.type !== 'activityTrigger') {
        event = {
          EventType: EventType.TaskFailed,
          TaskScheduledId: id,
          Reason: `The function '${name}' doesn't exist, is disabled, or is not an activity or orchestrator function. Additional info: the local host has no such activity registered.`,
          Details: '',
        };
      } else {
        const invoke = () =>
          invokeFunction(core.options.registry, fn, {
            trigger: inputJson === null ? undefined : { json: inputJson },
            extraInputs: core.options.extraInputs?.(fn) ?? {},
          });
        core.crash?.reached(fn.name, 'before');
        if (core.duplicateActivities?.(fn.name) === true) {
          core.options.log(
            `Delivering activity '${fn.name}' (task ${id}) twice; the first result is dropped.`,
          );
          // The first delivery's outcome, success or failure, is lost as a crashed worker's would be.
          await invoke().catch(() => undefined);
          if (core.stopped) return;
        }
        try {
          const response = await invoke();
          event = {
            EventType: EventType.TaskCompleted,
            TaskScheduledId: id,
            Result: typedDataToJsonText(response.returnValue),
          };
        } catch (error) {
          const thrown = error instanceof FunctionInvocationError ? error.thrown : error;
          const message = thrown instanceof Error ? thrown.message : String(thrown);
          event = {
            EventType: EventType.TaskFailed,
            TaskScheduledId: id,
            Reason: `Activity function '${fn.name}' failed: ${message}`,
            Details: thrown instanceof Error ? (thrown.stack ?? '') : '',
          };
        }
      }
      if (fn) core.crash?.reached(fn.name, 'after');
      if (instance.generation === generation && core.instances.get(instance.instanceId) === instance)
        core.enqueue(instance, { event });
    } finally {
      release();
      done();
    }
  })();
}

/** Starts a sub-orchestration, or fails the parent's task when no such orchestrator exists. */
export function startSubOrchestration(
  core: EngineCore,
  parent: Instance,
  taskId: number,
  name: string,
  subId: string,
  inputJson: string | null,
  version: string | undefined,
): void {
  const fn = core.options.functions(name);
  if (!fn || fn.trigger.type !== 'orchestrationTrigger') {
    core.enqueue(parent, {
      event: {
        EventType: EventType.SubOrchestrationInstanceFailed,
        TaskScheduledId: taskId,
        Reason: `The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`,
        Details: '',
      },
    });
    return;
  }
  core.createInstance(
    subId,
    fn.name,
    inputJson,
    { instanceId: parent.instanceId, taskId },
    version ?? core.versioning.defaultVersion,
  );
}

/** A new retry chain for a call with retry options (its first attempt at `nowMs`). */
function newChain(
  kind: 'activity' | 'sub',
  name: string,
  inputJson: string | null,
  subInstanceId: string | undefined,
  options: RetryOptionsWire,
  nowMs: number,
  version?: string,
): RetryChain {
  return {
    kind,
    version,
    name,
    inputJson,
    subInstanceId,
    options,
    firstAttemptAt: nowMs,
    attempt: 1,
    lastReason: '',
    lastDetails: '',
  };
}

/** The extension's backoff: min(first × coefficient^(attempt-1), maxRetryInterval) (reference §3). */
export function retryDelay(options: RetryOptionsWire, failedAttempt: number): number {
  const coefficient = options.backoffCoefficient ?? 1;
  const max = options.maxRetryIntervalInMilliseconds ?? DEFAULT_MAX_RETRY_INTERVAL_MS;
  return Math.min(options.firstRetryIntervalInMilliseconds * coefficient ** (failedAttempt - 1), max);
}

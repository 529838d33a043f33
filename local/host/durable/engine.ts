import type { Clock } from '../../clock';
import { Semaphore, type WorkTracker } from '../idle';
import { FunctionInvocationError, invokeFunction, typedDataToJsonText, type LoadedFunction } from '../invoke';
import type { Registry, RpcTypedData } from '../registry';
import {
  ActionType,
  EventType,
  actionInputToJson,
  flattenActions,
  formatStatusTime,
  eventTypeName,
  type Action,
  type HistoryEvent,
  type OrchestratorState,
  type RetryOptionsWire,
} from './history';

/**
 * The Durable extension's part, in memory: instances, histories, episodes, timers, retries,
 * sub-orchestrations and the client operations (docs/reference/local-functions-host.md §2-4).
 * The JS side is the real `durable-functions` replay, invoked through the library's programming
 * model; this engine only does what DurableTask.Core and the extension do around it.
 */

/** Runtime statuses as the status API names them. */
export type RuntimeStatus =
  'Pending' | 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Canceled' | 'Terminated' | 'Suspended';

const RUNNING_STATES: ReadonlySet<RuntimeStatus> = new Set([
  'Pending',
  'Running',
  'Suspended',
  'ContinuedAsNew',
]);

/** The status JSON in the shape the extension's HTTP API returns. */
export interface InstanceStatus {
  name: string;
  instanceId: string;
  runtimeStatus: RuntimeStatus;
  input: unknown;
  customStatus: unknown;
  output: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: unknown[];
}

/**
 * Outcome of a client operation, mapped to HTTP by the API layer. `exception` names the .NET
 * exception the real extension throws for this refusal (its HTTP API then answers with an error
 * body carrying `ExceptionMessage` and `ExceptionType`).
 */
export type ClientResult<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      code: 'notFound' | 'gone' | 'badRequest' | 'conflict' | 'invalidOperation';
      message: string;
      exception?: 'System.ArgumentException' | 'System.InvalidOperationException';
    };

interface RetryChain {
  readonly kind: 'activity' | 'sub';
  readonly name: string;
  readonly inputJson: string | null;
  readonly subInstanceId: string | undefined;
  readonly options: RetryOptionsWire;
  readonly firstAttemptAt: number;
  attempt: number;
  lastReason: string;
  lastDetails: string;
}

type Pending =
  | { kind: 'activity'; chain: RetryChain | undefined }
  | { kind: 'sub'; childId: string; chain: RetryChain | undefined }
  | {
      kind: 'timer';
      cancel: () => void;
      fireAt: number;
      role:
        | { type: 'user'; scheduledIndex: number }
        | { type: 'long'; scheduledIndex: number; finalFireAt: number }
        | { type: 'retry'; chain: RetryChain; final: boolean };
    };

interface Scheduled {
  readonly id: number;
  readonly kind: 'activity' | 'timer' | 'sub';
  readonly name: string;
  readonly subInstanceId?: string;
  /** For timers: the id of the timer currently pending for this action (long timers move on). */
  timerId?: number;
}

interface InboxItem {
  readonly event: { EventType: number; EventId?: number; [field: string]: unknown };
}

interface Instance {
  readonly instanceId: string;
  name: string;
  status: RuntimeStatus;
  inputJson: string | null;
  outputJson: string | null;
  customStatus: unknown;
  /**
   * Set by continue-as-new: the next episode keeps the previous execution's custom status when it
   * sets none (DurableTask.Core's `carryOverStatus`).
   */
  carryOverCustomStatus: boolean;
  createdTime: Date;
  lastUpdatedTime: Date;
  history: HistoryEvent[];
  inbox: InboxItem[];
  pending: Map<number, Pending>;
  scheduled: Scheduled[];
  nextSeq: number;
  pumping: boolean;
  suspended: boolean;
  parent: { instanceId: string; taskId: number } | undefined;
  /** Bumped on restart/continue-as-new/termination so late completions of old work are dropped. */
  generation: number;
}

/** Options for the engine. */
export interface DurableEngineOptions {
  readonly registry: Registry;
  readonly clock: Clock;
  readonly work: WorkTracker;
  readonly functions: (name: string) => LoadedFunction | undefined;
  readonly overridableExistingInstanceStates: 'AnyState' | 'NonRunningStates';
  readonly maxConcurrentActivityFunctions: number;
  readonly log: (message: string) => void;
  /** Values of an activity's extra input bindings (a durable client), as the host binds them. */
  readonly extraInputs?: (fn: LoadedFunction) => Readonly<Record<string, RpcTypedData>>;
  /** Activities to deliver twice (see {@link DurableEngine.duplicateActivities}). */
  readonly duplicateActivities?: (name: string) => boolean;
}

/** Max short timer / long timer interval the extension sends to the SDK (its defaults). */
const MAXIMUM_SHORT_TIMER_MS = 6 * 24 * 3600_000;
const LONG_RUNNING_TIMER_INTERVAL_MS = 3 * 24 * 3600_000;
const DEFAULT_MAX_RETRY_INTERVAL_MS = 6 * 24 * 3600_000;
const OUT_OF_PROC_MARKER = '$OutOfProcData$:';
/** The extension's limit on the JSON of a custom status (see `customStatusTooLarge`). */
const MAX_CUSTOM_STATUS_PAYLOAD_KB = 16;
/** DurableClient.MaxInstanceIdLength in the extension. */
const MAX_INSTANCE_ID_LENGTH = 256;

/** The client API's answer for an unknown instance (404). */
function notFound(instanceId: string): { ok: false; code: 'notFound'; message: string } {
  return { ok: false, code: 'notFound', message: `No instance with ID '${instanceId}' found.` };
}

/**
 * The extension's refusal of a suspend/resume in the wrong state (DurableClient.SuspendAsync /
 * ResumeAsync throw InvalidOperationException; its HTTP API answers 500).
 */
function cannot(
  op: 'suspend' | 'resume',
  instanceId: string,
  status: RuntimeStatus,
): Extract<ClientResult<never>, { ok: false }> {
  return {
    ok: false,
    code: 'invalidOperation',
    message: `Cannot ${op} the orchestration instance ${instanceId} because instance is in the ${status} state.`,
    exception: 'System.InvalidOperationException',
  };
}

/**
 * Why the extension refuses an explicit instance id, if it does (DurableClient.StartNewAsync, in
 * this order): a leading `@`, a `/ \ ? #` or control character (`char.IsControl`: U+0000-U+001F,
 * U+007F-U+009F), more than 256 characters. The first two throw `new ArgumentException(
 * nameof(instanceId), "...")`, arguments swapped, so on .NET the exception's Message is
 * `instanceId (Parameter '...')`; the third puts the text in the message.
 */
export function instanceIdProblem(instanceId: string): string | undefined {
  if (instanceId.startsWith('@'))
    return "instanceId (Parameter 'Orchestration instance ids must not start with @.')";
  if ([...instanceId].some(isInvalidInstanceIdCharacter))
    return "instanceId (Parameter 'Orchestration instance ids must not contain /, \\, #, ?, or control characters.')";
  if (instanceId.length > MAX_INSTANCE_ID_LENGTH)
    return `Instance ID lengths must not exceed ${MAX_INSTANCE_ID_LENGTH} characters.`;
  return undefined;
}

/** DurableClient.IsInvalidCharacter: `/ \\ ? #` or `char.IsControl`. */
function isInvalidInstanceIdCharacter(c: string): boolean {
  const code = c.charCodeAt(0);
  return '/\\?#'.includes(c) || code <= 0x1f || (code >= 0x7f && code <= 0x9f);
}

/**
 * The extension's custom status limit (DurableOrchestrationContext.SetCustomStatus →
 * MessagePayloadDataConverter.Serialize(value, 16)): the JSON's UTF-16 byte count, divided by
 * 1024 and truncated, must not exceed 16, else ArgumentException "The UTF-16 size of the
 * JSON-serialized payload must not exceed 16 KB. The current payload size is {n} KB." So up to
 * 17407 bytes (8703 UTF-16 code units of JSON) pass. JSON.stringify stands in for Newtonsoft's
 * `JToken.ToString(Formatting.None)` (same text for the JSON the SDK sends, bar escaping of lone
 * surrogates).
 */
export function customStatusTooLarge(customStatus: unknown): string | undefined {
  const json = JSON.stringify(customStatus) ?? '';
  const sizeKb = Math.floor((json.length * 2) / 1024);
  if (sizeKb <= MAX_CUSTOM_STATUS_PAYLOAD_KB) return undefined;
  const n = (v: number) => v.toLocaleString('en-US');
  return `The UTF-16 size of the JSON-serialized payload must not exceed ${n(MAX_CUSTOM_STATUS_PAYLOAD_KB)} KB. The current payload size is ${n(sizeKb)} KB.`;
}

/** The in-memory Durable extension. */
export class DurableEngine {
  private readonly instances = new Map<string, Instance>();
  private readonly listeners = new Set<() => void>();
  private readonly activitySlots: Semaphore;
  private readonly timerDue = new Map<object, number>();
  private stopped = false;
  /** Counts episodes run (for benchmarks). */
  episodes = 0;
  /**
   * Activities (by name) this engine delivers twice. The real host delivers activities at least
   * once: a worker that dies after running an activity, before its completion is recorded, makes
   * the extension run it again. When this answers true, the activity runs once, its result is
   * dropped as if that completion were lost, then it runs again and the second result is recorded.
   * Settable while running, so a test can turn it on for one run.
   */
  duplicateActivities: ((name: string) => boolean) | undefined;

  constructor(private readonly options: DurableEngineOptions) {
    this.activitySlots = new Semaphore(options.maxConcurrentActivityFunctions);
    this.duplicateActivities = options.duplicateActivities;
  }

  /** Stops scheduling: pending timers are cancelled and no new episode starts. */
  stop(): void {
    this.stopped = true;
    for (const instance of this.instances.values()) this.cancelPending(instance);
    this.timerDue.clear();
  }

  /** Calls `fn` after every state change (episode, status change); returns an unsubscribe. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The earliest durable timer (user timer, retry backoff) still pending, if any. */
  nextTimerDue(): Date | undefined {
    let min: number | undefined;
    for (const at of this.timerDue.values()) if (min === undefined || at < min) min = at;
    return min === undefined ? undefined : new Date(min);
  }

  // ---------------------------------------------------------------------------------------------
  // Client operations

  /** Starts an orchestration (POST orchestrators/{name}[/{id}]). */
  startNew(name: string, instanceId: string | undefined, inputJson: string | null): ClientResult<string> {
    const fn = this.options.functions(name);
    if (!fn || fn.trigger.type !== 'orchestrationTrigger') {
      return {
        ok: false,
        code: 'badRequest',
        message: `The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`,
      };
    }
    if (instanceId !== undefined && instanceId !== '') {
      const problem = instanceIdProblem(instanceId);
      if (problem !== undefined)
        return { ok: false, code: 'badRequest', message: problem, exception: 'System.ArgumentException' };
    }
    const id = instanceId || crypto.randomUUID().replace(/-/g, '');
    const existing = this.instances.get(id);
    if (
      existing &&
      RUNNING_STATES.has(existing.status) &&
      this.options.overridableExistingInstanceStates === 'NonRunningStates'
    ) {
      return {
        ok: false,
        code: 'conflict',
        message: `An Orchestration instance with the status ${existing.status} already exists.`,
      };
    }
    this.createInstance(id, fn.name, inputJson, undefined);
    return { ok: true, value: id };
  }

  /** Status of one instance (GET instances/{id}). */
  getStatus(
    instanceId: string,
    opts: { showHistory?: boolean; showHistoryOutput?: boolean; showInput?: boolean } = {},
  ): InstanceStatus | undefined {
    const instance = this.instances.get(instanceId);
    if (!instance) return undefined;
    return this.toStatus(instance, opts);
  }

  /** Instances matching a filter (GET instances/). */
  list(
    filter: { createdTimeFrom?: Date; createdTimeTo?: Date; runtimeStatus?: readonly string[] } = {},
  ): InstanceStatus[] {
    return [...this.instances.values()]
      .filter((i) => this.matches(i, filter))
      .map((i) => this.toStatus(i, { showInput: true }));
  }

  /** Raw history of the current execution (PascalCase events, as sent to the SDK). */
  getHistory(instanceId: string): HistoryEvent[] | undefined {
    const instance = this.instances.get(instanceId);
    return instance ? instance.history.map((e) => ({ ...e })) : undefined;
  }

  /** The instance when it exists and is running; otherwise the client API's 404 or 410 answer. */
  private runningInstance(
    instanceId: string,
    whyGone: (status: string) => string,
  ): { ok: true; value: Instance } | Extract<ClientResult<never>, { ok: false }> {
    const instance = this.instances.get(instanceId);
    if (!instance) return notFound(instanceId);
    if (!RUNNING_STATES.has(instance.status)) {
      return {
        ok: false,
        code: 'gone',
        message: `The instance '${instanceId}' ${whyGone(instance.status)}.`,
      };
    }
    return { ok: true, value: instance };
  }

  /** Raises an external event (POST instances/{id}/raiseEvent/{name}). */
  raiseEvent(instanceId: string, eventName: string, inputJson: string | null): ClientResult<void> {
    const found = this.runningInstance(instanceId, (status) => `is ${status}; the event was discarded`);
    if (!found.ok) return found;
    const instance = found.value;
    this.enqueue(instance, {
      event: { EventType: EventType.EventRaised, Name: eventName, Input: inputJson },
    });
    return { ok: true, value: undefined };
  }

  /** Terminates a running instance (POST instances/{id}/terminate). */
  terminate(instanceId: string, reason: string): ClientResult<void> {
    const found = this.runningInstance(instanceId, (status) => `is ${status} and cannot be terminated`);
    if (!found.ok) return found;
    const instance = found.value;
    const now = this.options.clock.now();
    const output = JSON.stringify(reason);
    // As DurableTask.Core records it: the termination is an episode of its own, and its completion
    // action adds ExecutionCompleted (Terminated) before the episode's OrchestratorCompleted.
    instance.history.push(
      this.event(EventType.OrchestratorStarted, now),
      this.event(EventType.ExecutionTerminated, now, { Input: output }),
      this.event(EventType.ExecutionCompleted, now, { OrchestrationStatus: 'Terminated', Result: output }),
      this.event(EventType.OrchestratorCompleted, now),
    );
    this.finish(instance, 'Terminated', output, now);
    return { ok: true, value: undefined };
  }

  /**
   * Suspends a running instance: events are held until resumed. As in the extension's
   * `DurableClient.SuspendAsync`, only Running, Pending and ContinuedAsNew instances can be
   * suspended; suspending a Suspended one throws InvalidOperationException (HTTP 500).
   */
  suspend(instanceId: string): ClientResult<void> {
    const found = this.runningInstance(instanceId, (status) => `is ${status}`);
    if (!found.ok) return found;
    const instance = found.value;
    if (instance.status === 'Suspended') return cannot('suspend', instanceId, instance.status);
    instance.suspended = true;
    instance.status = 'Suspended';
    instance.lastUpdatedTime = this.options.clock.now();
    this.notify();
    return { ok: true, value: undefined };
  }

  /**
   * Resumes a suspended instance. As in the extension's `DurableClient.ResumeAsync`, resuming an
   * instance that is not Suspended throws InvalidOperationException (HTTP 500); a finished one
   * answers 410 from the HTTP API first.
   */
  resume(instanceId: string): ClientResult<void> {
    const found = this.runningInstance(instanceId, (status) => `is ${status}`);
    if (!found.ok) return found;
    const instance = found.value;
    if (instance.status !== 'Suspended') return cannot('resume', instanceId, instance.status);
    instance.suspended = false;
    instance.status = 'Running';
    instance.lastUpdatedTime = this.options.clock.now();
    this.pump(instance);
    this.notify();
    return { ok: true, value: undefined };
  }

  /** Deletes an instance's state (DELETE instances/{id}). Returns how many were deleted. */
  purge(instanceId: string): number {
    const instance = this.instances.get(instanceId);
    if (!instance) return 0;
    this.cancelPending(instance);
    instance.generation++;
    this.instances.delete(instanceId);
    return 1;
  }

  /** Deletes every instance matching the filter (DELETE instances/?...). */
  purgeBy(filter: {
    createdTimeFrom?: Date;
    createdTimeTo?: Date;
    runtimeStatus?: readonly string[];
  }): number {
    let n = 0;
    for (const instance of [...this.instances.values()])
      if (this.matches(instance, filter)) n += this.purge(instance.instanceId);
    return n;
  }

  // ---------------------------------------------------------------------------------------------
  // Instances and episodes

  private createInstance(
    instanceId: string,
    name: string,
    inputJson: string | null,
    parent: Instance['parent'],
  ): Instance {
    const previous = this.instances.get(instanceId);
    if (previous) {
      this.cancelPending(previous);
      previous.generation++;
    }
    const now = this.options.clock.now();
    const instance: Instance = {
      instanceId,
      name,
      status: 'Pending',
      inputJson,
      outputJson: null,
      customStatus: null,
      carryOverCustomStatus: false,
      createdTime: now,
      lastUpdatedTime: now,
      history: [],
      inbox: [],
      pending: new Map(),
      scheduled: [],
      nextSeq: 0,
      pumping: false,
      suspended: false,
      parent,
      generation: (previous?.generation ?? 0) + 1,
    };
    this.instances.set(instanceId, instance);
    this.enqueue(instance, {
      event: { EventType: EventType.ExecutionStarted, Name: name, Input: inputJson, Version: '' },
    });
    this.notify();
    return instance;
  }

  private enqueue(instance: Instance, item: InboxItem): void {
    instance.inbox.push(item);
    this.pump(instance);
  }

  private pump(instance: Instance): void {
    if (instance.pumping || instance.suspended || this.stopped) return;
    instance.pumping = true;
    const done = this.options.work.begin();
    setImmediate(() => {
      void this.drain(instance).finally(() => {
        instance.pumping = false;
        done();
      });
    });
  }

  private async drain(instance: Instance): Promise<void> {
    while (!this.stopped && !instance.suspended && this.instances.get(instance.instanceId) === instance) {
      const item = instance.inbox.shift();
      if (!item) return;
      if (!RUNNING_STATES.has(instance.status)) continue; // finished: late events are discarded
      try {
        await this.runEpisode(instance, item);
      } catch (error) {
        // A host bug must not leave the instance hanging: fail it visibly.
        this.options.log(
          `local host error in '${instance.instanceId}': ${(error as Error).stack ?? String(error)}`,
        );
        this.fail(instance, `Local host error: ${(error as Error).message}`, this.options.clock.now());
      }
    }
  }

  private event(type: number, now: Date, fields: Record<string, unknown> = {}, eventId = -1): HistoryEvent {
    return { EventType: type, EventId: eventId, IsPlayed: false, Timestamp: now.toISOString(), ...fields };
  }

  private async runEpisode(instance: Instance, item: InboxItem): Promise<void> {
    const now = this.options.clock.now();
    const nowMs = now.getTime();
    const generation = instance.generation;
    const fn = this.options.functions(instance.name);
    for (const e of instance.history) e.IsPlayed = true;
    const previousLength = instance.history.length;
    const fresh: HistoryEvent[] = [this.event(EventType.OrchestratorStarted, now)];
    const { EventId: eventId, ...fields } = item.event;
    fresh.push(this.event(item.event.EventType, now, fields, typeof eventId === 'number' ? eventId : -1));
    const afterEpisode: (() => void)[] = [];
    this.hostSideFollowUps(instance, item, now, fresh, afterEpisode);
    instance.history.push(...fresh);
    if (instance.status === 'Pending') instance.status = 'Running';
    if (!fn || fn.trigger.type !== 'orchestrationTrigger') {
      this.fail(
        instance,
        `The function '${instance.name}' doesn't exist, is disabled, or is not an orchestrator function.`,
        now,
      );
      return;
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
    this.episodes++;
    let state: OrchestratorState;
    let failure: string | undefined;
    try {
      const response = await invokeFunction(this.options.registry, fn, {
        trigger: { string: JSON.stringify(payload) },
      });
      state = JSON.parse(typedDataToJsonText(response.returnValue)) as OrchestratorState;
    } catch (error) {
      const parsed = parseOrchestrationFailure(error);
      state = parsed.state ?? { isDone: false, actions: [[]], schemaVersion: 2 };
      failure = parsed.message;
    }
    if (instance.generation !== generation || !RUNNING_STATES.has(instance.status)) return; // terminated meanwhile
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
        this.fail(instance, `Orchestrator function '${instance.name}' failed: ${tooLarge}`, now);
        return;
      }
      instance.customStatus = state.customStatus;
    }
    const leaves = flattenActions(state.actions.flat());

    const unsupported = leaves.find((a) => UNSUPPORTED_ACTIONS[a.actionType] !== undefined);
    if (unsupported) {
      this.fail(
        instance,
        `Orchestrator function '${instance.name}' failed: ${UNSUPPORTED_ACTIONS[unsupported.actionType]}`,
        now,
      );
      return;
    }
    const withIds = leaves.filter(
      (a) => a.actionType !== ActionType.WaitForExternalEvent && a.actionType !== ActionType.ContinueAsNew,
    );
    const nondeterminism = checkDeterminism(instance.scheduled, withIds);
    if (nondeterminism !== undefined) {
      this.fail(instance, `Non-Deterministic workflow detected: ${nondeterminism}`, now);
      return;
    }
    if (failure !== undefined) {
      this.fail(instance, `Orchestrator function '${instance.name}' failed: ${failure}`, now);
      return;
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

    const continueAsNew = leaves.find((a) => a.actionType === ActionType.ContinueAsNew);
    if (!state.isDone || continueAsNew) {
      for (let index = instance.scheduled.length; index < withIds.length; index++) {
        const action = withIds[index]!;
        this.scheduleAction(instance, action, index, now, nowMs, afterEpisode);
      }
    }
    instance.lastUpdatedTime = now;

    if (state.isDone && continueAsNew) {
      instance.history.push(this.event(EventType.OrchestratorCompleted, now));
      this.continueAsNew(instance, actionInputToJson(continueAsNew.input), now);
      return;
    }
    if (state.isDone) {
      const output = state.output === undefined ? 'null' : JSON.stringify(state.output);
      this.completeExecution(instance, 'Completed', output, now);
      return;
    }
    instance.history.push(this.event(EventType.OrchestratorCompleted, now));
    for (const f of afterEpisode) f();
    this.notify();
  }

  /**
   * What DurableTask.Core does on its side when an event arrives, before the JS replay sees it:
   * retry backoff timers and reschedules (each consuming a sequence id, reference §3) and the next
   * leg of a long timer.
   */
  private hostSideFollowUps(
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
          this.event(EventType.TimerCreated, now, { FireAt: new Date(fireAt).toISOString() }, timerId),
        );
        after.push(() => this.startTimer(instance, timerId, fireAt, { type: 'retry', chain, final }));
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
            this.event(EventType.TaskScheduled, now, { Name: chain.name, Input: chain.inputJson }, id),
          );
          instance.pending.set(id, { kind: 'activity', chain });
          after.push(() => {
            if (expired) {
              // The real host would create no timer and leave the orchestration waiting for ever
              // (reference §3); locally the remaining attempts fail at once so nothing hangs.
              this.enqueue(instance, {
                event: {
                  EventType: EventType.TaskFailed,
                  TaskScheduledId: id,
                  Reason: chain.lastReason,
                  Details: `retry timeout of ${timeout}ms expired (local host: remaining attempts fail at once)\n${chain.lastDetails}`,
                },
              });
            } else {
              this.dispatchActivity(instance, id, chain.name, chain.inputJson);
            }
          });
        } else {
          const subId = chain.subInstanceId ?? `${instance.instanceId}:${id}`;
          fresh.push(
            this.event(
              EventType.SubOrchestrationInstanceCreated,
              now,
              { Name: chain.name, InstanceId: subId, Input: chain.inputJson },
              id,
            ),
          );
          instance.pending.set(id, { kind: 'sub', childId: subId, chain });
          after.push(() => this.startSubOrchestration(instance, id, chain.name, subId, chain.inputJson));
        }
      } else if (p.role.type === 'long' && p.role.finalFireAt > nowMs) {
        const next =
          p.role.finalFireAt - nowMs > MAXIMUM_SHORT_TIMER_MS
            ? nowMs + LONG_RUNNING_TIMER_INTERVAL_MS
            : p.role.finalFireAt;
        const id = instance.nextSeq++;
        const role = p.role;
        fresh.push(this.event(EventType.TimerCreated, now, { FireAt: new Date(next).toISOString() }, id));
        const scheduled = instance.scheduled[role.scheduledIndex];
        if (scheduled) scheduled.timerId = id;
        after.push(() => this.startTimer(instance, id, next, role));
      }
    }
  }

  private scheduleAction(
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
        instance.history.push(this.event(EventType.TaskScheduled, now, { Name: name, Input: inputJson }, id));
        const chain = action.retryOptions
          ? newChain('activity', name, inputJson, undefined, action.retryOptions, nowMs)
          : undefined;
        instance.pending.set(id, { kind: 'activity', chain });
        after.push(() => this.dispatchActivity(instance, id, name, inputJson));
        return;
      }
      case ActionType.CallSubOrchestrator:
      case ActionType.CallSubOrchestratorWithRetry: {
        const name = action.functionName ?? '';
        // Sub-orchestration input is not pre-stringified by the SDK.
        const inputJson = action.input === undefined ? null : JSON.stringify(action.input);
        const subId = action.instanceId ?? `${instance.instanceId}:${id}`;
        instance.scheduled.push({ id, kind: 'sub', name, subInstanceId: subId });
        instance.history.push(
          this.event(
            EventType.SubOrchestrationInstanceCreated,
            now,
            { Name: name, InstanceId: subId, Input: inputJson },
            id,
          ),
        );
        const chain = action.retryOptions
          ? newChain('sub', name, inputJson, action.instanceId, action.retryOptions, nowMs)
          : undefined;
        instance.pending.set(id, { kind: 'sub', childId: subId, chain });
        after.push(() => this.startSubOrchestration(instance, id, name, subId, inputJson));
        return;
      }
      case ActionType.CreateTimer: {
        const finalFireAt = Date.parse(action.fireAt ?? '');
        const long = finalFireAt - nowMs > MAXIMUM_SHORT_TIMER_MS;
        const fireAt = long ? nowMs + LONG_RUNNING_TIMER_INTERVAL_MS : finalFireAt;
        instance.scheduled.push({ id, kind: 'timer', name: '', timerId: id });
        instance.history.push(
          this.event(EventType.TimerCreated, now, { FireAt: new Date(fireAt).toISOString() }, id),
        );
        if (!action.isCanceled) {
          const role: Extract<Pending, { kind: 'timer' }>['role'] = long
            ? { type: 'long', scheduledIndex: index, finalFireAt }
            : { type: 'user', scheduledIndex: index };
          after.push(() => this.startTimer(instance, id, fireAt, role));
        }
        return;
      }
      default:
        throw new Error(`unexpected action type ${action.actionType}`);
    }
  }

  private startTimer(
    instance: Instance,
    id: number,
    fireAt: number,
    role: Extract<Pending, { kind: 'timer' }>['role'],
  ): void {
    if (this.stopped) return;
    const generation = instance.generation;
    const token = {};
    this.timerDue.set(token, fireAt);
    const cancelClock = this.options.clock.schedule(new Date(fireAt), () => {
      this.timerDue.delete(token);
      if (instance.generation !== generation || !instance.pending.has(id)) return;
      this.enqueue(instance, {
        event: { EventType: EventType.TimerFired, TimerId: id, FireAt: new Date(fireAt).toISOString() },
      });
    });
    const cancel = () => {
      this.timerDue.delete(token);
      cancelClock();
    };
    instance.pending.set(id, { kind: 'timer', cancel, fireAt, role });
  }

  private dispatchActivity(instance: Instance, id: number, name: string, inputJson: string | null): void {
    const generation = instance.generation;
    const done = this.options.work.begin();
    void (async () => {
      const release = await this.activitySlots.acquire();
      try {
        if (this.stopped) return;
        const fn = this.options.functions(name);
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
            invokeFunction(this.options.registry, fn, {
              trigger: inputJson === null ? undefined : { json: inputJson },
              extraInputs: this.options.extraInputs?.(fn) ?? {},
            });
          if (this.duplicateActivities?.(fn.name) === true) {
            this.options.log(
              `Delivering activity '${fn.name}' (task ${id}) twice; the first result is dropped.`,
            );
            // The first delivery's outcome, success or failure, is lost as a crashed worker's would be.
            await invoke().catch(() => undefined);
            if (this.stopped) return;
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
        if (instance.generation === generation && this.instances.get(instance.instanceId) === instance)
          this.enqueue(instance, { event });
      } finally {
        release();
        done();
      }
    })();
  }

  private startSubOrchestration(
    parent: Instance,
    taskId: number,
    name: string,
    subId: string,
    inputJson: string | null,
  ): void {
    const fn = this.options.functions(name);
    if (!fn || fn.trigger.type !== 'orchestrationTrigger') {
      this.enqueue(parent, {
        event: {
          EventType: EventType.SubOrchestrationInstanceFailed,
          TaskScheduledId: taskId,
          Reason: `The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`,
          Details: '',
        },
      });
      return;
    }
    this.createInstance(subId, fn.name, inputJson, { instanceId: parent.instanceId, taskId });
  }

  private continueAsNew(instance: Instance, inputJson: string | null, now: Date): void {
    this.cancelPending(instance);
    instance.generation++;
    instance.inputJson = inputJson;
    instance.history = [];
    instance.inbox = []; // unprocessed events are dropped, as in the JS SDK (reference §3)
    instance.scheduled = [];
    instance.nextSeq = 0;
    instance.status = 'Running';
    instance.carryOverCustomStatus = true;
    instance.lastUpdatedTime = now;
    this.enqueue(instance, {
      event: { EventType: EventType.ExecutionStarted, Name: instance.name, Input: inputJson, Version: '' },
    });
    this.notify();
  }

  private fail(instance: Instance, message: string, now: Date): void {
    this.completeExecution(instance, 'Failed', JSON.stringify(message), now);
  }

  /**
   * Ends the execution inside an episode as DurableTask.Core's dispatcher records it: the
   * completion action adds ExecutionCompleted, then the episode ends with OrchestratorCompleted
   * (TaskOrchestrationDispatcher: ProcessWorkflowCompletedTaskDecision, then
   * `runtimeState.AddEvent(new OrchestratorCompletedEvent(-1))`).
   */
  private completeExecution(
    instance: Instance,
    status: 'Completed' | 'Failed',
    outputJson: string,
    now: Date,
  ): void {
    instance.history.push(
      this.event(EventType.ExecutionCompleted, now, { OrchestrationStatus: status, Result: outputJson }),
      this.event(EventType.OrchestratorCompleted, now),
    );
    this.finish(instance, status, outputJson, now);
  }

  private finish(instance: Instance, status: RuntimeStatus, outputJson: string, now: Date): void {
    this.cancelPending(instance);
    instance.generation++;
    instance.inbox = [];
    instance.status = status;
    instance.outputJson = outputJson;
    instance.lastUpdatedTime = now;
    const parentLink = instance.parent;
    if (parentLink) {
      const parent = this.instances.get(parentLink.instanceId);
      if (parent && RUNNING_STATES.has(parent.status)) {
        if (status === 'Completed') {
          this.enqueue(parent, {
            event: {
              EventType: EventType.SubOrchestrationInstanceCompleted,
              TaskScheduledId: parentLink.taskId,
              Result: outputJson,
            },
          });
        } else {
          const reason =
            status === 'Failed'
              ? (JSON.parse(outputJson) as string)
              : `Sub-orchestration '${instance.instanceId}' was ${status.toLowerCase()}.`;
          this.enqueue(parent, {
            event: {
              EventType: EventType.SubOrchestrationInstanceFailed,
              TaskScheduledId: parentLink.taskId,
              Reason: reason,
              Details: '',
            },
          });
        }
      }
    }
    this.notify();
  }

  private cancelPending(instance: Instance): void {
    for (const p of instance.pending.values()) if (p.kind === 'timer') p.cancel();
    instance.pending.clear();
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  private matches(
    i: Instance,
    f: { createdTimeFrom?: Date; createdTimeTo?: Date; runtimeStatus?: readonly string[] },
  ): boolean {
    if (f.createdTimeFrom && i.createdTime < f.createdTimeFrom) return false;
    if (f.createdTimeTo && i.createdTime > f.createdTimeTo) return false;
    if (
      f.runtimeStatus &&
      f.runtimeStatus.length > 0 &&
      !f.runtimeStatus.some((s) => s.toLowerCase() === i.status.toLowerCase())
    )
      return false;
    return true;
  }

  private toStatus(
    i: Instance,
    opts: { showHistory?: boolean; showHistoryOutput?: boolean; showInput?: boolean },
  ): InstanceStatus {
    const status: InstanceStatus = {
      name: i.name,
      instanceId: i.instanceId,
      runtimeStatus: i.status,
      input: opts.showInput === false || i.inputJson === null ? null : (JSON.parse(i.inputJson) as unknown),
      customStatus: i.customStatus ?? null,
      output: i.outputJson === null ? null : (JSON.parse(i.outputJson) as unknown),
      createdTime: formatStatusTime(i.createdTime),
      lastUpdatedTime: formatStatusTime(i.lastUpdatedTime),
    };
    if (opts.showHistory) {
      status.historyEvents = i.history
        .filter(
          (e) =>
            e.EventType !== EventType.OrchestratorStarted && e.EventType !== EventType.OrchestratorCompleted,
        )
        .map((e) => {
          const { EventType: type, IsPlayed: _p, EventId: _id, Result, Input, ...rest } = e;
          const view: Record<string, unknown> = { EventType: eventTypeName(type), ...rest };
          if (opts.showHistoryOutput && Result !== undefined) view['Result'] = Result;
          if (opts.showInput !== false && Input !== undefined && type === EventType.ExecutionStarted)
            view['Input'] = Input;
          return view;
        });
    }
    return status;
  }
}

const UNSUPPORTED_ACTIONS: Readonly<Record<number, string>> = {
  [ActionType.CallEntity]:
    'the local host does not support durable entities (callEntity); run this on the real Functions host',
  [ActionType.SignalEntity]:
    'the local host does not support durable entities (signalEntity); run this on the real Functions host',
  [ActionType.LockEntities]:
    'the local host does not support durable entities (lock); run this on the real Functions host',
  [ActionType.ReleaseEntities]:
    'the local host does not support durable entities (lock release); run this on the real Functions host',
  [ActionType.CallHttp]:
    'the local host does not support callHttp; call the endpoint from an activity instead',
};

function newChain(
  kind: 'activity' | 'sub',
  name: string,
  inputJson: string | null,
  subInstanceId: string | undefined,
  options: RetryOptionsWire,
  nowMs: number,
): RetryChain {
  return {
    kind,
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

const KIND_CLASS: Record<Scheduled['kind'], string> = {
  activity: 'ScheduleTaskOrchestratorAction',
  timer: 'CreateTimerOrchestratorAction',
  sub: 'CreateSubOrchestrationAction',
};

function actionKind(a: Action): Scheduled['kind'] {
  if (a.actionType === ActionType.CallActivity || a.actionType === ActionType.CallActivityWithRetry)
    return 'activity';
  if (a.actionType === ActionType.CreateTimer) return 'timer';
  return 'sub';
}

const CHANGED = 'Was a change made to the orchestrator code after this instance had already started running?';

/**
 * DurableTask.Core's replay check: per sequence number, the action kind and (case-insensitively)
 * the activity / sub-orchestration name must match what the history recorded. Inputs and fireAt
 * are not compared. Returns the NonDeterministicOrchestrationException message, if any.
 */
export function checkDeterminism(
  recorded: readonly Pick<Scheduled, 'id' | 'kind' | 'name' | 'subInstanceId'>[],
  replayed: readonly Action[],
): string | undefined {
  for (let i = 0; i < recorded.length; i++) {
    const r = recorded[i]!;
    const a = replayed[i];
    const sub = `with sequence ID ${r.id} and name '${r.name}' (version '', instance ID '${r.subInstanceId ?? ''}')`;
    if (a === undefined) {
      if (r.kind === 'activity') {
        return `A previous execution of this orchestration scheduled an activity task with sequence ID ${r.id} and name '${r.name}' (version ''), but the current replay execution hasn't (yet?) scheduled this task. ${CHANGED}`;
      }
      if (r.kind === 'timer') {
        return `A previous execution of this orchestration scheduled a timer task with sequence number ${r.id} but the current replay execution hasn't (yet?) scheduled this task. ${CHANGED}`;
      }
      return `A previous execution of this orchestration scheduled a sub-orchestration task ${sub}, but the current replay execution hasn't (yet?) scheduled this task. ${CHANGED}`;
    }
    const kind = actionKind(a);
    if (kind !== r.kind) {
      if (r.kind === 'activity') {
        return `A previous execution of this orchestration scheduled an activity task with sequence number ${r.id} named '${r.name}', but the current orchestration replay instead produced a ${KIND_CLASS[kind]} action with this sequence number. ${CHANGED}`;
      }
      if (r.kind === 'timer') {
        return `A previous execution of this orchestration scheduled a timer task with sequence number ${r.id} named but the current orchestration replay instead produced a ${KIND_CLASS[kind]} action with this sequence number. ${CHANGED}`;
      }
      return `A previous execution of this orchestration scheduled a sub-orchestration task ${sub}, but the current orchestration replay instead produced a ${KIND_CLASS[kind]} action at this sequence number. ${CHANGED}`;
    }
    const name = a.functionName ?? '';
    if (r.kind !== 'timer' && name.toLowerCase() !== r.name.toLowerCase()) {
      if (r.kind === 'activity') {
        return `A previous execution of this orchestration scheduled an activity task with sequence number ${r.id} named '${r.name}', but the current orchestration replay instead scheduled an activity task named '${name}' with this sequence number.  ${CHANGED}`;
      }
      return `A previous execution of this orchestration scheduled a sub-orchestration task ${sub}, but the current orchestration replay instead scheduled a sub-orchestration task with name ${name} at this sequence number. ${CHANGED}`;
    }
  }
  return undefined;
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

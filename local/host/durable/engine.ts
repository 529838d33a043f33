import { EventType, type HistoryEvent } from './history';
import {
  RUNNING_STATES,
  historyEvent,
  type DurableTaskHub,
  matches,
  toStatus,
  type ClientResult,
  type DurableEngineOptions,
  type Instance,
  type InstanceStatus,
  type RuntimeStatus,
} from './instance';
import { EngineCore } from './instances';
import { instanceIdProblem } from './limits';

/**
 * The Durable extension's part, in memory: instances, histories, episodes, timers, retries,
 * sub-orchestrations and the client operations (docs/reference/local-functions-host.md §2-4).
 * The JS side is the real `durable-functions` replay, invoked through the library's programming
 * model; this engine only does what DurableTask.Core and the extension do around it.
 *
 * The parts: this file is the client API (start, status, events, terminate, suspend, purge);
 * ./instances.ts holds the instances and the pump that runs their episodes one at a time;
 * ./episode.ts runs one episode through the replay and applies what it returns; ./scheduler.ts
 * starts activities, sub-orchestrations and durable timers and does the host's side of retries;
 * ./instance.ts has the shapes, ./limits.ts and ./determinism.ts the extension's checks.
 */

export { checkDeterminism } from './determinism';
export type {
  ClientResult,
  DurableEngineOptions,
  DurableTaskHub,
  InstanceStatus,
  RuntimeStatus,
} from './instance';
export { CrashPoints, parseCrashPoints } from './crash';
export { customStatusTooLarge, instanceIdProblem } from './limits';
export { blobTaskHubStore, type TaskHubStore } from './store';
export { retryDelay } from './scheduler';

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

/** The Durable extension: in memory, or with its task hub in storage (`options.store`). */
export class DurableEngine {
  private readonly core: EngineCore;

  constructor(options: DurableEngineOptions) {
    this.core = new EngineCore(options);
    if (options.taskHub !== undefined) this.core.adopt(options.taskHub);
  }

  /**
   * The task hub's state, for a host started after this one stops (a restart or a deployment on
   * the same task hub): `startHost({ durableTaskHub })`. Stops this engine first.
   */
  detach(): DurableTaskHub {
    // Snapshot first: stopping cancels the timers and forgets what each instance waits for.
    const instances = [...this.core.instances.values()].map((i) => ({
      ...i,
      inbox: [...i.inbox],
      pending: new Map(i.pending),
    }));
    this.stop();
    return { instances };
  }

  /**
   * Loads the task hub kept in storage (`options.store`), once, before the host serves anything:
   * its instances carry on here (see EngineCore.load). No-op without a store.
   */
  async load(): Promise<void> {
    if (this.core.options.store === undefined) return;
    this.core.load(await this.core.options.store.load());
  }

  /** Whether the task hub is kept in storage (a restart loads it from there). */
  get persistent(): boolean {
    return this.core.persistence !== undefined;
  }

  /**
   * Resolves once every change so far is written to the task hub's storage (the client API
   * answers after this, as the extension answers once its queue message is sent).
   */
  flushed(): Promise<void> {
    return this.core.persistence?.flushed() ?? Promise.resolve();
  }

  /** Counts episodes run (for benchmarks). */
  get episodes(): number {
    return this.core.episodes;
  }

  /**
   * Activities (by name) this engine delivers twice. The real host delivers activities at least
   * once: a worker that dies after running an activity, before its completion is recorded, makes
   * the extension run it again. When this answers true, the activity runs once, its result is
   * dropped as if that completion were lost, then it runs again and the second result is recorded.
   * Settable while running, so a test can turn it on for one run.
   */
  get duplicateActivities(): ((name: string) => boolean) | undefined {
    return this.core.duplicateActivities;
  }

  set duplicateActivities(value: ((name: string) => boolean) | undefined) {
    this.core.duplicateActivities = value;
  }

  /** Stops scheduling: pending timers are cancelled and no new episode starts. */
  stop(): void {
    this.core.stopped = true;
    for (const instance of this.core.instances.values()) this.core.cancelPending(instance);
    this.core.timerDue.clear();
  }

  /** Calls `fn` after every state change (episode, status change); returns an unsubscribe. */
  onChange(fn: () => void): () => void {
    this.core.listeners.add(fn);
    return () => this.core.listeners.delete(fn);
  }

  /** The earliest durable timer (user timer, retry backoff) still pending, if any. */
  nextTimerDue(): Date | undefined {
    let min: number | undefined;
    for (const at of this.core.timerDue.values()) if (min === undefined || at < min) min = at;
    return min === undefined ? undefined : new Date(min);
  }

  // ---------------------------------------------------------------------------------------------
  // Client operations

  /** Starts an orchestration (POST orchestrators/{name}[/{id}]). */
  startNew(
    name: string,
    instanceId: string | undefined,
    inputJson: string | null,
    version?: string,
  ): ClientResult<string> {
    const fn = this.core.options.functions(name);
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
    const existing = this.core.instances.get(id);
    if (
      existing &&
      RUNNING_STATES.has(existing.status) &&
      this.core.options.overridableExistingInstanceStates === 'NonRunningStates'
    ) {
      return {
        ok: false,
        code: 'conflict',
        message: `An Orchestration instance with the status ${existing.status} already exists.`,
      };
    }
    // The client's version (`startNew(name, { version })` → `?version=`), else host.json's default.
    this.core.createInstance(
      id,
      fn.name,
      inputJson,
      undefined,
      version ?? this.core.versioning.defaultVersion,
    );
    return { ok: true, value: id };
  }

  /** Status of one instance (GET instances/{id}). */
  getStatus(
    instanceId: string,
    opts: { showHistory?: boolean; showHistoryOutput?: boolean; showInput?: boolean } = {},
  ): InstanceStatus | undefined {
    const instance = this.core.instances.get(instanceId);
    if (!instance) return undefined;
    return toStatus(instance, opts);
  }

  /** Instances matching a filter (GET instances/). */
  list(
    filter: { createdTimeFrom?: Date; createdTimeTo?: Date; runtimeStatus?: readonly string[] } = {},
  ): InstanceStatus[] {
    return [...this.core.instances.values()]
      .filter((i) => matches(i, filter))
      .map((i) => toStatus(i, { showInput: true }));
  }

  /** Raw history of the current execution (PascalCase events, as sent to the SDK). */
  getHistory(instanceId: string): HistoryEvent[] | undefined {
    const instance = this.core.instances.get(instanceId);
    return instance ? instance.history.map((e) => ({ ...e })) : undefined;
  }

  /** The instance when it exists and is running; otherwise the client API's 404 or 410 answer. */
  private runningInstance(
    instanceId: string,
    whyGone: (status: string) => string,
  ): { ok: true; value: Instance } | Extract<ClientResult<never>, { ok: false }> {
    const instance = this.core.instances.get(instanceId);
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
    this.core.enqueue(instance, {
      event: { EventType: EventType.EventRaised, Name: eventName, Input: inputJson },
    });
    return { ok: true, value: undefined };
  }

  /** Terminates a running instance (POST instances/{id}/terminate). */
  terminate(instanceId: string, reason: string): ClientResult<void> {
    const found = this.runningInstance(instanceId, (status) => `is ${status} and cannot be terminated`);
    if (!found.ok) return found;
    const instance = found.value;
    const now = this.core.options.clock.now();
    const output = JSON.stringify(reason);
    // As DurableTask.Core records it: the termination is an episode of its own, and its completion
    // action adds ExecutionCompleted (Terminated) before the episode's OrchestratorCompleted.
    instance.history.push(
      historyEvent(EventType.OrchestratorStarted, now),
      historyEvent(EventType.ExecutionTerminated, now, { Input: output }),
      historyEvent(EventType.ExecutionCompleted, now, { OrchestrationStatus: 'Terminated', Result: output }),
      historyEvent(EventType.OrchestratorCompleted, now),
    );
    this.core.finish(instance, 'Terminated', output, now);
    this.core.persist(instance);
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
    instance.lastUpdatedTime = this.core.options.clock.now();
    this.core.persist(instance);
    this.core.notify();
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
    instance.lastUpdatedTime = this.core.options.clock.now();
    this.core.persist(instance);
    this.core.pump(instance);
    this.core.notify();
    return { ok: true, value: undefined };
  }

  /** Deletes an instance's state (DELETE instances/{id}). Returns how many were deleted. */
  purge(instanceId: string): number {
    const instance = this.core.instances.get(instanceId);
    if (!instance) return 0;
    this.core.cancelPending(instance);
    instance.generation++;
    this.core.instances.delete(instanceId);
    this.core.persistence?.purge(instanceId);
    return 1;
  }

  /** Deletes every instance matching the filter (DELETE instances/?...). */
  purgeBy(filter: {
    createdTimeFrom?: Date;
    createdTimeTo?: Date;
    runtimeStatus?: readonly string[];
  }): number {
    let n = 0;
    for (const instance of [...this.core.instances.values()])
      if (matches(instance, filter)) n += this.purge(instance.instanceId);
    return n;
  }
}

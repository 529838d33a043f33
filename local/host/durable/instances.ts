import { Semaphore } from '../idle';
import { runEpisode, fail } from './episode';
import { EventType } from './history';
import { dispatchActivity, startTimer } from './scheduler';
import { NO_VERSIONING, versionMismatch, type Versioning } from './versioning';
import {
  RUNNING_STATES,
  type DurableEngineOptions,
  type DurableTaskHub,
  type InboxItem,
  type Instance,
  type RuntimeStatus,
} from './instance';

/**
 * The engine's state: the instances, their inboxes and the pump that runs one episode at a time
 * per instance, and how an instance ends (its parent is told). The client API (./engine.ts), the
 * episode (./episode.ts) and the scheduler (./scheduler.ts) work on this one object.
 */
export class EngineCore {
  readonly instances = new Map<string, Instance>();
  readonly listeners = new Set<() => void>();
  readonly activitySlots: Semaphore;
  /** Due times of the durable timers pending (by a token per timer). */
  readonly timerDue = new Map<object, number>();
  stopped = false;
  /** Counts episodes run (for benchmarks). */
  episodes = 0;
  /** See `DurableEngine.duplicateActivities`. */
  duplicateActivities: ((name: string) => boolean) | undefined;

  /** The worker's orchestration versioning (host.json). */
  readonly versioning: Versioning;

  constructor(readonly options: DurableEngineOptions) {
    this.versioning = options.versioning ?? NO_VERSIONING;
    this.activitySlots = new Semaphore(options.maxConcurrentActivityFunctions);
    this.duplicateActivities = options.duplicateActivities;
  }

  /** Creates (or replaces) an instance and queues its ExecutionStarted. */
  createInstance(
    instanceId: string,
    name: string,
    inputJson: string | null,
    parent: Instance['parent'],
    version: string = this.versioning.defaultVersion,
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
      version,
      rejected: undefined,
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
      event: { EventType: EventType.ExecutionStarted, Name: name, Input: inputJson, Version: version },
    });
    this.notify();
    return instance;
  }

  /**
   * Takes over the instances of a stopped engine. Each is copied (the old engine's late work lands
   * in the old objects, not here); its pending activities are dispatched again, its durable
   * timers set again, and its inbox drained under this engine's versioning.
   */
  adopt(hub: DurableTaskHub): void {
    const copies = hub.instances.map((old): Instance => ({
      ...old,
      inbox: [...old.inbox],
      history: [...old.history],
      scheduled: [...old.scheduled],
      pending: new Map(),
      pumping: false,
      rejected: undefined,
    }));
    for (const instance of copies) this.instances.set(instance.instanceId, instance);
    hub.instances.forEach((old, i) => {
      const instance = copies[i]!;
      if (!RUNNING_STATES.has(instance.status)) return;
      const arrived = (id: number) =>
        instance.inbox.some((item) => item.event['TaskScheduledId'] === id || item.event['TimerId'] === id);
      for (const [id, p] of old.pending) {
        if (arrived(id)) {
          instance.pending.set(id, p);
        } else if (p.kind === 'timer') {
          startTimer(this, instance, id, p.fireAt, p.role);
        } else if (p.kind === 'sub') {
          instance.pending.set(id, p);
        } else {
          instance.pending.set(id, p);
          const scheduled = instance.history.find(
            (e) => e.EventType === EventType.TaskScheduled && e.EventId === id,
          );
          const inputJson = typeof scheduled?.['Input'] === 'string' ? scheduled['Input'] : null;
          const name = typeof scheduled?.['Name'] === 'string' ? scheduled['Name'] : '';
          dispatchActivity(this, instance, id, name, inputJson);
        }
      }
      this.pump(instance);
    });
  }

  /** Queues an event for the instance and makes sure its pump runs. */
  enqueue(instance: Instance, item: InboxItem): void {
    instance.inbox.push(item);
    this.pump(instance);
  }

  /** Drains the inbox on the next turn unless already draining, suspended or stopped. */
  pump(instance: Instance): void {
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

  /** Runs one episode per inbox item while the instance is current and not suspended. */
  async drain(instance: Instance): Promise<void> {
    while (!this.stopped && !instance.suspended && this.instances.get(instance.instanceId) === instance) {
      const item = instance.inbox.shift();
      if (!item) return;
      if (!RUNNING_STATES.has(instance.status)) continue; // finished: late events are discarded
      const mismatch = versionMismatch(instance.version, this.versioning);
      if (mismatch !== undefined) {
        if (this.versioning.failure === 'Fail') {
          fail(this, instance, mismatch, this.options.clock.now());
          return;
        }
        // Reject: the work item goes back unprocessed, for a worker whose version matches (here:
        // the next host started on this task hub). The instance keeps its state.
        instance.inbox.unshift(item);
        if (instance.rejected === undefined)
          this.options.log(`Rejected orchestration '${instance.instanceId}': ${mismatch}`);
        instance.rejected = mismatch;
        return;
      }
      instance.rejected = undefined;
      try {
        await runEpisode(this, instance, item);
      } catch (error) {
        // A host bug must not leave the instance hanging: fail it visibly.
        this.options.log(
          `local host error in '${instance.instanceId}': ${(error as Error).stack ?? String(error)}`,
        );
        fail(this, instance, `Local host error: ${(error as Error).message}`, this.options.clock.now());
      }
    }
  }

  /** Ends the execution with `status`; a parent waiting for it gets its completion or failure. */
  finish(instance: Instance, status: RuntimeStatus, outputJson: string, now: Date): void {
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

  /** Cancels the instance's pending timers and forgets its pending work. */
  cancelPending(instance: Instance): void {
    for (const p of instance.pending.values()) if (p.kind === 'timer') p.cancel();
    instance.pending.clear();
  }

  /** Tells every listener that state changed. */
  notify(): void {
    for (const l of [...this.listeners]) l();
  }
}

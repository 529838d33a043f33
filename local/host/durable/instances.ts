import { Semaphore } from '../idle';
import type { CrashPoints } from './crash';
import { runEpisode, fail } from './episode';
import { EventType } from './history';
import { Persistence } from './persistence';
import { dispatchActivity, startSubOrchestration, startTimer } from './scheduler';
import { loadedInstance, type StoredTaskHub } from './store';
import { NO_VERSIONING, versionMismatch, type Versioning } from './versioning';
import {
  RUNNING_STATES,
  type DurableEngineOptions,
  type DurableTaskHub,
  type InboxItem,
  type Instance,
  type Pending,
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
  /** The task hub's writes to storage, when it is kept there (./persistence.ts). */
  readonly persistence: Persistence | undefined;
  /** Where the host kills itself (`LIFEBOAT_LOCAL_CRASH_AT`), if anywhere. */
  readonly crash: CrashPoints | undefined;

  constructor(readonly options: DurableEngineOptions) {
    this.versioning = options.versioning ?? NO_VERSIONING;
    this.activitySlots = new Semaphore(options.maxConcurrentActivityFunctions);
    this.duplicateActivities = options.duplicateActivities;
    this.persistence =
      options.store === undefined ? undefined : new Persistence(options.store, options.work, options.log);
    this.crash = options.crash?.armed === true ? options.crash : undefined;
  }

  /**
   * Commits a change made outside an episode (a client operation, a new instance). During an
   * episode's replay the episode's own commit, right after it, carries the change.
   */
  persist(instance: Instance): void {
    if (this.persistence && !instance.inEpisode) void this.persistence.commit(instance);
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
      inEpisode: false,
      suspended: false,
      parent,
      generation: (previous?.generation ?? 0) + 1,
      messageSeq: previous?.messageSeq ?? 0,
    };
    this.instances.set(instanceId, instance);
    this.enqueue(instance, {
      event: { EventType: EventType.ExecutionStarted, Name: name, Input: inputJson, Version: version },
    });
    this.persist(instance);
    this.notify();
    return instance;
  }

  /**
   * Takes over the task hub kept in storage (a host started again on the same data after a
   * stop or a crash): every instance with its unconsumed messages, then what was in flight is
   * redone as in {@link adopt}.
   */
  load(hub: StoredTaskHub): void {
    const loaded = hub.instances.map((stored) =>
      loadedInstance(stored, hub.messages.get(stored.instanceId) ?? []),
    );
    for (const instance of loaded) this.persistence?.loaded(instance);
    this.resume(loaded.map((instance) => ({ instance, pending: new Map(instance.pending) })));
  }

  /**
   * Takes over the instances of a stopped engine. Each is copied (the old engine's late work lands
   * in the old objects, not here); its pending activities are dispatched again, its durable
   * timers set again, and its inbox drained under this engine's versioning.
   */
  adopt(hub: DurableTaskHub): void {
    this.resume(
      hub.instances.map((old) => ({
        instance: {
          ...old,
          inbox: [...old.inbox],
          history: [...old.history],
          scheduled: [...old.scheduled],
          pending: new Map(),
          pumping: false,
          inEpisode: false,
          rejected: undefined,
        },
        pending: old.pending,
      })),
    );
  }

  /**
   * Carries on instances taken over from a stopped or crashed host: pending activities are
   * dispatched again (at least once), durable timers set again, a sub-orchestration missing is
   * started and one that ended has its end sent to its parent, and inboxes are drained under this
   * engine's versioning.
   */
  private resume(list: readonly { instance: Instance; pending: ReadonlyMap<number, Pending> }[]): void {
    for (const { instance } of list) this.instances.set(instance.instanceId, instance);
    for (const { instance, pending } of list) {
      instance.pending = new Map();
      if (!RUNNING_STATES.has(instance.status)) continue;
      const arrived = (id: number) =>
        instance.inbox.some((item) => item.event['TaskScheduledId'] === id || item.event['TimerId'] === id);
      const scheduledEvent = (type: number, id: number) =>
        instance.history.find((e) => e.EventType === type && e.EventId === id);
      const text = (value: unknown) => (typeof value === 'string' ? value : null);
      for (const [id, p] of pending) {
        if (arrived(id)) {
          instance.pending.set(id, p);
        } else if (p.kind === 'timer') {
          startTimer(this, instance, id, p.fireAt, p.role);
        } else if (p.kind === 'sub') {
          instance.pending.set(id, p);
          const child = this.instances.get(p.childId);
          const ours = child?.parent?.instanceId === instance.instanceId && child.parent.taskId === id;
          if (!ours) {
            // Committed as started, but the host died before the child was created.
            const created = scheduledEvent(EventType.SubOrchestrationInstanceCreated, id);
            startSubOrchestration(
              this,
              instance,
              id,
              text(created?.['Name']) ?? '',
              p.childId,
              text(created?.['Input']),
              text(created?.['Version']) ?? p.chain?.version ?? undefined,
            );
          } else if (!RUNNING_STATES.has(child.status)) {
            // The child ended, but the host died before its parent heard.
            this.tellParent(child);
          }
        } else {
          instance.pending.set(id, p);
          const scheduled = scheduledEvent(EventType.TaskScheduled, id);
          const name = text(scheduled?.['Name']) ?? '';
          this.options.log(
            `Dispatching activity '${name}' (task ${id} of '${instance.instanceId}') again: scheduled, not completed before the restart`,
          );
          dispatchActivity(this, instance, id, name, text(scheduled?.['Input']));
        }
      }
      this.pump(instance);
    }
  }

  /** Queues an event for the instance and makes sure its pump runs. */
  enqueue(instance: Instance, item: InboxItem): void {
    this.persistence?.message(instance, item);
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
          this.persist(instance);
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
      this.crash?.reached(instance.name, 'before');
      try {
        await runEpisode(this, instance, item);
      } catch (error) {
        instance.inEpisode = false;
        // A host bug must not leave the instance hanging: fail it visibly.
        this.options.log(
          `local host error in '${instance.instanceId}': ${(error as Error).stack ?? String(error)}`,
        );
        fail(this, instance, `Local host error: ${(error as Error).message}`, this.options.clock.now());
        this.persist(instance);
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
    this.tellParent(instance);
    this.notify();
  }

  /** Sends an ended instance's completion or failure to the parent waiting for it, if any. */
  tellParent(instance: Instance): void {
    const parentLink = instance.parent;
    if (!parentLink) return;
    const parent = this.instances.get(parentLink.instanceId);
    if (!parent || !RUNNING_STATES.has(parent.status)) return;
    const outputJson = instance.outputJson ?? 'null';
    if (instance.status === 'Completed') {
      this.enqueue(parent, {
        event: {
          EventType: EventType.SubOrchestrationInstanceCompleted,
          TaskScheduledId: parentLink.taskId,
          Result: outputJson,
        },
      });
    } else {
      const reason =
        instance.status === 'Failed'
          ? (JSON.parse(outputJson) as string)
          : `Sub-orchestration '${instance.instanceId}' was ${instance.status.toLowerCase()}.`;
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

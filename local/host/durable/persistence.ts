import type { WorkTracker } from '../idle';
import type { InboxItem, Instance } from './instance';
import { storedInstance, type TaskHubStore } from './store';

/**
 * The engine's writes to its task hub store (./store.ts): messages as they are sent, an
 * instance's blob once per episode (its commit), consumed messages deleted after the commit.
 * Writes of one instance's blob go out in order; the work tracker counts them, so a settled
 * world has nothing unwritten.
 */
export class Persistence {
  /** The last write of each instance's blob (the next one goes after it). */
  private readonly commits = new Map<string, Promise<void>>();
  /** Messages written (or being written) and not yet deleted, by instance. */
  private readonly messages = new Map<string, Map<number, Promise<void>>>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly store: TaskHubStore,
    private readonly work: WorkTracker,
    private readonly log: (line: string) => void,
  ) {}

  /** Remembers messages loaded from the store (so they are deleted once consumed). */
  loaded(instance: Instance): void {
    for (const item of instance.inbox)
      if (item.seq !== undefined) this.written(instance.instanceId).set(item.seq, Promise.resolve());
  }

  /** Numbers a message to `instance` and writes it. */
  message(instance: Instance, item: InboxItem): void {
    const seq = ++instance.messageSeq;
    item.seq = seq;
    const write = this.track(
      this.store.saveMessage(instance.instanceId, { seq, event: item.event }),
      `message ${seq} to '${instance.instanceId}'`,
    );
    this.written(instance.instanceId).set(seq, write);
  }

  /**
   * Commits the instance as it is now (one blob write), after its earlier commits; then deletes
   * the messages its history now holds. Resolves once the blob is written.
   */
  commit(instance: Instance): Promise<void> {
    const snapshot = storedInstance(instance);
    const id = instance.instanceId;
    const previous = this.commits.get(id) ?? Promise.resolve();
    const write = this.track(
      previous.then(() => this.store.saveInstance(snapshot)),
      `instance '${id}'`,
    );
    this.commits.set(id, write);
    const written = this.written(id);
    for (const [seq, wrote] of [...written]) {
      if (seq > snapshot.consumed) continue;
      written.delete(seq);
      // Clean-up, not counted as work: a message left behind is skipped on load (seq <= consumed).
      void Promise.all([write, wrote])
        .then(() => this.store.deleteMessage(id, seq))
        .catch(() => undefined);
    }
    return write;
  }

  /** Deletes an instance and its messages (purge), after its pending writes. */
  purge(instanceId: string): void {
    const previous = Promise.all([
      this.commits.get(instanceId) ?? Promise.resolve(),
      ...(this.messages.get(instanceId)?.values() ?? []),
    ]);
    this.messages.delete(instanceId);
    const write = this.track(
      previous.then(() => this.store.deleteInstance(instanceId)),
      `purge of '${instanceId}'`,
    );
    this.commits.set(instanceId, write);
  }

  /** Resolves once every write started so far has ended. */
  async flushed(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private written(instanceId: string): Map<number, Promise<void>> {
    let map = this.messages.get(instanceId);
    if (!map) {
      map = new Map<number, Promise<void>>();
      this.messages.set(instanceId, map);
    }
    return map;
  }

  /** Counts a write as work; a failed one is logged (the run goes on in memory, without durability). */
  private track(write: Promise<void>, what: string): Promise<void> {
    const done = this.work.begin();
    const tracked = write.then(
      () => undefined,
      (error: unknown) =>
        this.log(
          `[error] local host task hub: writing ${what} failed (this run would not survive a restart): ${error instanceof Error ? error.message : String(error)}`,
        ),
    );
    this.inFlight.add(tracked);
    void tracked.finally(() => {
      this.inFlight.delete(tracked);
      done();
    });
    return tracked;
  }
}

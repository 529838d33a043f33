/**
 * Counts work in flight (invocations, orchestration episodes) so tests can wait until the host is
 * idle before moving a virtual clock: "idle" means nothing is running and nothing is queued.
 */
export class WorkTracker {
  private count = 0;
  private waiters: (() => void)[] = [];

  /** Marks one unit of work as started; call the returned function once when it ends. */
  begin(): () => void {
    this.count++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.count--;
      if (this.count === 0) {
        const waiters = this.waiters;
        this.waiters = [];
        for (const w of waiters) w();
      }
    };
  }

  /** Work in flight right now. */
  get busy(): number {
    return this.count;
  }

  /**
   * Resolves once nothing is in flight, re-checking after the event loop has turned twice, since
   * a finishing unit often schedules the next one from a microtask or `setImmediate`.
   */
  async idle(): Promise<void> {
    for (;;) {
      if (this.count > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
      await new Promise<void>((resolve) => setImmediate(resolve));
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.count === 0) return;
    }
  }
}

/** A counting semaphore (host.json maxConcurrentActivityFunctions). */
export class Semaphore {
  private queue: (() => void)[] = [];
  private used = 0;
  constructor(private readonly limit: number) {}

  async acquire(): Promise<() => void> {
    if (this.used >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.used++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next();
      else this.used--;
    };
  }
}

/**
 * Time for the local Azure stack. The real clock reads the wall; the virtual clock only moves when
 * told to, so tests run days of schedule (durable timers, retry backoff, timer triggers, queue
 * visibility, emulator operation durations) in milliseconds. Everything in local/ that waits or
 * reads time takes a Clock.
 */
export interface Clock {
  /** Current time. */
  now(): Date;
  /**
   * Calls `fn` once the clock reaches `at`. Returns a cancel function. On the virtual clock the
   * callback runs when `advance`/`advanceTo` passes `at` (or at once if `at` is not in the future,
   * on the next microtask).
   */
  schedule(at: Date, fn: () => void): () => void;
  /** Resolves once `ms` have passed on this clock (rejects with the signal's reason when aborted). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The wall clock. */
export class RealClock implements Clock {
  now(): Date {
    return new Date();
  }
  schedule(at: Date, fn: () => void): () => void {
    // setTimeout caps at ~24.8 days; re-arm for longer waits.
    const MAX = 2 ** 31 - 1;
    let handle: NodeJS.Timeout;
    const arm = () => {
      const wait = at.getTime() - Date.now();
      handle = setTimeout(wait > MAX ? arm : fn, Math.max(0, Math.min(wait, MAX)));
      handle.unref?.();
    };
    arm();
    return () => clearTimeout(handle);
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }
}

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock that stands still until advanced. `advance(ms)` fires due callbacks in time order,
 * moving `now` to each one's time as it fires, so work scheduled from a callback at an earlier
 * time than the target also fires in the same advance.
 */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  private pending: Pending[] = [];

  constructor(start: Date = new Date('2026-01-01T00:00:00.000Z')) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  schedule(at: Date, fn: () => void): () => void {
    const entry: Pending = { at: at.getTime(), seq: this.seq++, fn };
    if (entry.at <= this.current) {
      let cancelled = false;
      queueMicrotask(() => {
        if (!cancelled) fn();
      });
      return () => {
        cancelled = true;
      };
    }
    this.pending.push(entry);
    this.pending.sort((a, b) => a.at - b.at || a.seq - b.seq);
    return () => {
      this.pending = this.pending.filter((p) => p !== entry);
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /** The time of the earliest pending callback, if any. */
  nextDue(): Date | undefined {
    const first = this.pending[0];
    return first === undefined ? undefined : new Date(first.at);
  }

  /** Number of callbacks waiting for the clock to move. */
  pendingCount(): number {
    return this.pending.length;
  }

  /** Moves time forward by `ms`, firing due callbacks in order. */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('a clock cannot go backwards');
    this.advanceTo(new Date(this.current + ms));
  }

  /** Moves time forward to `target` (never backwards), firing due callbacks in order. */
  advanceTo(target: Date): void {
    const t = target.getTime();
    for (;;) {
      const first = this.pending[0];
      if (first === undefined || first.at > t) break;
      this.pending.shift();
      this.current = Math.max(this.current, first.at);
      first.fn();
    }
    this.current = Math.max(this.current, t);
  }
}

function sleepOn(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const cancel = clock.schedule(new Date(clock.now().getTime() + Math.max(0, ms)), () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    const onAbort = () => {
      cancel();
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

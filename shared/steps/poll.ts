/**
 * When to poll a long-running operation next (APIM backup or restore, a Hyper-V failback job, a
 * Lync sync). Pure: the orchestration's poll step calls it with its own clock.
 */

/** Next step of a poll loop: wait until `fireAt` and poll again, or stop: the deadline has passed. */
export type PollStep = { next: 'wait'; fireAt: Date } | { next: 'timedOut' };

/**
 * Waits what the service asked for (`Retry-After`) or else `pollMs`, at least a second so a zero
 * never spins the history, and never past `deadline` (one last poll at the deadline); at or after
 * the deadline it is timed out.
 */
export function nextPoll(now: Date, pollMs: number, deadline: Date, retryAfterMs?: number | null): PollStep {
  if (now.getTime() >= deadline.getTime()) return { next: 'timedOut' };
  const wait = Math.max(1000, retryAfterMs ?? pollMs);
  return { next: 'wait', fireAt: new Date(Math.min(now.getTime() + wait, deadline.getTime())) };
}

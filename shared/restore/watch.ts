/**
 * A restore whose operation cannot be read (403 on its poll: the identity may POST but lost the
 * right to read the operation, or the `Location` is not readable; apim-backup-restore.md,
 * "Errors worth handling": the operation still completes). The run does not end `failed` on it:
 * it watches the target service instead, which reports `provisioningState` Updating while the
 * restore runs and Succeeded once it ended (reference/recovery.md), then verifies as usual (the
 * manifest comparison is what tells a restore that took effect from one that did not).
 *
 * "Back from Updating" needs the Updating: a target seen settled proves nothing unless the run has
 * seen its restore running (a poll answered 202, or the target seen transitioning) since the POST
 * was accepted. Otherwise a settled target may be one the restore has not touched yet (the state
 * may flip a moment after the 202), and verifying it would report a difference, or worse, pass
 * against a target that already held the same lists. A restore that started and ended unseen is
 * therefore waited for until the run's timeout (`timedOut`, never a false `succeeded`).
 */

/** The target's state as the poll activity read it. */
export interface WatchedTarget {
  provisioningState: string;
  /** Not settled (Succeeded/Failed) or with a target state still pending. */
  transitioning: boolean;
}

/** The decision after one watched poll. */
export type WatchDecision =
  | { done: false; sawRunning: boolean }
  /** The restore has ended: verify. `targetFailed`: the target settled in `Failed`. */
  | { done: true; sawRunning: true; targetFailed: boolean };

/** Whether a watched restore has ended, given whether the run has seen it running so far. */
export function decideWatchedRestore(sawRunning: boolean, target: WatchedTarget): WatchDecision {
  if (target.transitioning) return { done: false, sawRunning: true };
  if (!sawRunning) return { done: false, sawRunning: false };
  return { done: true, sawRunning: true, targetFailed: target.provisioningState.toLowerCase() === 'failed' };
}

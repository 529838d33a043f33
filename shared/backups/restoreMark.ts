import { OUTCOMES, type Outcome } from '../outcome';

/**
 * Restore-verified marks (issue 9, "Restore canary"): after a restore of a backup into a drill
 * target, the restore records on the backup blob when it ran, into which target and how it ended.
 * Only `succeeded` makes the backup restore-verified (proven restorable); any other outcome is
 * recorded too, so the report shows the failed attempt, but it does not count. The blob carries
 * the latest attempt: a later failed restore of the same backup withdraws an earlier success (the
 * canary must not claim a backup restorable that its last restore could not restore).
 */

/** One restore attempt recorded on a backup blob. */
export interface RestoreMark {
  /** When the restore was verified (or found to fail). */
  at: Date;
  /** The target service name the backup was restored into. */
  target: string;
  outcome: Outcome;
}

/**
 * Blob metadata keys of a mark. Lower-case, as the verification keys are (Azure treats metadata
 * names case-insensitively; the listing returns them as written).
 */
export const RESTORE_MARK_KEYS = {
  at: 'restoreverifiedat',
  target: 'restoretarget',
  outcome: 'restoreoutcome',
} as const;

/** Whether a mark makes its backup restore-verified: only a restore that succeeded counts. */
export function countsAsRestoreVerified(mark: RestoreMark | undefined): boolean {
  return mark?.outcome === 'succeeded';
}

/** The metadata entries that record a mark (merged into the blob's other metadata by the store). */
export function restoreMarkMetadata(mark: RestoreMark): Record<string, string> {
  return {
    [RESTORE_MARK_KEYS.at]: mark.at.toISOString(),
    [RESTORE_MARK_KEYS.target]: mark.target,
    [RESTORE_MARK_KEYS.outcome]: mark.outcome,
  };
}

/**
 * Reads a mark from blob metadata (keys matched case-insensitively). Undefined when the blob
 * carries none, or one that is incomplete or malformed (a hand-edited blob never counts as
 * restore-verified).
 */
export function parseRestoreMark(metadata: Readonly<Record<string, string>>): RestoreMark | undefined {
  const lower = new Map(Object.entries(metadata).map(([k, v]) => [k.toLowerCase(), v]));
  const atText = lower.get(RESTORE_MARK_KEYS.at);
  const target = lower.get(RESTORE_MARK_KEYS.target);
  const outcome = lower.get(RESTORE_MARK_KEYS.outcome);
  if (atText === undefined || target === undefined || target === '' || outcome === undefined)
    return undefined;
  if (!(OUTCOMES as readonly string[]).includes(outcome)) return undefined;
  const at = new Date(atText);
  if (Number.isNaN(at.getTime())) return undefined;
  return { at, target, outcome: outcome as Outcome };
}

/**
 * Whether a new mark replaces the one on the blob: a mark never replaces a later one, so an
 * activity delivered twice, or an old attempt recorded late, cannot overwrite a newer result.
 * Equal times replace (the same attempt recorded again is idempotent).
 */
export function markReplaces(existing: RestoreMark | undefined, next: RestoreMark): boolean {
  return existing === undefined || next.at.getTime() >= existing.at.getTime();
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** What `GET /api/backups` says about a service's restore verification. */
export type RestoreVerificationState =
  | { enabled: false }
  | {
      enabled: true;
      /** True when the newest restore-verified backup was taken more than `maxAgeDays` ago, or there is none. */
      stale: boolean;
      maxAgeDays: number;
    };

/**
 * Whether a service's newest restore-verified backup is too old. Its age is the backup's own
 * (`takenAt`), not when it was restored: what matters in a disaster is how old the newest state
 * proven restorable is. A service without drill targets has the canary off and is never flagged;
 * one with targets and no restore-verified backup at all is stale.
 */
export function decideRestoreVerification(input: {
  enabled: boolean;
  newestRestoreVerifiedTakenAt: Date | undefined;
  now: Date;
  maxAgeDays: number;
}): RestoreVerificationState {
  if (!input.enabled) return { enabled: false };
  const taken = input.newestRestoreVerifiedTakenAt;
  const stale = taken === undefined || input.now.getTime() - taken.getTime() > input.maxAgeDays * DAY_MS;
  return { enabled: true, stale, maxAgeDays: input.maxAgeDays };
}

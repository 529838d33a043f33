/**
 * The retention rule (issue 4, "Pruning"; threats-and-faults.md, "backups failing for days"):
 * - a backup older than the retention goes, verified or not (unverified ones are leftovers of
 *   failed runs);
 * - the newest `keepNewest` verified backups stay whatever their age, and the newest verified one
 *   always stays even if `keepNewest` were 0;
 * - nothing younger than the retention is deleted (an unverified young blob may be a backup in
 *   progress);
 * - the newest restore-verified backup (issue 9, "Restore canary": its last restore into a drill
 *   target succeeded) always stays, whatever its age: it is the newest state proven restorable.
 */

import { countsAsRestoreVerified, type RestoreMark } from './restoreMark';
import { MAX_NAMED_PRUNE_FAILURES, type PruneReport } from './run';

/** One backup as the catalog lists it. */
export interface BackupEntry {
  /** Blob name (`<service>/<service>-<stamp>.apimbackup`). */
  name: string;
  /** When the backup was taken (from the blob name). */
  takenAt: Date;
  /** True once Lifeboat checked the blob and recorded `verified=true` on it. */
  verified: boolean;
  /** Blob size in bytes. */
  sizeBytes: number;
  /** The last restore of this backup recorded on it, if any (only `succeeded` counts). */
  restore?: RestoreMark;
  /**
   * How many differences the manifest read before the backup's POST and the one read after it
   * completed had (`configchanges` metadata, issue 22): the configuration changed during the
   * backup, and the change may be missing from it. Absent: no change seen (or not checked).
   */
  configChanges?: number;
}

/** Inputs of the retention rule besides the backups. */
export interface PrunePolicy {
  now: Date;
  /** 1-30 (config). */
  retentionDays: number;
  /** Newest verified backups never deleted; values below 1 act as 1. */
  keepNewest: number;
}

/** Why a backup is kept. */
export type KeepReason = 'within-retention' | 'newest-verified' | 'newest-restore-verified';

/** What to delete and what to keep, with the reason for each kept backup. */
export interface PruneDecision {
  delete: BackupEntry[];
  keep: { entry: BackupEntry; reason: KeepReason }[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Newest first; equal times by name descending, so the order is total and stable. */
export function newestFirst(a: BackupEntry, b: BackupEntry): number {
  return b.takenAt.getTime() - a.takenAt.getTime() || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0);
}

/** Decides which backups of one service to delete. Pure: the same input gives the same answer. */
export function decidePrune(backups: readonly BackupEntry[], policy: PrunePolicy): PruneDecision {
  if (!Number.isInteger(policy.retentionDays) || policy.retentionDays < 1) {
    throw new RangeError('decidePrune: retentionDays must be a whole number of at least 1');
  }
  const cutoff = policy.now.getTime() - policy.retentionDays * DAY_MS;
  const sorted = [...backups].sort(newestFirst);
  const keepCount = Math.max(1, Math.floor(policy.keepNewest));
  const protectedNames = new Set(
    sorted
      .filter((b) => b.verified)
      .slice(0, keepCount)
      .map((b) => b.name),
  );
  const newestRestoreVerified = sorted.find((b) => countsAsRestoreVerified(b.restore));
  const decision: PruneDecision = { delete: [], keep: [] };
  for (const entry of sorted) {
    if (protectedNames.has(entry.name)) decision.keep.push({ entry, reason: 'newest-verified' });
    else if (entry === newestRestoreVerified)
      decision.keep.push({ entry, reason: 'newest-restore-verified' });
    else if (entry.takenAt.getTime() >= cutoff) decision.keep.push({ entry, reason: 'within-retention' });
    else decision.delete.push(entry);
  }
  return decision;
}

/**
 * The outcome of a prune from what its deletes did: blobs that could not be deleted are skipped
 * (named, with their storage code, up to {@link MAX_NAMED_PRUNE_FAILURES}), never fatal.
 */
export function reportPrune(input: {
  /** Backups the retention rule let go. */
  attempted: number;
  deleted: number;
  failed: readonly { name: string; code: string }[];
}): PruneReport {
  const { attempted, deleted, failed } = input;
  const named = failed.slice(0, MAX_NAMED_PRUNE_FAILURES).map((f) => ({ name: f.name, code: f.code }));
  if (failed.length === 0) return { outcome: 'succeeded', deleted, failed: [], failedCount: 0 };
  const first = failed[0]!;
  const codes = [...new Set(failed.map((f) => f.code))].join(', ');
  return {
    outcome: failed.length < attempted ? 'partial' : 'failed',
    deleted,
    failed: named,
    failedCount: failed.length,
    error: {
      code: 'BackupsNotDeleted',
      message: `${failed.length} of ${attempted} expired backups could not be deleted (${codes}; first: ${first.name}); they are kept and the next run tries again`,
    },
  };
}

/**
 * The manifests (`_manifests/<backup blob>.json`, shared/restore/manifestStore.ts) whose backup
 * blob is gone: deleted by the prune, or outside Lifeboat. A manifest is written only after its
 * backup was verified, so one without its blob is never a backup in progress. Pure.
 */
export function orphanManifests(
  manifestNames: readonly string[],
  backupNames: Iterable<string>,
  folder = '_manifests/',
): string[] {
  const present = new Set(backupNames);
  return manifestNames.filter((m) => {
    if (!m.startsWith(folder) || !m.endsWith('.json')) return false;
    return !present.has(m.slice(folder.length, -'.json'.length));
  });
}

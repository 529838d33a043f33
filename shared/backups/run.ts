import { z } from 'zod';
import type { Outcome, Problem } from '../outcome';

/**
 * The contract of one backup run (orchestration input, output and custom status). Only ids and
 * durations: the storage key and every other secret stay inside activities, because
 * orchestration state is readable by anyone who can read the task hub (threats-and-faults.md).
 */

/** The orchestration's input, validated at its start. */
export const backupRunInputSchema = z.strictObject({
  resourceId: z.string().min(1),
  serviceName: z.string().min(1),
  pollDefaultMs: z.number().int().min(0),
  timeoutMs: z.number().int().min(1),
  retryBudget: z.number().int().min(0),
  retryBaseMs: z.number().int().min(0),
  retryMaxMs: z.number().int().min(0),
});
export type BackupRunInput = z.infer<typeof backupRunInputSchema>;

/** The settings a run needs, as configuration holds them. */
export interface BackupRunSettings {
  pollDefaultSeconds: number;
  timeoutMinutes: number;
  lockedRetryBudget: number;
  retryBaseSeconds: number;
}

/**
 * Whether a backup run reads the configuration manifest before its POST (issue 22): runs started on
 * orchestration version 2.1 or later (host.json `extensions.durableTask.defaultVersion`, read as
 * `context.df.version`). A run started before keeps the shape it started with, so a deployment
 * never changes what an in-flight run replays (issue 24); its manifest is read after the backup
 * only, and its report says the change during the backup could not be told. Pure.
 */
export function readsManifestBeforeBackup(version: string | undefined): boolean {
  const m = /^(\d+)(?:\.(\d+))?(?:\.\d+){0,2}$/.exec(version ?? '');
  if (m === null) return false;
  const major = Number(m[1]);
  const minor = Number(m[2] ?? 0);
  return major > 2 || (major === 2 && minor >= 1);
}

/** Longest wait between two retries: the exponential backoff stops growing here. */
export const RETRY_MAX_MS = 30 * 60 * 1000;

/** Builds the input of a run for one service from configuration. */
export function buildRunInput(
  service: { resourceId: string; serviceName: string },
  settings: BackupRunSettings,
): BackupRunInput {
  return {
    resourceId: service.resourceId,
    serviceName: service.serviceName,
    pollDefaultMs: settings.pollDefaultSeconds * 1000,
    timeoutMs: settings.timeoutMinutes * 60 * 1000,
    retryBudget: settings.lockedRetryBudget,
    retryBaseMs: settings.retryBaseSeconds * 1000,
    retryMaxMs: Math.max(RETRY_MAX_MS, settings.retryBaseSeconds * 1000),
  };
}

/**
 * The singleton instance id of a service's backup runs: a second start while one runs is refused
 * by the host (host.json `overridableExistingInstanceStates: NonRunningStates`).
 */
export function backupInstanceId(serviceName: string): string {
  return `backup-${serviceName.toLowerCase()}`;
}

/**
 * What a run returns, in the one outcome vocabulary: `succeeded` (verified; the prune that follows
 * reports on its own in `prune`),
 * `refused` (the service cannot be backed up: tier, workspaces; or the input was invalid),
 * `failed` or `timedOut` with `error: { code, message }`. A run never ends with runtime status Failed.
 */
export interface BackupRunResult {
  serviceName: string;
  outcome: Exclude<Outcome, 'partial'>;
  /** The backup blob (named once the backup was started). */
  blobName?: string;
  takenAt?: string;
  sizeBytes?: number;
  /** Backups deleted by the prune that followed. */
  pruned?: number;
  /** What the prune that followed did, on its own: a prune problem leaves `outcome` as it is. */
  prune?: PruneReport;
  /**
   * The configuration manifest written beside the verified backup (what a restore is verified
   * against), on its own: a manifest problem leaves `outcome` as it is.
   */
  manifest?: ManifestReport;
  retries: number;
  polls: number;
  error?: Problem;
}

/** Custom status while a run progresses. */
export interface BackupProgress {
  phase:
    | 'preflight'
    | 'waiting-for-service'
    | 'ensuring-container'
    | 'reading-manifest'
    | 'starting'
    | 'polling'
    | 'retrying'
    | 'verifying'
    | 'writing-manifest'
    | 'pruning'
    | 'finished';
  serviceName: string;
  percent?: number;
  waitingFor?: string;
  blobName?: string;
  retries: number;
  polls: number;
  /** When the next check is due (ISO), while waiting. */
  nextCheckAt?: string;
  /** The last retryable problem (already free of secrets). */
  lastProblem?: Problem;
  /** When finished. */
  outcome?: Outcome;
  error?: Problem;
}

/** At most this many undeletable backups are named in a prune report (`failedCount` counts all). */
export const MAX_NAMED_PRUNE_FAILURES = 20;

/** Retries the prune step may spend on a failed listing or summary write (its own budget). */
export const PRUNE_RETRY_LIMIT = 2;

/**
 * What the prune after a verified backup did. It is reported on its own and never changes the
 * outcome of the run's backup; whatever it could not delete is tried again by the next run.
 * - `succeeded`: every backup the retention rule lets go was deleted (or was already gone);
 * - `partial`: some were deleted, some could not be (a lease, a legal hold, an immutability
 *   policy): they are skipped and named in `failed` with the storage error code;
 * - `failed`: none could be deleted, or the prune itself failed (listing, summary): `error` says why.
 */
/** What the manifest step did: the manifest blob and its counts, or why it was not written. */
export interface ManifestReport {
  outcome: 'succeeded' | 'failed';
  blobName?: string;
  counts?: {
    apis: number;
    apiRevisions: number;
    products: number;
    namedValues: number;
    secretNamedValues: number;
  };
  error?: Problem;
  /**
   * The configuration changed while the backup ran (issue 22): the manifest read before the POST
   * and the one read after it completed differ by these. The backup may miss the change.
   */
  configChangedDuringBackup?: import('../apim/manifest').ConfigChange;
  /** Why the change during the backup could not be told (the manifest before the POST was not read). */
  changeNotChecked?: Problem;
}

export interface PruneReport {
  outcome: 'succeeded' | 'partial' | 'failed';
  deleted: number;
  /** Backups that could not be deleted (at most {@link MAX_NAMED_PRUNE_FAILURES}). */
  failed: { name: string; code: string }[];
  /** How many could not be deleted in all. */
  failedCount: number;
  error?: Problem;
}

/** The prune report alone (the activity's output also carries counts for its log and bench). */
export function pruneReportOf(outcome: PruneReport): PruneReport {
  return {
    outcome: outcome.outcome,
    deleted: outcome.deleted,
    failed: outcome.failed,
    failedCount: outcome.failedCount,
    ...(outcome.error === undefined ? {} : { error: outcome.error }),
  };
}

/** The report of a prune that could not run at all (its budget spent, or a non-retryable error). */
export function pruneNotDone(error: Problem): PruneReport {
  return { outcome: 'failed', deleted: 0, failed: [], failedCount: 0, error };
}

/**
 * The prune's own retry budget: a prune problem must not spend the backup's budget, and a prune
 * that keeps failing is better retried by the next run than waited for here.
 */
export function pruneRetryBudget(input: BackupRunInput): {
  limit: number;
  baseMs: number;
  maxMs: number;
  used: number;
} {
  return {
    limit: Math.min(PRUNE_RETRY_LIMIT, input.retryBudget),
    baseMs: input.retryBaseMs,
    maxMs: input.retryMaxMs,
    used: 0,
  };
}

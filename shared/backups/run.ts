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
 * What a run returns, in the one outcome vocabulary: `succeeded` (verified, then pruned),
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
    | 'starting'
    | 'polling'
    | 'retrying'
    | 'verifying'
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

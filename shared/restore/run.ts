import { z } from 'zod';
import type { Outcome, Problem } from '../outcome';
import { RETRY_MAX_MS } from '../backups/run';
import type { CompletionSource } from '../apim/completion';
import { normaliseResourceId } from '../azure/resourceId';
import type { RestoreMode } from './target';

/**
 * The restore run's input, output, progress and the pure decisions its starters take (issue 9):
 * which resource id a requested target names, and the singleton instance id per target.
 */

const resourceId = z.string().min(1);

/** What `restoreApim` is started with (by `POST /api/restores` or by a plan, as a sub-orchestration). */
export const restoreRunInputSchema = z.strictObject({
  /** The protected service (its name) and what the target rules need of it, from configuration. */
  serviceName: z.string().min(1),
  service: z.strictObject({
    resourceId,
    standbyResourceId: resourceId.optional(),
    drillTargetResourceIds: z.array(resourceId).optional(),
    allowRestoreOverPrimary: z.boolean().optional(),
  }),
  /** The target's ARM id as requested (any spelling; the rules compare normalised ids). */
  targetResourceId: resourceId,
  /** `latest` or a backup blob name. */
  backup: z.string().min(1),
  mode: z.enum(['failover', 'drill']),
  pollDefaultMs: z.number().int().min(0),
  timeoutMs: z.number().int().min(1),
  retryBudget: z.number().int().min(0),
  retryBaseMs: z.number().int().min(0),
  retryMaxMs: z.number().int().min(0),
  smokeCheck: z.boolean(),
  /**
   * A failback's restore (issue 23, ./reversed.ts): `serviceName` is the standby carrying
   * production, restored into the primary (a drill: a drill target). The begin checks it again.
   */
  failback: z.literal(true).optional(),
});
export type RestoreRunInput = z.infer<typeof restoreRunInputSchema>;

/** A configured protected service as the restore needs it (shared/config/sections/backup.ts). */
export interface ConfiguredService {
  serviceName: string;
  resourceId: string;
  standby?: { resourceId: string; serviceName: string } | undefined;
  drillTargets: readonly { resourceId: string; serviceName: string }[];
  allowRestoreOverPrimary: boolean;
}

export interface RestoreSettings {
  timeoutMinutes: number;
  pollDefaultSeconds: number;
  retryBudget: number;
  retryBaseSeconds: number;
  smokeCheck: boolean;
}

/** The run input for `service`, `targetResourceId`, `backup` and `mode`, with the configured settings. */
export function buildRestoreInput(
  service: ConfiguredService,
  request: { targetResourceId: string; backup: string; mode: RestoreMode },
  settings: RestoreSettings,
): RestoreRunInput {
  return {
    serviceName: service.serviceName,
    service: {
      resourceId: service.resourceId,
      ...(service.standby === undefined ? {} : { standbyResourceId: service.standby.resourceId }),
      drillTargetResourceIds: service.drillTargets.map((d) => d.resourceId),
      allowRestoreOverPrimary: service.allowRestoreOverPrimary,
    },
    targetResourceId: request.targetResourceId,
    backup: request.backup,
    mode: request.mode,
    pollDefaultMs: settings.pollDefaultSeconds * 1000,
    timeoutMs: settings.timeoutMinutes * 60_000,
    retryBudget: settings.retryBudget,
    retryBaseMs: settings.retryBaseSeconds * 1000,
    retryMaxMs: Math.max(RETRY_MAX_MS, settings.retryBaseSeconds * 1000),
    smokeCheck: settings.smokeCheck,
  };
}

/**
 * Which ARM id a requested target names: `standby` (the default), an ARM id in any spelling, or a
 * service name (the standby's, a drill target's, or the primary's own, which the target rules then
 * judge). Undefined when it names nothing configured for the service (an id is taken as it is:
 * the rules refuse one that is neither the standby nor a drill target).
 */
export function resolveTarget(
  service: ConfiguredService,
  target: string | undefined,
): { ok: true; resourceId: string } | { ok: false; message: string } {
  const text = (target ?? 'standby').trim();
  if (text.toLowerCase() === 'standby') {
    return service.standby === undefined
      ? { ok: false, message: `${service.serviceName} has no standby configured` }
      : { ok: true, resourceId: service.standby.resourceId };
  }
  if (text.includes('/')) return { ok: true, resourceId: text };
  const want = text.toLowerCase();
  const named = [
    ...(service.standby === undefined ? [] : [service.standby]),
    ...service.drillTargets,
    { serviceName: service.serviceName, resourceId: service.resourceId },
  ].find((s) => s.serviceName.toLowerCase() === want);
  return named === undefined
    ? {
        ok: false,
        message: `${text} is neither the standby nor a drill target of ${service.serviceName}`,
      }
    : { ok: true, resourceId: named.resourceId };
}

/** 32-bit FNV-1a, as 8 hex digits. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/**
 * The singleton instance id of restores into one target: every spelling of the target's id gives
 * the same id (normalised), readable (the service name) and unique (a hash of the whole id).
 */
export function restoreInstanceId(targetResourceId: string): string {
  const id = normaliseResourceId(targetResourceId);
  const name = (id.split('/').pop() ?? 'target').replace(/[^a-z0-9-]/g, '-').slice(0, 50);
  return `restore-${name}-${fnv1a(id)}`;
}

/** A restore run's result, in the one outcome vocabulary. */
export interface RestoreRunResult {
  serviceName: string;
  mode: RestoreMode;
  outcome: Exclude<Outcome, 'partial'>;
  error?: Problem;
  /** The target (its configured id) and the role it plays, once the rules accepted it. */
  target: { resourceId: string; role?: 'standby' | 'drillTarget' | 'primary' };
  /** The backup restored, once selected. */
  backup?: { name: string; takenAt: string };
  /** How old the backup was when the restore began (the recovery point achieved), in ms. */
  recoveryPointAgeMs?: number;
  timings: RestoreTimings;
  /** The manifest comparison (after the restore succeeded). */
  verification?: RestoreVerification;
  /**
   * What an operator should know of a restore that went on (issues 13 and 22): a backup older
   * than the 7 days once guaranteed, one without a manifest or taken while the configuration
   * changed, and, in failover mode, a restored target that differs from the backup's manifest.
   */
  warnings?: Problem[];
  /** The gateway health probe (after a verified restore; `skipped` when configured off). */
  smokeCheck?: { status: 'passed' | 'failed' | 'skipped'; httpStatus?: number };
  retries: number;
  polls: number;
}

/**
 * The run's times (ISO). All are orchestration times except `completedAt`: started, restore POST
 * accepted, completed as the service reported it, completion detected, verified, ended.
 */
export interface RestoreTimings {
  startedAt: string;
  acceptedAt?: string;
  /**
   * When the restore completed as the service reported it: the operation's own `endTime`, when
   * its final answer carries one. Live APIM's does not (it answers with the service resource:
   * shared/apim/completion.ts), so it is usually absent, with `completedAtSource: 'unknown'`;
   * `detectedAt` is then the nearest known time (at most one `Retry-After` after the completion).
   */
  completedAt?: string;
  /** Set once the restore completed: `operation` (the service said when) or `unknown`. */
  completedAtSource?: CompletionSource;
  detectedAt?: string;
  verifiedAt?: string;
  endedAt?: string;
}

export interface RestoreVerification {
  equal: boolean;
  /** The backup has no manifest beside it: the target could not be compared (issue 22). */
  manifestMissing?: true;
  /** Each difference as an operator reads it (at most {@link MAX_LISTED_DIFFERENCES}). */
  differences: string[];
  differenceCount: number;
}

export const MAX_LISTED_DIFFERENCES = 50;

/** Custom status while a restore runs. */
export interface RestoreProgress {
  phase:
    | 'target-rules'
    | 'preflight'
    | 'waiting-for-target'
    | 'selecting-backup'
    | 'starting'
    | 'polling'
    | 'retrying'
    | 'verifying'
    | 'smoke-check';
  serviceName: string;
  targetResourceId: string;
  mode: RestoreMode;
  percent?: number;
  waitingFor?: string;
  nextCheckAt?: string;
  lastProblem?: Problem;
  backup?: string;
  retries: number;
  polls: number;
}

/**
 * The instance id of one restore run into a target: the target's key and a suffix of the request
 * (issue 21: every request is its own run, so a refused request never overwrites the evidence of
 * the run before it; one run per target at a time is kept by the target record, claim.ts).
 */
export function restoreRunId(targetResourceId: string, suffix: string): string {
  const tail = suffix.toLowerCase().replace(/[^a-z0-9-]/g, '');
  return `${restoreInstanceId(targetResourceId)}-${tail}`;
}

/** The suffix of a standby sync's restore run (shared/restore/standbySync.ts), before its time and nonce. */
export const STANDBY_SYNC_RUN_PREFIX = 'sync-';

/** Whether `instanceId` is a restore run a standby sync started (`restore-<target>-sync-<time>-<nonce>`). */
export function isStandbySyncRun(instanceId: string): boolean {
  return /^restore-.+-sync-\d{8}t\d{6}z-[a-z0-9-]+$/.test(instanceId);
}

/** A request suffix: the UTC time to the second and a short nonce (readable, sortable, unique). */
export function restoreRunSuffix(now: Date, nonce: string): string {
  return `${now.toISOString().replace(/[-:]/g, '').slice(0, 15)}z-${nonce}`;
}

/** Whether `instanceId` is a restore run into the target: its key, or its key and a suffix. */
export function isRestoreRunOf(instanceId: string, targetResourceId: string): boolean {
  const key = restoreInstanceId(targetResourceId);
  return instanceId === key || instanceId.startsWith(`${key}-`);
}

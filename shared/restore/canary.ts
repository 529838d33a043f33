import { z } from 'zod';
import type { Outcome, Problem } from '../outcome';
import type { RunStarterClient } from '../durable/start';
import {
  buildRestoreInput,
  restoreInstanceId,
  restoreRunInputSchema,
  type ConfiguredService,
  type RestoreRunResult,
  type RestoreSettings,
} from './run';
import {
  markRetryOf,
  markRetrySchema,
  skippedServicesSchema,
  startSingleton,
  type SingletonStart,
} from './scheduled';

/**
 * The restore canary (issue 9): on its schedule it restores the newest verified backup of each
 * protected service that has a drill target into its FIRST drill target (drill mode, through
 * `restoreApim`, one service at a time) and records the outcome on the backup blob it used. A
 * service without a drill target is skipped (the canary is off for it). One canary at a time.
 */

/** The canary's singleton instance id: a running canary is never stacked. */
export const CANARY_INSTANCE_ID = 'restore-canary';

/** What `restoreCanary` is started with: the restores to run, in order, and the services skipped. */
export const restoreCanaryInputSchema = z.strictObject({
  restores: z.array(
    z.strictObject({
      serviceName: z.string().min(1),
      /** The drill target's service name (what the mark on the blob records). */
      targetName: z.string().min(1),
      /** `restoreApim`'s singleton id for the target (it refuses any other). */
      instanceId: z.string().min(1),
      input: restoreRunInputSchema,
    }),
  ),
  skipped: skippedServicesSchema,
  /** Retries of `markRestoreVerified` (transient storage errors). */
  markRetry: markRetrySchema,
});
export type RestoreCanaryInput = z.infer<typeof restoreCanaryInputSchema>;

/** The canary's input from configuration: pure, the same services in the same order. */
export function buildCanaryInput(
  services: readonly ConfiguredService[],
  settings: RestoreSettings,
): RestoreCanaryInput {
  const restores: RestoreCanaryInput['restores'] = [];
  const skipped: RestoreCanaryInput['skipped'] = [];
  for (const service of services) {
    const target = service.drillTargets[0];
    if (target === undefined) {
      skipped.push({
        serviceName: service.serviceName,
        reason: `${service.serviceName} has no drill target (drillTargetResourceIds): the canary is off for it`,
      });
      continue;
    }
    const input = buildRestoreInput(
      service,
      { targetResourceId: target.resourceId, backup: 'latest', mode: 'drill' },
      settings,
    );
    restores.push({
      serviceName: service.serviceName,
      targetName: target.serviceName,
      instanceId: restoreInstanceId(target.resourceId),
      input,
    });
  }
  return {
    restores,
    skipped,
    markRetry: markRetryOf(settings),
  };
}

/** What the canary recorded on the backup blob it restored. */
export type CanaryMark =
  | { recorded: boolean; restoreVerified: boolean }
  /** The mark could not be written (after retries): the restore's outcome is not recorded. */
  | { recorded: false; restoreVerified: false; error: Problem };

/** One service's part of a canary run. */
export interface CanaryServiceResult {
  serviceName: string;
  /**
   * `skipped` services have no drill target and are not attempted (outcome `refused`,
   * code `NoDrillTarget`). Otherwise the restore's outcome; `partial` when the restore succeeded
   * and the mark on the blob could not be written.
   */
  outcome: Outcome;
  error?: Problem;
  skipped?: true;
  /** The drill target restored into. */
  target?: string;
  /** The restore run (`restoreApim`'s instance). */
  instanceId?: string;
  /** The backup blob restored (and marked). */
  backup?: { name: string; takenAt: string };
  /** The mark written on the backup blob (absent when no backup was selected). */
  mark?: CanaryMark;
}

/** A canary run's result, in the one outcome vocabulary. */
export interface RestoreCanaryResult {
  /** Over the attempted services (skipped ones do not count); `refused` when none has a drill target. */
  outcome: Outcome;
  error?: Problem;
  services: CanaryServiceResult[];
}

/** A service's result from its restore's output and the mark written (pure). */
export function canaryServiceResult(
  serviceName: string,
  target: string,
  instanceId: string,
  restore: RestoreRunResult,
  mark: CanaryMark | undefined,
): CanaryServiceResult {
  const base: CanaryServiceResult = {
    serviceName,
    outcome: restore.outcome,
    ...(restore.error === undefined ? {} : { error: restore.error }),
    target,
    instanceId,
    ...(restore.backup === undefined ? {} : { backup: restore.backup }),
    ...(mark === undefined ? {} : { mark }),
  };
  if (restore.outcome === 'succeeded' && mark !== undefined && 'error' in mark)
    return {
      ...base,
      outcome: 'partial',
      error: {
        code: 'MarkFailed',
        message: `the restore of ${restore.backup?.name ?? 'the backup'} into ${target} succeeded but could not be recorded on the blob: ${mark.error.message}`,
      },
    };
  return base;
}

/** The overall outcome: over the attempted services; `refused` when there were none. */
export function canaryOutcome(services: readonly CanaryServiceResult[]): {
  outcome: Outcome;
  error?: Problem;
} {
  const attempted = services.filter((s) => s.skipped !== true);
  if (attempted.length === 0)
    return {
      outcome: 'refused',
      error: {
        code: 'NoDrillTarget',
        message: 'no protected service has a drill target: the restore canary has nothing to restore',
      },
    };
  const ok = attempted.filter((s) => s.outcome === 'succeeded').length;
  if (ok === attempted.length) return { outcome: 'succeeded' };
  const bad = attempted.filter((s) => s.outcome !== 'succeeded');
  const message = bad.map((s) => `${s.serviceName}: ${s.outcome} (${s.error?.code ?? 'unknown'})`).join('; ');
  if (ok > 0 || bad.some((s) => s.outcome === 'partial'))
    return { outcome: 'partial', error: { code: 'CanaryPartial', message } };
  const first = bad[0]!.outcome;
  return bad.every((s) => s.outcome === first)
    ? { outcome: first, error: bad.length === 1 ? bad[0]!.error! : { code: 'CanaryFailed', message } }
    : { outcome: 'failed', error: { code: 'CanaryFailed', message } };
}

/** What the timer's start became. */
export type CanaryStart = SingletonStart;

/**
 * Starts the canary under its singleton id unless one is running (skipped, with the reason). A
 * start the host refuses because one started meanwhile counts as skipped; other errors escape.
 */
export function startCanary(
  client: RunStarterClient,
  orchestrationName: string,
  input: RestoreCanaryInput,
): Promise<CanaryStart> {
  return startSingleton(client, orchestrationName, CANARY_INSTANCE_ID, input, 'canary');
}

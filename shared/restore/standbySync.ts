import { z } from 'zod';
import type { Outcome, Problem } from '../outcome';
import type { RunStarterClient } from '../durable/start';
import {
  buildRestoreInput,
  restoreRunId,
  restoreRunInputSchema,
  restoreRunSuffix,
  STANDBY_SYNC_RUN_PREFIX,
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
 * The standby sync (issue 23): on its schedule (LIFEBOAT_STANDBY_SYNC_SCHEDULE, daily by default)
 * it restores the newest verified backup of each protected service into its standby, the same
 * flow as a failover's restore step (`restoreApim` as a sub-orchestration, holding the target
 * through its claim), and records the standby's state: which backup, its age, verified or not,
 * when, by which run. A successful sync restore-verifies the backup, like the canary. Services
 * without a standby or with `standbySync: false` are skipped; each service is checked again just
 * before its restore (never while a failover owns the standby, never once it is the active side).
 */

/** The sync's singleton instance id: a running sync is never stacked. */
export const STANDBY_SYNC_INSTANCE_ID = 'standby-sync';

export const standbySyncInputSchema = z.strictObject({
  syncs: z.array(
    z.strictObject({
      serviceName: z.string().min(1),
      standbyName: z.string().min(1),
      standbyResourceId: z.string().min(1),
      /** The restore run's id: the standby's key and a suffix of this sync (one run per request). */
      instanceId: z.string().min(1),
      input: restoreRunInputSchema,
    }),
  ),
  skipped: skippedServicesSchema,
  /** Retries of the recording activities (transient storage errors). */
  markRetry: markRetrySchema,
});
export type StandbySyncInput = z.infer<typeof standbySyncInputSchema>;

/** A configured service as the sync needs it. */
export type SyncService = ConfiguredService & { standbySync?: boolean | undefined };

/** The sync's input from configuration (pure): `now` and `nonce` name this sync's restore runs. */
export function buildStandbySyncInput(
  services: readonly SyncService[],
  settings: RestoreSettings,
  now: Date,
  nonce: string,
): StandbySyncInput {
  const syncs: StandbySyncInput['syncs'] = [];
  const skipped: StandbySyncInput['skipped'] = [];
  for (const service of services) {
    if (service.standby === undefined) {
      skipped.push({ serviceName: service.serviceName, reason: `${service.serviceName} has no standby` });
      continue;
    }
    if (service.standbySync === false) {
      skipped.push({
        serviceName: service.serviceName,
        reason: `standby sync is off for ${service.serviceName} (standbySync: false)`,
      });
      continue;
    }
    syncs.push({
      serviceName: service.serviceName,
      standbyName: service.standby.serviceName,
      standbyResourceId: service.standby.resourceId,
      instanceId: restoreRunId(
        service.standby.resourceId,
        `${STANDBY_SYNC_RUN_PREFIX}${restoreRunSuffix(now, nonce)}`,
      ),
      input: buildRestoreInput(
        service,
        { targetResourceId: service.standby.resourceId, backup: 'latest', mode: 'failover' },
        settings,
      ),
    });
  }
  return {
    syncs,
    skipped,
    markRetry: markRetryOf(settings),
  };
}

/** One service's part of a sync run. */
export interface StandbySyncServiceResult {
  serviceName: string;
  /** `refused` with the reason when skipped (no standby, off, owned by a failover, active). */
  outcome: Outcome;
  error?: Problem;
  skipped?: true;
  standby?: string;
  instanceId?: string;
  backup?: { name: string; takenAt: string };
  /** Whether the standby now holds a verified copy of `backup`. */
  verified?: boolean;
  /** Whether the backup blob was marked restore-verified. */
  restoreVerified?: boolean;
}

export interface StandbySyncResult {
  outcome: Outcome;
  error?: Problem;
  services: StandbySyncServiceResult[];
}

/** A service's result from its restore's output (pure). */
export function syncServiceResult(
  sync: StandbySyncInput['syncs'][number],
  restore: RestoreRunResult,
  restoreVerified: boolean,
  recorded: Problem | undefined,
): StandbySyncServiceResult {
  const base: StandbySyncServiceResult = {
    serviceName: sync.serviceName,
    outcome: restore.outcome,
    ...(restore.error === undefined ? {} : { error: restore.error }),
    standby: sync.standbyName,
    instanceId: sync.instanceId,
    ...(restore.backup === undefined ? {} : { backup: restore.backup }),
    verified: restore.outcome === 'succeeded',
    restoreVerified,
  };
  if (restore.outcome === 'succeeded' && recorded !== undefined)
    return {
      ...base,
      outcome: 'partial',
      error: {
        code: 'SyncNotRecorded',
        message: `the standby ${sync.standbyName} was restored and verified, but its state could not be recorded: ${recorded.message}`,
      },
    };
  return base;
}

/** The sync's outcome over the services it attempted (skipped ones do not count). */
export function syncOutcome(services: readonly StandbySyncServiceResult[]): {
  outcome: Outcome;
  error?: Problem;
} {
  const attempted = services.filter((s) => s.skipped !== true);
  if (attempted.length === 0)
    return {
      outcome: 'refused',
      error: { code: 'NothingToSync', message: 'no standby was synced: every service was skipped' },
    };
  const bad = attempted.filter((s) => s.outcome !== 'succeeded');
  if (bad.length === 0) return { outcome: 'succeeded' };
  const message = bad.map((s) => `${s.serviceName}: ${s.outcome} (${s.error?.code ?? 'unknown'})`).join('; ');
  return bad.length < attempted.length || bad.some((s) => s.outcome === 'partial')
    ? { outcome: 'partial', error: { code: 'SyncPartial', message } }
    : { outcome: 'failed', error: { code: 'SyncFailed', message } };
}

/** What the timer's start became. */
export type StandbySyncStart = SingletonStart;

/** Starts the sync under its singleton id unless one is running (skipped, with the reason). */
export function startStandbySync(
  client: RunStarterClient,
  orchestrationName: string,
  input: StandbySyncInput,
): Promise<StandbySyncStart> {
  return startSingleton(client, orchestrationName, STANDBY_SYNC_INSTANCE_ID, input, 'sync');
}

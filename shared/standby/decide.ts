import { normaliseResourceId } from '../azure/resourceId';
import type { Problem } from '../outcome';
import { activeSideOf, type Side, type StandbyRecord, type StandbySync } from './record';

/**
 * The standby's decisions (issue 23), pure (`now` is an input): whether a failover may use the
 * standby as it is, whether a sync may run, which service of a pair a backup or a restore canary
 * works on, and whether a restore may overwrite a target.
 */

const minutes = (ms: number) => Math.round(ms / 6_000) / 10;

/** What a failover's `apim.restore` step does with the standby, and why. */
export type StandbyUse =
  | {
      use: 'standby';
      /** The evidence the report shows: the backup the standby holds, the sync, its age against the RPO. */
      evidence: {
        backup: string;
        backupTakenAt: string;
        syncedAt: string;
        syncRun: string;
        restoreRun: string;
        recoveryPointAgeMinutes: number;
        rpoMinutes: number;
      };
      summary: string;
    }
  | { use: 'restore'; reason: string };

/**
 * Whether a failover uses the standby as it is: its last sync is verified, the backup it holds is
 * no older than the plan's RPO, no newer verified backup exists, and no restore is writing into it
 * now. Otherwise it restores as it always did, and `reason` says why.
 */
export function decideStandbyUse(input: {
  record: StandbyRecord | undefined;
  /** The newest verified backup of the service (from the catalog), if any. */
  newestVerified: { name: string; takenAt: Date } | undefined;
  rpoMs: number;
  now: Date;
  /** A restore run holding the standby now (a sync or a restore over HTTP), if any. */
  targetHolder?: string | undefined;
}): StandbyUse {
  const sync: StandbySync | undefined = input.record?.lastSync;
  const rpoMinutes = minutes(input.rpoMs);
  if (sync === undefined) return { use: 'restore', reason: 'the standby was never synced by Lifeboat' };
  if (!sync.verified || sync.backup === undefined)
    return {
      use: 'restore',
      reason: `the standby's last sync (${sync.at}) did not verify (${sync.outcome}${
        sync.error === undefined ? '' : `: ${sync.error.code}`
      })`,
    };
  if (input.targetHolder !== undefined)
    return {
      use: 'restore',
      reason: `a restore into the standby is running (${input.targetHolder}): the standby is being rewritten`,
    };
  const ageMs = input.now.getTime() - new Date(sync.backup.takenAt).getTime();
  if (ageMs > input.rpoMs)
    return {
      use: 'restore',
      reason: `the standby holds ${sync.backup.name}, ${minutes(ageMs)} min old: older than the plan's RPO of ${rpoMinutes} min`,
    };
  const newest = input.newestVerified;
  if (newest !== undefined && newest.takenAt.getTime() > new Date(sync.backup.takenAt).getTime())
    return {
      use: 'restore',
      reason: `a newer verified backup exists (${newest.name}) than the one the standby holds (${sync.backup.name})`,
    };
  const age = minutes(Math.max(0, ageMs));
  return {
    use: 'standby',
    evidence: {
      backup: sync.backup.name,
      backupTakenAt: sync.backup.takenAt,
      syncedAt: sync.at,
      syncRun: sync.syncRunId,
      restoreRun: sync.instanceId,
      recoveryPointAgeMinutes: age,
      rpoMinutes,
    },
    summary: `standby already current: it holds ${sync.backup.name} (verified by the sync of ${sync.at}), ${age} min old against the plan's RPO of ${rpoMinutes} min; no newer backup exists`,
  };
}

/** Whether a scheduled sync restores into the standby now, or why not. */
export type SyncDecision = { sync: true } | { sync: false; reason: string };

export function decideSync(input: {
  serviceName: string;
  hasStandby: boolean;
  enabled: boolean;
  record: StandbyRecord | undefined;
  /** Failover runs in progress whose plan restores this service (they own the standby). */
  owningRuns: readonly string[];
}): SyncDecision {
  const { serviceName } = input;
  if (!input.hasStandby) return { sync: false, reason: `${serviceName} has no standby configured` };
  if (!input.enabled)
    return { sync: false, reason: `standby sync is off for ${serviceName} (standbySync: false)` };
  const active = input.record?.active;
  if (activeSideOf(input.record) === 'standby')
    return {
      sync: false,
      reason: `the standby of ${serviceName} carries production since ${active?.since ?? '?'} (run ${
        active?.runId ?? '?'
      }): a sync would overwrite it`,
    };
  if (input.owningRuns.length > 0)
    return {
      sync: false,
      reason: `a failover run owns the standby of ${serviceName} (${input.owningRuns.join(', ')})`,
    };
  return { sync: true };
}

/** A protected service pair as configuration describes it. */
export interface ServicePair {
  serviceName: string;
  resourceId: string;
  standby?: { serviceName: string; resourceId: string } | undefined;
}

/**
 * The service that carries production, which scheduled backups back up, the RPO judges and the
 * restore canary restores from: the primary, or the standby once a failover made it active. The
 * standby's backups live in the same container under its own name (`<standby>/<standby>-<time>`).
 */
export function activeService(
  pair: ServicePair,
  side: Side,
): { serviceName: string; resourceId: string; side: Side } {
  if (side === 'standby' && pair.standby !== undefined)
    return { serviceName: pair.standby.serviceName, resourceId: pair.standby.resourceId, side };
  return { serviceName: pair.serviceName, resourceId: pair.resourceId, side: 'primary' };
}

/**
 * Whether a restore may overwrite `targetResourceId`: never the side that carries production now,
 * unless the plan says so (`allowed`). The primary as configured is the target rules' business
 * (shared/restore/target.ts); this refuses the standby once it is active.
 */
export function activeSideRefusal(input: {
  pair: ServicePair;
  record: StandbyRecord | undefined;
  targetResourceId: string;
  allowed?: boolean | undefined;
}): Problem | undefined {
  const { pair, record } = input;
  if (input.allowed === true || activeSideOf(record) !== 'standby' || pair.standby === undefined)
    return undefined;
  if (normaliseResourceId(input.targetResourceId) !== normaliseResourceId(pair.standby.resourceId))
    return undefined;
  return {
    code: 'ActiveSide',
    message: `${pair.standby.serviceName} carries production since ${record?.active?.since ?? '?'} (run ${
      record?.active?.runId ?? '?'
    }): a restore into the active side is refused unless a plan says so (apim.restore intoActiveSide: true)`,
  };
}

/** The standby's recovery point age against an RPO, for the status page and GET /api/backups. */
export function standbyFreshness(
  record: StandbyRecord | undefined,
  now: Date,
  rpoMs: number | undefined,
): {
  state: 'active' | 'never' | 'unverified' | 'current' | 'stale';
  recoveryPointAgeMinutes?: number;
  rpoMinutes?: number;
} {
  if (activeSideOf(record) === 'standby') return { state: 'active' };
  const sync = record?.lastSync;
  if (sync === undefined) return { state: 'never' };
  if (!sync.verified || sync.backup === undefined) return { state: 'unverified' };
  const ageMs = Math.max(0, now.getTime() - new Date(sync.backup.takenAt).getTime());
  const rpo = rpoMs === undefined ? {} : { rpoMinutes: minutes(rpoMs) };
  return {
    state: rpoMs !== undefined && ageMs > rpoMs ? 'stale' : 'current',
    recoveryPointAgeMinutes: minutes(ageMs),
    ...rpo,
  };
}

/** A service's standby as `GET /api/backups` shows it (pure). */
export interface StandbyReport {
  /** The standby's service name (absent: none configured). */
  name?: string;
  syncEnabled: boolean;
  /** The side carrying production, and the run that changed it. */
  activeSide: Side;
  activeSince?: { runId: string; since: string; mode: 'failover' | 'failback' };
  /** `current`/`stale` against the RPO given; `never` synced; `unverified` last sync; `active`: no sync. */
  state: ReturnType<typeof standbyFreshness>['state'] | 'none';
  recoveryPointAgeMinutes?: number;
  rpoMinutes?: number;
  lastSync?: StandbySync;
}

export function standbyReport(
  pair: ServicePair & { standbySync?: boolean | undefined },
  record: StandbyRecord | undefined,
  now: Date,
  rpoMs: number | undefined,
): StandbyReport {
  const active = record?.active;
  const base: StandbyReport = {
    ...(pair.standby === undefined ? {} : { name: pair.standby.serviceName }),
    syncEnabled: pair.standby !== undefined && pair.standbySync !== false,
    activeSide: activeSideOf(record),
    ...(active === undefined
      ? {}
      : { activeSince: { runId: active.runId, since: active.since, mode: active.mode } }),
    state: 'none',
    ...(record?.lastSync === undefined ? {} : { lastSync: record.lastSync }),
  };
  if (pair.standby === undefined) return base;
  return { ...base, ...standbyFreshness(record, now, rpoMs) };
}

/**
 * The services scheduled backups and `POST /api/backups` back up: each configured service's
 * active side (pure; `records` in the same order as `services`). A failed-over pair is backed up
 * as its standby, under the standby's own name and instance id.
 */
export function activeServices<S extends ServicePair>(
  services: readonly S[],
  records: readonly (StandbyRecord | undefined)[],
): (S | (ServicePair & { serviceName: string; resourceId: string; activeFor: string }))[] {
  return services.map((s, i) => {
    const a = activeService(s, activeSideOf(records[i]));
    return a.side === 'primary'
      ? s
      : { serviceName: a.serviceName, resourceId: a.resourceId, activeFor: s.serviceName };
  });
}

/**
 * A configured service as the restore canary sees it (pure): once the standby carries production,
 * the canary restores the standby's newest backup (its own name) into the same drill targets; the
 * pair then has no standby to restore into and never allows a restore over the active side.
 */
export function canaryView<S extends ServicePair & { allowRestoreOverPrimary: boolean }>(
  service: S,
  side: Side,
): S {
  const a = activeService(service, side);
  if (a.side === 'primary') return service;
  return {
    ...service,
    serviceName: a.serviceName,
    resourceId: a.resourceId,
    standby: undefined,
    allowRestoreOverPrimary: false,
  };
}

import type { LastRunStatus } from '../backups/report';
import type { StoredCatalogSummary } from '../backups/store';
import { targetKey, type DigestEvidence, type DigestLastRun, type ServiceDigest } from '../digest/service';
import { humanDuration } from './colour';
import type { CatalogInput } from './inputs';

/**
 * What the status page makes of a service's digest record (shared/digest/service.ts): the inputs
 * the status rules already decide from, and where the record can no longer be trusted, unknown.
 * Pure: `now` and the limits are inputs.
 *
 * The stale rules (issue 21, item 13: stale or missing records show unknown, never green):
 * - no record: nothing the page shows about the service is known (the next backup run writes it);
 * - a backup run recorded as running for longer than `runStaleMs` (its ending was never recorded:
 *   the run was terminated, or the digest write failed): the last run is unknown, and so is a
 *   backup that would otherwise be green;
 * - a restore holding its target for longer than `restoreStaleMs`: that target is unknown.
 * Endings, listings and evidence do not go stale by age: their age is what the rules judge (the
 * RPO, the restore-verification age), exactly as before the digest.
 */

function lastVerifiedOf(
  run: LastRunStatus | undefined,
): { name: string; takenAt: Date; sizeBytes: number } | undefined {
  if (run?.runtimeStatus !== 'Completed') return undefined;
  const o = run.output as {
    outcome?: unknown;
    blobName?: unknown;
    takenAt?: unknown;
    sizeBytes?: unknown;
  } | null;
  if (o?.outcome !== 'succeeded' || typeof o.blobName !== 'string' || typeof o.takenAt !== 'string')
    return undefined;
  const takenAt = new Date(o.takenAt);
  if (Number.isNaN(takenAt.getTime())) return undefined;
  return { name: o.blobName, takenAt, sizeBytes: typeof o.sizeBytes === 'number' ? o.sizeBytes : 0 };
}

/** The catalog without a listing: the summary, or the backup the last run verified when newer (or no summary). */
export function catalogFrom(
  summary: StoredCatalogSummary | undefined,
  lastRun: LastRunStatus | undefined,
): CatalogInput {
  const fromRun = lastVerifiedOf(lastRun);
  if (summary === undefined)
    return fromRun === undefined ? { source: 'none' } : { source: 'lastRun', newestVerified: fromRun };
  const v = summary.newestVerified;
  const fromSummary =
    v === null ? undefined : { name: v.name, takenAt: new Date(v.takenAt), sizeBytes: v.sizeBytes };
  const r = summary.newestRestoreVerified ?? null;
  const l = summary.lastRestoreVerification ?? null;
  // The run's time has milliseconds, the summary's comes from the blob name: compare names first.
  const newer =
    fromRun !== undefined &&
    fromRun.name !== fromSummary?.name &&
    (fromSummary === undefined || fromRun.takenAt > fromSummary.takenAt);
  return {
    source: newer ? 'lastRun' : 'summary',
    asOf: new Date(summary.asOf),
    newestVerified: newer ? fromRun : fromSummary,
    ...(r === null
      ? {}
      : {
          newestRestoreVerified: {
            name: r.name,
            takenAt: new Date(r.takenAt),
            at: new Date(r.at),
            target: r.target,
          },
        }),
    ...(l === null ? {} : { lastRestoreVerification: l }),
  };
}

/** How long a run or a restore may be recorded as running before the record is not trusted. */
export interface DigestLimits {
  runStaleMs: number;
  restoreStaleMs: number;
}

/** The limits from the configured timeouts: twice the timeout, and at least an hour more. */
export function digestLimits(backupTimeoutMinutes: number, restoreTimeoutMinutes: number): DigestLimits {
  const limit = (minutes: number) => 2 * minutes * 60_000 + 3600_000;
  return { runStaleMs: limit(backupTimeoutMinutes), restoreStaleMs: limit(restoreTimeoutMinutes) };
}

/** The service's part of the status inputs, read from its digest. */
export interface ServiceFromDigest {
  catalog: CatalogInput;
  lastRun: LastRunStatus | undefined;
  /** Why the service's record cannot be trusted (missing, or a run recorded as running too long). */
  unknown?: string | undefined;
  /** The last restore into each target by key (shared/digest/service.ts `targetKey`), and why one is unknown. */
  target(resourceId: string): { lastRestore: LastRunStatus | undefined; unknown?: string | undefined };
}

function runStatusOf(run: DigestLastRun): LastRunStatus {
  if (run.state === 'running')
    return {
      runtimeStatus: 'Running',
      createdTime: run.startedAt,
      lastUpdatedTime: run.updatedAt,
      output: null,
      customStatus: undefined,
    };
  return {
    runtimeStatus: 'Completed',
    createdTime: run.startedAt,
    lastUpdatedTime: run.updatedAt,
    output: {
      outcome: run.outcome,
      ...(run.error === undefined ? {} : { error: run.error }),
      ...(run.verified === undefined
        ? {}
        : { blobName: run.verified.name, takenAt: run.verified.takenAt, sizeBytes: run.verified.sizeBytes }),
    },
    customStatus: undefined,
  };
}

function restoreStatusOf(e: DigestEvidence): LastRunStatus {
  return {
    runtimeStatus: 'Completed',
    createdTime: undefined,
    lastUpdatedTime: e.endedAt,
    output: {
      instanceId: e.instanceId,
      mode: e.mode,
      outcome: e.outcome,
      ...(e.backup === undefined ? {} : { backup: e.backup }),
      timings: { endedAt: e.endedAt, ...(e.acceptedAt === undefined ? {} : { acceptedAt: e.acceptedAt }) },
      ...(e.error === undefined ? {} : { error: e.error }),
    },
    customStatus: undefined,
  };
}

function summaryOf(d: ServiceDigest): StoredCatalogSummary | undefined {
  const c = d.catalog;
  if (c?.asOf === undefined || c.count === undefined || c.verifiedCount === undefined) return undefined;
  const r = c.newestRestoreVerified;
  return {
    asOf: c.asOf,
    count: c.count,
    verifiedCount: c.verifiedCount,
    newestVerified: c.newestVerified ?? null,
    newestRestoreVerified: r == null ? null : { ...r, verified: true, sizeBytes: 0 },
    lastRestoreVerification: c.lastRestoreVerification ?? null,
  };
}

/** The service's status inputs from its digest record (undefined: there is none). */
export function serviceFromDigest(
  serviceName: string,
  digest: ServiceDigest | undefined,
  now: Date,
  limits: DigestLimits,
): ServiceFromDigest {
  if (digest === undefined)
    return {
      catalog: { source: 'none' },
      lastRun: undefined,
      unknown: `no status digest of ${serviceName} is recorded yet (the next backup run records it; GET /api/backups?fresh=true lists the backups)`,
      target: () => ({ lastRestore: undefined }),
    };
  const run = digest.lastRun;
  const runningFor = run?.state === 'running' ? now.getTime() - Date.parse(run.startedAt) : 0;
  const stale = run !== undefined && runningFor > limits.runStaleMs;
  const lastRun = run === undefined || stale ? undefined : runStatusOf(run);
  // The newest backup a run verified, even while a later run runs (or after it failed).
  const v = digest.lastVerified;
  const verifiedBy: LastRunStatus | undefined =
    v === undefined
      ? undefined
      : {
          runtimeStatus: 'Completed',
          createdTime: undefined,
          lastUpdatedTime: undefined,
          output: { outcome: 'succeeded', blobName: v.name, takenAt: v.takenAt, sizeBytes: v.sizeBytes },
          customStatus: undefined,
        };
  const catalog = catalogFrom(summaryOf(digest), verifiedBy);
  // Marks recorded before the first prune wrote a summary still count.
  const marks = digest.catalog;
  if (catalog.newestRestoreVerified === undefined && marks?.newestRestoreVerified != null) {
    const r = marks.newestRestoreVerified;
    catalog.newestRestoreVerified = {
      name: r.name,
      takenAt: new Date(r.takenAt),
      at: new Date(r.at),
      target: r.target,
    };
  }
  if (catalog.lastRestoreVerification === undefined && marks?.lastRestoreVerification != null)
    catalog.lastRestoreVerification = marks.lastRestoreVerification;
  return {
    catalog,
    lastRun,
    ...(stale
      ? {
          unknown: `the backup run ${run.instanceId} has been recorded as running for ${humanDuration(runningFor)}, longer than any run lasts (limit ${humanDuration(limits.runStaleMs)}): its ending was not recorded`,
        }
      : {}),
    target(resourceId) {
      const t = digest.targets[targetKey(resourceId)];
      if (t === undefined) return { lastRestore: undefined };
      if (t.holder !== null) {
        const heldFor = now.getTime() - Date.parse(t.holder.since);
        if (heldFor <= limits.restoreStaleMs)
          return {
            lastRestore: {
              runtimeStatus: 'Running',
              createdTime: t.holder.since,
              lastUpdatedTime: t.updatedAt,
              output: null,
              customStatus: undefined,
            },
          };
        return {
          lastRestore: undefined,
          unknown: `the restore ${t.holder.instanceId} has been recorded as holding it for ${humanDuration(heldFor)}, longer than any restore lasts (limit ${humanDuration(limits.restoreStaleMs)}): its ending was not recorded`,
        };
      }
      return { lastRestore: t.evidence === undefined ? undefined : restoreStatusOf(t.evidence) };
    },
  };
}

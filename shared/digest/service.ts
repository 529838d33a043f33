import { z } from 'zod';
import { OUTCOMES, type Outcome } from '../outcome';

/**
 * The status digest of one protected service (issue 21, item 13): every fact the status page
 * shows about the service, kept in one small record that each writer of such a fact updates right
 * after its own write succeeds. The page reads one record per service (shared/status/read.ts), so
 * its cost does not grow with the number of backups, restores or durable instances.
 *
 * The writers and the section each owns:
 * - a backup run's start (the timer and `POST /api/backups`) and end (backupOrchestration): `lastRun`;
 * - the prune, which lists the service anyway: `catalog` (what the catalog summary says);
 * - a restore mark on a backup blob (drills, the restore canary): `catalog.newestRestoreVerified` and
 *   `catalog.lastRestoreVerification`;
 * - a restore claiming and releasing its target: `targets[<target key>]` (the holder, and the
 *   evidence of the last restore that ran).
 *
 * Every change here is a pure function of the record and the fact, and keeps the newer fact when
 * two arrive out of order (a late or repeated delivery never rolls the record back).
 */

const iso = z.iso.datetime();
const problem = z.strictObject({ code: z.string(), message: z.string() });

const lastRunSchema = z.strictObject({
  instanceId: z.string().min(1),
  /** `running`: started and not ended yet (as far as the digest knows); `ended`: `outcome` says how. */
  state: z.enum(['running', 'ended']),
  startedAt: iso,
  updatedAt: iso,
  outcome: z.enum(OUTCOMES).optional(),
  error: problem.optional(),
  /** The backup the run verified (a succeeded run). */
  verified: z
    .strictObject({ name: z.string().min(1), takenAt: iso, sizeBytes: z.number().int().min(0) })
    .optional(),
});

const catalogSchema = z.strictObject({
  /** When the prune's listing was taken; absent until the first prune (marks only). */
  asOf: iso.optional(),
  count: z.number().int().min(0).optional(),
  verifiedCount: z.number().int().min(0).optional(),
  newestVerified: z
    .strictObject({ name: z.string(), takenAt: iso, sizeBytes: z.number().int().min(0) })
    .nullable()
    .optional(),
  newestRestoreVerified: z
    .strictObject({ name: z.string(), takenAt: iso, at: iso, target: z.string() })
    .nullable()
    .optional(),
  lastRestoreVerification: z
    .strictObject({ blobName: z.string(), at: iso, target: z.string(), outcome: z.enum(OUTCOMES) })
    .nullable()
    .optional(),
});

const targetSchema = z.strictObject({
  /** The target's resource id as configured. */
  resourceId: z.string().min(1),
  /** The run holding the target and since when (null: free). */
  holder: z.strictObject({ instanceId: z.string().min(1), since: iso }).nullable(),
  /** The last restore into the target that ran (refusals never replace it). */
  evidence: z
    .strictObject({
      instanceId: z.string().min(1),
      mode: z.enum(['failover', 'drill']),
      outcome: z.enum(OUTCOMES),
      endedAt: iso,
      backup: z.strictObject({ name: z.string().min(1), takenAt: z.string().min(1) }).optional(),
      acceptedAt: iso.optional(),
      error: problem.optional(),
    })
    .optional(),
  updatedAt: iso,
});

export const serviceDigestSchema = z.strictObject({
  /** The record's shape; a record of another version reads as missing (the page says unknown). */
  version: z.literal(1),
  service: z.string().min(1),
  updatedAt: iso,
  lastRun: lastRunSchema.optional(),
  /** The newest backup a run verified (kept while a later run runs or fails). */
  lastVerified: lastRunSchema.shape.verified,
  catalog: catalogSchema.optional(),
  targets: z.record(z.string(), targetSchema),
});

/** The digest record of one service. */
export type ServiceDigest = z.infer<typeof serviceDigestSchema>;
export type DigestLastRun = z.infer<typeof lastRunSchema>;
export type DigestCatalog = z.infer<typeof catalogSchema>;
export type DigestTarget = z.infer<typeof targetSchema>;
export type DigestEvidence = NonNullable<DigestTarget['evidence']>;

/** The container of the digest records (the app's storage, beside the heartbeat records). */
export const DIGEST_CONTAINER = 'lifeboat-status';

/** The record blob of a service (every spelling of its name gives the same blob). */
export function serviceDigestBlob(serviceName: string): string {
  return `digest/services/${serviceName.toLowerCase()}.json`;
}

/** A target's key in `targets` (resource ids compare case-insensitively in Azure). */
export function targetKey(resourceId: string): string {
  return resourceId.toLowerCase();
}

function empty(service: string, at: string): ServiceDigest {
  return { version: 1, service, updatedAt: at, targets: {} };
}

const later = (a: string, b: string | undefined) => b === undefined || Date.parse(a) >= Date.parse(b);

/** A backup run started (its starter's start succeeded). A run of an older start is ignored. */
export function withRunStarted(
  current: ServiceDigest | undefined,
  service: string,
  run: { instanceId: string; at: string },
): ServiceDigest | undefined {
  const d = current ?? empty(service, run.at);
  const last = d.lastRun;
  if (last !== undefined && !later(run.at, last.startedAt)) return undefined;
  // The same start delivered twice keeps what is known.
  if (last?.instanceId === run.instanceId && last.startedAt === run.at) return undefined;
  return {
    ...d,
    updatedAt: run.at,
    lastRun: { instanceId: run.instanceId, state: 'running', startedAt: run.at, updatedAt: run.at },
  };
}

/** How a backup run ended. */
export interface RunEnding {
  instanceId: string;
  startedAt: string;
  endedAt: string;
  outcome: Outcome;
  error?: { code: string; message: string } | undefined;
  verified?: { name: string; takenAt: string; sizeBytes: number } | undefined;
}

/** A backup run ended. The ending of a run older than the one recorded is ignored. */
export function withRunEnded(
  current: ServiceDigest | undefined,
  service: string,
  end: RunEnding,
): ServiceDigest | undefined {
  const d = current ?? empty(service, end.endedAt);
  const last = d.lastRun;
  if (last !== undefined && Date.parse(end.startedAt) < Date.parse(last.startedAt)) return undefined;
  if (last?.state === 'ended' && last.startedAt === end.startedAt && last.instanceId === end.instanceId)
    return undefined;
  return {
    ...d,
    updatedAt: end.endedAt,
    lastRun: {
      instanceId: end.instanceId,
      state: 'ended',
      startedAt: end.startedAt,
      updatedAt: end.endedAt,
      outcome: end.outcome,
      ...(end.error === undefined ? {} : { error: { code: end.error.code, message: end.error.message } }),
      ...(end.verified === undefined ? {} : { verified: end.verified }),
    },
    ...(end.verified !== undefined &&
    (d.lastVerified === undefined || Date.parse(end.verified.takenAt) >= Date.parse(d.lastVerified.takenAt))
      ? { lastVerified: end.verified }
      : {}),
  };
}

/** What a prune's listing found (the catalog summary it writes). */
export interface CatalogFacts {
  asOf: string;
  count: number;
  verifiedCount: number;
  newestVerified: { name: string; takenAt: string; sizeBytes: number } | null;
  newestRestoreVerified?: { name: string; takenAt: string; at: string; target: string } | null | undefined;
  lastRestoreVerification?:
    { blobName: string; at: string; target: string; outcome: Outcome } | null | undefined;
}

/**
 * A prune listed the service. A listing older than the one recorded is ignored; a restore mark
 * newer than the listing (recorded between the listing and this write) is kept.
 */
export function withCatalog(
  current: ServiceDigest | undefined,
  service: string,
  facts: CatalogFacts,
): ServiceDigest | undefined {
  const d = current ?? empty(service, facts.asOf);
  const c = d.catalog;
  if (c?.asOf !== undefined && Date.parse(facts.asOf) < Date.parse(c.asOf)) return undefined;
  const newerMark = <T extends { at: string }>(listed: T | null | undefined, kept: T | null | undefined) =>
    kept != null && (listed == null || Date.parse(kept.at) > Date.parse(listed.at)) ? kept : (listed ?? null);
  const keptRestore = c?.newestRestoreVerified;
  const listedRestore = facts.newestRestoreVerified ?? null;
  const newestRestoreVerified =
    keptRestore != null &&
    (listedRestore === null || Date.parse(keptRestore.takenAt) > Date.parse(listedRestore.takenAt))
      ? keptRestore
      : listedRestore;
  return {
    ...d,
    updatedAt: later(facts.asOf, d.updatedAt) ? facts.asOf : d.updatedAt,
    catalog: {
      asOf: facts.asOf,
      count: facts.count,
      verifiedCount: facts.verifiedCount,
      newestVerified: facts.newestVerified,
      newestRestoreVerified,
      lastRestoreVerification: newerMark(facts.lastRestoreVerification, c?.lastRestoreVerification),
    },
  };
}

/**
 * A restore attempt was recorded on a backup blob (the mark shared/backups/restoreMark.ts writes).
 * It becomes the last verification when it is the newest attempt, and the newest restore-verified
 * backup when it succeeded on a backup newer than the one recorded.
 */
export function withRestoreMark(
  current: ServiceDigest | undefined,
  service: string,
  mark: { blobName: string; takenAt: string; at: string; target: string; outcome: Outcome },
): ServiceDigest | undefined {
  const d = current ?? empty(service, mark.at);
  const c: DigestCatalog = d.catalog ?? {};
  const last = c.lastRestoreVerification;
  const isLast = last == null || Date.parse(mark.at) >= Date.parse(last.at);
  const newest = c.newestRestoreVerified;
  const isNewest =
    mark.outcome === 'succeeded' &&
    (newest == null || Date.parse(mark.takenAt) >= Date.parse(newest.takenAt));
  if (!isLast && !isNewest) return undefined;
  return {
    ...d,
    updatedAt: later(mark.at, d.updatedAt) ? mark.at : d.updatedAt,
    catalog: {
      ...c,
      ...(isLast
        ? {
            lastRestoreVerification: {
              blobName: mark.blobName,
              at: mark.at,
              target: mark.target,
              outcome: mark.outcome,
            },
          }
        : {}),
      ...(isNewest
        ? {
            newestRestoreVerified: {
              name: mark.blobName,
              takenAt: mark.takenAt,
              at: mark.at,
              target: mark.target,
            },
          }
        : {}),
    },
  };
}

/** A restore run took its target (shared/restore/claim.ts). */
export function withTargetClaimed(
  current: ServiceDigest | undefined,
  service: string,
  claim: { targetResourceId: string; instanceId: string; at: string },
): ServiceDigest | undefined {
  const d = current ?? empty(service, claim.at);
  const key = targetKey(claim.targetResourceId);
  const t = d.targets[key];
  if (t?.holder?.instanceId === claim.instanceId) return undefined;
  return {
    ...d,
    updatedAt: later(claim.at, d.updatedAt) ? claim.at : d.updatedAt,
    targets: {
      ...d.targets,
      [key]: {
        resourceId: claim.targetResourceId,
        holder: { instanceId: claim.instanceId, since: claim.at },
        ...(t?.evidence === undefined ? {} : { evidence: t.evidence }),
        updatedAt: claim.at,
      },
    },
  };
}

/**
 * A restore run released its target, with its evidence (none when it was refused: the evidence of
 * the last run that ran stays). Another run's release leaves the holder alone.
 */
export function withTargetReleased(
  current: ServiceDigest | undefined,
  service: string,
  release: {
    targetResourceId: string;
    instanceId: string;
    at: string;
    evidence?: DigestEvidence | undefined;
  },
): ServiceDigest | undefined {
  const d = current ?? empty(service, release.at);
  const key = targetKey(release.targetResourceId);
  const t = d.targets[key];
  const keepHolder = t?.holder != null && t.holder.instanceId !== release.instanceId;
  const e = release.evidence;
  const newer = e !== undefined && (t?.evidence === undefined || later(e.endedAt, t.evidence.endedAt));
  if (t !== undefined && keepHolder && !newer) return undefined;
  if (t !== undefined && t.holder === null && !newer) return undefined;
  const evidence = newer ? e : t?.evidence;
  return {
    ...d,
    updatedAt: later(release.at, d.updatedAt) ? release.at : d.updatedAt,
    targets: {
      ...d.targets,
      [key]: {
        resourceId: t?.resourceId ?? release.targetResourceId,
        holder: keepHolder ? t.holder : null,
        ...(evidence === undefined ? {} : { evidence }),
        updatedAt: release.at,
      },
    },
  };
}

/** The input of the activity that records a backup run's ending (functions/activities/recordBackupDigest.ts). */
export const recordBackupDigestInput = z.strictObject({
  serviceName: z.string().min(1).max(80),
  instanceId: z.string().min(1).max(200),
  startedAt: iso,
  endedAt: iso,
  outcome: z.enum(OUTCOMES),
  error: problem.optional(),
  verified: z
    .strictObject({ name: z.string().min(1), takenAt: iso, sizeBytes: z.number().int().min(0) })
    .optional(),
});
export type RecordBackupDigestInput = z.infer<typeof recordBackupDigestInput>;

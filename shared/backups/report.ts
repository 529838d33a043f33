import { publicError, type Problem } from '../errors';
import { OUTCOMES, type Outcome } from '../outcome';
import { newestFirst, type BackupEntry } from './prune';
import {
  countsAsRestoreVerified,
  decideRestoreVerification,
  type RestoreVerificationState,
} from './restoreMark';
import { decideRpoBreach } from './rpo';
import { MAX_NAMED_PRUNE_FAILURES, type PruneReport } from './run';
import { MAX_CHANGE_DIFFERENCES, type ConfigChange } from '../apim/manifest';

/** What the catalog says about one service's backups. */
export interface CatalogSummary {
  count: number;
  verifiedCount: number;
  newestVerified: BackupEntry | undefined;
  newest: BackupEntry | undefined;
  /** The newest backup whose last restore succeeded (pruning never deletes it). Absent: none known. */
  newestRestoreVerified?: BackupEntry | undefined;
  /** The most recent restore attempt recorded on any of the service's backups, whatever its outcome. */
  lastRestoreVerification?: LastRestoreVerification | undefined;
}

/** One restore attempt recorded on a backup, as the report shows it. */
export interface LastRestoreVerification {
  blobName: string;
  /** ISO time of the restore's verification. */
  at: string;
  /** The target service name. */
  target: string;
  outcome: Outcome;
}

/** Summarises one service's backups (any order). */
export function summarizeCatalog(entries: readonly BackupEntry[]): CatalogSummary {
  let newestVerified: BackupEntry | undefined;
  let newest: BackupEntry | undefined;
  let newestRestoreVerified: BackupEntry | undefined;
  let lastRestore: BackupEntry | undefined;
  let verifiedCount = 0;
  for (const e of entries) {
    if (newest === undefined || newestFirst(e, newest) < 0) newest = e;
    if (e.verified) {
      verifiedCount++;
      if (newestVerified === undefined || newestFirst(e, newestVerified) < 0) newestVerified = e;
    }
    if (countsAsRestoreVerified(e.restore))
      if (newestRestoreVerified === undefined || newestFirst(e, newestRestoreVerified) < 0)
        newestRestoreVerified = e;
    // The latest attempt by when it ran (ties: the newer backup), not by the backup's age.
    if (e.restore !== undefined) {
      const at = e.restore.at.getTime();
      const best = lastRestore?.restore?.at.getTime();
      if (best === undefined || at > best || (at === best && newestFirst(e, lastRestore!) < 0))
        lastRestore = e;
    }
  }
  const mark = lastRestore?.restore;
  return {
    count: entries.length,
    verifiedCount,
    newestVerified,
    newest,
    newestRestoreVerified,
    lastRestoreVerification:
      lastRestore === undefined || mark === undefined
        ? undefined
        : {
            blobName: lastRestore.name,
            at: mark.at.toISOString(),
            target: mark.target,
            outcome: mark.outcome,
          },
  };
}

/** The durable status of the service's last run, as the durable client reports it. */
export interface LastRunStatus {
  runtimeStatus: string;
  createdTime?: Date | string | undefined;
  lastUpdatedTime?: Date | string | undefined;
  output?: unknown;
  customStatus?: unknown;
}

/**
 * Whether a catalog summary is behind the service's last run: the run verified a backup newer than
 * the newest verified one the summary names (its prune failed before it could write the summary).
 * The report then lists that service rather than hide a backup that exists.
 */
export function summaryBehindLastRun(
  catalog: { source?: 'summary' | 'listing'; newestVerified: BackupEntry | undefined } | undefined,
  lastRun: LastRunStatus | undefined,
): boolean {
  if (catalog?.source !== 'summary' || lastRun?.runtimeStatus !== 'Completed') return false;
  const output = lastRun.output as { outcome?: unknown; takenAt?: unknown } | null | undefined;
  if (output?.outcome !== 'succeeded' || typeof output.takenAt !== 'string') return false;
  const verifiedAt = new Date(output.takenAt).getTime();
  if (Number.isNaN(verifiedAt)) return false;
  return catalog.newestVerified === undefined || verifiedAt > catalog.newestVerified.takenAt.getTime();
}

/** One service in `GET /api/backups`. */
export interface ServiceBackupReport {
  service: string;
  resourceId: string;
  newestVerified: {
    name: string;
    takenAt: string;
    ageSeconds: number;
    sizeBytes: number;
    /** The configuration changed while it was taken (issue 22): how many differences; absent when none. */
    configChangedDuringBackup?: { differenceCount: number };
  } | null;
  count: number;
  verifiedCount: number;
  lastRun: {
    /** The run's outcome (the one vocabulary), or where it is when it has none yet. */
    outcome: 'never' | 'running' | Outcome | 'terminated' | 'other';
    runtimeStatus: string | null;
    startedAt: string | null;
    updatedAt: string | null;
    /** Why it did not succeed: code and message, free of secrets, stacks and paths. */
    error: Problem | null;
    /**
     * What the prune after its verified backup did (null when it did not prune): reported on its
     * own, since a prune problem does not change the backup's outcome. The next run tries again.
     */
    prune: PruneReport | null;
    /**
     * The configuration changed while its backup ran (issue 22): the manifests read before the
     * POST and after the backup differ by these; the backup may miss the change. Null when not.
     */
    configChangedDuringBackup: ConfigChange | null;
    progress: unknown;
  };
  rpo: { breached: boolean; limitSeconds: number };
  /** The most recent restore attempt recorded on the service's backups (any outcome), or null. */
  lastRestoreVerification: LastRestoreVerification | null;
  /**
   * Whether the newest restore-verified backup is older than the configured age (`stale`; also
   * when there is none). `{ enabled: false }`: no drill target, the restore canary is off.
   */
  restoreVerification: RestoreVerificationState;
  /**
   * Where counts came from: the summary the last prune wrote (as of `asOf`, `ageSeconds` old; its
   * newest verified backup was checked to still exist) or a listing now (age 0).
   */
  catalog: { source: 'summary' | 'listing'; asOf: string; ageSeconds: number } | null;
}

function iso(value: Date | string | undefined): string | null {
  if (value === undefined) return null;
  const d = typeof value === 'string' ? new Date(value) : value;
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function outcomeOf(runtimeStatus: string): ServiceBackupReport['lastRun']['outcome'] {
  switch (runtimeStatus) {
    case 'Running':
    case 'Pending':
    case 'ContinuedAsNew':
    case 'Suspended':
      return 'running';
    case 'Completed':
      return 'succeeded';
    case 'Failed':
      return 'failed';
    case 'Terminated':
    case 'Canceled':
      return 'terminated';
    default:
      return 'other';
  }
}

const PRUNE_OUTCOMES: readonly string[] = ['succeeded', 'partial', 'failed'];
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The prune report in a run's output, re-shaped field by field (the output is not trusted as typed). */
function pruneOf(output: unknown): PruneReport | null {
  const p = (output as { prune?: unknown } | null | undefined)?.prune as Record<string, unknown> | undefined;
  if (typeof p !== 'object' || p === null || !PRUNE_OUTCOMES.includes(text(p['outcome']))) return null;
  const failed = Array.isArray(p['failed']) ? (p['failed'] as unknown[]) : [];
  const named = failed.slice(0, MAX_NAMED_PRUNE_FAILURES).map((f) => {
    const e = (typeof f === 'object' && f !== null ? f : {}) as Record<string, unknown>;
    return { name: text(e['name']), code: text(e['code']) };
  });
  const count = (v: unknown, fallback: number) =>
    typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : fallback;
  const outcome = p['outcome'] as PruneReport['outcome'];
  return {
    outcome,
    deleted: count(p['deleted'], 0),
    failed: named,
    failedCount: count(p['failedCount'], named.length),
    ...(outcome === 'succeeded' || p['error'] === undefined ? {} : { error: publicError(p['error']) }),
  };
}

/** The configuration change in a run's output (`manifest.configChangedDuringBackup`), re-shaped field by field. */
export function configChangeOf(output: unknown): ConfigChange | null {
  const m = (output as { manifest?: unknown } | null | undefined)?.manifest as
    Record<string, unknown> | undefined;
  const c = (typeof m === 'object' && m !== null ? m['configChangedDuringBackup'] : undefined) as
    Record<string, unknown> | undefined;
  if (typeof c !== 'object' || c === null || !Array.isArray(c['differences'])) return null;
  const differences = (c['differences'] as unknown[]).filter((d): d is string => typeof d === 'string');
  const n = c['differenceCount'];
  return {
    differences: differences.slice(0, MAX_CHANGE_DIFFERENCES),
    differenceCount: typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : differences.length,
  };
}

/** Shapes one service's report from the catalog summary and the durable status of its last run. */
export function shapeServiceReport(input: {
  service: { serviceName: string; resourceId: string };
  catalog: CatalogSummary & { source?: 'summary' | 'listing'; asOf?: Date };
  lastRun: LastRunStatus | undefined;
  now: Date;
  rpoMs: number;
  /**
   * The restore canary: on for a service with a drill target; the age its newest restore-verified
   * backup may reach. Absent: off.
   */
  restoreCanary?: { enabled: boolean; maxAgeDays: number };
}): ServiceBackupReport {
  const { catalog, lastRun, now } = input;
  const newest = catalog.newestVerified;
  const rpo = decideRpoBreach({ newestVerifiedAt: newest?.takenAt, now, rpoMs: input.rpoMs });
  let outcome: ServiceBackupReport['lastRun']['outcome'] =
    lastRun === undefined ? 'never' : outcomeOf(lastRun.runtimeStatus);
  let error: Problem | null = null;
  const output = lastRun?.output as { outcome?: unknown; error?: unknown } | string | null | undefined;
  if (outcome === 'succeeded' && typeof output === 'object' && output !== null) {
    // A completed run says how it ended in its output (the one outcome vocabulary).
    if (typeof output.outcome === 'string' && (OUTCOMES as readonly string[]).includes(output.outcome))
      outcome = output.outcome as Outcome;
    if (outcome !== 'succeeded' && output.error !== undefined) error = publicError(output.error, outcome);
  } else if (outcome === 'failed') {
    // An orchestration that crashed (runtime status Failed): its output is the error text.
    error = publicError(
      typeof output === 'string' ? output : JSON.stringify(output ?? 'failed without output'),
    );
  }
  return {
    service: input.service.serviceName,
    resourceId: input.service.resourceId,
    newestVerified:
      newest === undefined
        ? null
        : {
            name: newest.name,
            takenAt: newest.takenAt.toISOString(),
            ageSeconds: Math.round((now.getTime() - newest.takenAt.getTime()) / 1000),
            sizeBytes: newest.sizeBytes,
            ...(newest.configChanges === undefined
              ? {}
              : { configChangedDuringBackup: { differenceCount: newest.configChanges } }),
          },
    count: catalog.count,
    verifiedCount: catalog.verifiedCount,
    lastRun: {
      outcome,
      runtimeStatus: lastRun?.runtimeStatus ?? null,
      startedAt: iso(lastRun?.createdTime),
      updatedAt: iso(lastRun?.lastUpdatedTime),
      error,
      prune: outcome === 'succeeded' ? pruneOf(output) : null,
      configChangedDuringBackup: outcome === 'succeeded' ? configChangeOf(output) : null,
      progress: lastRun?.customStatus ?? null,
    },
    rpo: { breached: rpo.breached, limitSeconds: Math.round(input.rpoMs / 1000) },
    lastRestoreVerification: catalog.lastRestoreVerification ?? null,
    restoreVerification: decideRestoreVerification({
      enabled: input.restoreCanary?.enabled ?? false,
      newestRestoreVerifiedTakenAt: catalog.newestRestoreVerified?.takenAt,
      now,
      maxAgeDays: input.restoreCanary?.maxAgeDays ?? 0,
    }),
    catalog:
      catalog.source === undefined || catalog.asOf === undefined
        ? null
        : {
            source: catalog.source,
            asOf: catalog.asOf.toISOString(),
            ageSeconds: Math.max(0, Math.round((now.getTime() - catalog.asOf.getTime()) / 1000)),
          },
  };
}

import { redact } from '../config/redact';
import { newestFirst, type BackupEntry } from './prune';
import { decideRpoBreach } from './rpo';

/** What the catalog says about one service's backups. */
export interface CatalogSummary {
  count: number;
  verifiedCount: number;
  newestVerified: BackupEntry | undefined;
  newest: BackupEntry | undefined;
}

/** Summarises one service's backups (any order). */
export function summarizeCatalog(entries: readonly BackupEntry[]): CatalogSummary {
  let newestVerified: BackupEntry | undefined;
  let newest: BackupEntry | undefined;
  let verifiedCount = 0;
  for (const e of entries) {
    if (newest === undefined || newestFirst(e, newest) < 0) newest = e;
    if (e.verified) {
      verifiedCount++;
      if (newestVerified === undefined || newestFirst(e, newestVerified) < 0) newestVerified = e;
    }
  }
  return { count: entries.length, verifiedCount, newestVerified, newest };
}

/** The durable status of the service's last run, as the durable client reports it. */
export interface LastRunStatus {
  runtimeStatus: string;
  createdTime?: Date | string | undefined;
  lastUpdatedTime?: Date | string | undefined;
  output?: unknown;
  customStatus?: unknown;
}

/** One service in `GET /api/backups`. */
export interface ServiceBackupReport {
  service: string;
  resourceId: string;
  newestVerified: { name: string; takenAt: string; ageSeconds: number; sizeBytes: number } | null;
  count: number;
  verifiedCount: number;
  lastRun: {
    outcome: 'never' | 'running' | 'succeeded' | 'failed' | 'terminated' | 'other';
    runtimeStatus: string | null;
    startedAt: string | null;
    updatedAt: string | null;
    /** The failure, free of secrets. */
    error: string | null;
    progress: unknown;
  };
  rpo: { breached: boolean; limitSeconds: number };
  /** Where counts came from: the summary the last prune wrote (as of `asOf`) or a listing now. */
  catalog: { source: 'summary' | 'listing'; asOf: string } | null;
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

/** Shapes one service's report from the catalog summary and the durable status of its last run. */
export function shapeServiceReport(input: {
  service: { serviceName: string; resourceId: string };
  catalog: CatalogSummary & { source?: 'summary' | 'listing'; asOf?: Date };
  lastRun: LastRunStatus | undefined;
  now: Date;
  rpoMs: number;
}): ServiceBackupReport {
  const { catalog, lastRun, now } = input;
  const newest = catalog.newestVerified;
  const rpo = decideRpoBreach({ newestVerifiedAt: newest?.takenAt, now, rpoMs: input.rpoMs });
  let error: string | null = null;
  if (lastRun !== undefined && outcomeOf(lastRun.runtimeStatus) === 'failed') {
    const text =
      typeof lastRun.output === 'string'
        ? lastRun.output
        : JSON.stringify(lastRun.output ?? 'failed without output');
    error = redact(text);
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
          },
    count: catalog.count,
    verifiedCount: catalog.verifiedCount,
    lastRun: {
      outcome: lastRun === undefined ? 'never' : outcomeOf(lastRun.runtimeStatus),
      runtimeStatus: lastRun?.runtimeStatus ?? null,
      startedAt: iso(lastRun?.createdTime),
      updatedAt: iso(lastRun?.lastUpdatedTime),
      error,
      progress: lastRun?.customStatus ?? null,
    },
    rpo: { breached: rpo.breached, limitSeconds: Math.round(input.rpoMs / 1000) },
    catalog:
      catalog.source === undefined || catalog.asOf === undefined
        ? null
        : { source: catalog.source, asOf: catalog.asOf.toISOString() },
  };
}

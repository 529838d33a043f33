import type { CatalogFacts } from '../digest/service';
import { decidePrune, reportPrune, type PrunePolicy } from './prune';
import { summarizeCatalog, type CatalogSummary } from './report';
import type { PruneReport } from './run';
import type { BackupStore, StoredCatalogSummary } from './store';

/** What a prune of one service did: its report, plus counts for the log and the bench. */
export interface PruneOutcome extends PruneReport {
  listed: number;
  alreadyGone: number;
  kept: number;
  requests: number;
}

/**
 * Lists one service's backups, decides with {@link decidePrune}, deletes in batches and writes the
 * catalog summary of what remains. A blob that cannot be deleted (a lease, a legal hold) is kept,
 * counted in the summary and reported, never fatal: the summary always reflects the listing, so
 * the report shows the backup just verified. Call only after a verified backup (a failed run
 * prunes nothing).
 */
export async function pruneService(
  store: BackupStore,
  serviceName: string,
  policy: PrunePolicy,
): Promise<PruneOutcome> {
  const listed = await store.list(serviceName);
  const decision = decidePrune(listed, policy);
  const names = decision.delete.map((b) => b.name);
  const res =
    names.length === 0 ? { deleted: 0, alreadyGone: 0, requests: 0 } : await store.deleteBatched(names);
  const failed = res.failed ?? [];
  const notDeleted = new Set(failed.map((f) => f.name));
  const remaining = [
    ...decision.keep.map((k) => k.entry),
    ...decision.delete.filter((e) => notDeleted.has(e.name)),
  ];
  // The listing is in hand: record what remains, so the report need not list thousands of blobs.
  await store.writeSummary(serviceName, toStored(summarizeCatalog(remaining), policy.now));
  return {
    ...reportPrune({ attempted: names.length, deleted: res.deleted, failed }),
    listed: listed.length,
    alreadyGone: res.alreadyGone,
    kept: decision.keep.length,
    requests: res.requests + 1,
  };
}

/** A catalog summary and where it came from. */
export interface CatalogRead extends CatalogSummary {
  /** `summary`: the blob written by the last prune (as of `asOf`); `listing`: listed now. */
  source: 'summary' | 'listing';
  asOf: Date;
}

function toStored(summary: CatalogSummary, asOf: Date): StoredCatalogSummary {
  const v = summary.newestVerified;
  const r = summary.newestRestoreVerified;
  return {
    asOf: asOf.toISOString(),
    count: summary.count,
    verifiedCount: summary.verifiedCount,
    newestVerified:
      v === undefined
        ? null
        : {
            name: v.name,
            takenAt: v.takenAt.toISOString(),
            sizeBytes: v.sizeBytes,
            ...(v.configChanges === undefined ? {} : { configChanges: v.configChanges }),
          },
    newestRestoreVerified:
      r?.restore === undefined
        ? null
        : {
            name: r.name,
            takenAt: r.takenAt.toISOString(),
            verified: r.verified,
            sizeBytes: r.sizeBytes,
            at: r.restore.at.toISOString(),
            target: r.restore.target,
          },
    lastRestoreVerification: summary.lastRestoreVerification ?? null,
  };
}

function fromStored(stored: StoredCatalogSummary): CatalogRead {
  const v = stored.newestVerified;
  const newestVerified =
    v === null
      ? undefined
      : {
          name: v.name,
          takenAt: new Date(v.takenAt),
          verified: true,
          sizeBytes: v.sizeBytes,
          ...(v.configChanges === undefined ? {} : { configChanges: v.configChanges }),
        };
  const r = stored.newestRestoreVerified ?? null;
  const newestRestoreVerified =
    r === null
      ? undefined
      : {
          name: r.name,
          takenAt: new Date(r.takenAt),
          verified: r.verified,
          sizeBytes: r.sizeBytes,
          restore: { at: new Date(r.at), target: r.target, outcome: 'succeeded' as const },
        };
  return {
    count: stored.count,
    verifiedCount: stored.verifiedCount,
    newestVerified,
    newest: undefined,
    newestRestoreVerified,
    lastRestoreVerification: stored.lastRestoreVerification ?? undefined,
    source: 'summary',
    asOf: new Date(stored.asOf),
  };
}

/**
 * Reads the catalog of several services in parallel: the summary blob each prune writes (one small
 * read per service, fast with any number of backups), or a paged listing when there is no summary
 * or `fresh` is asked for. A summary can lag behind blobs changed outside Lifeboat's runs, so it is
 * never trusted about the one thing the RPO rests on: the newest verified backup it names is
 * checked with one HEAD (per service, in parallel), and when it is gone (or no longer verified)
 * that service is listed instead. Other counts may lag until the next prune; `asOf` says by how much.
 */
export async function readCatalog(
  store: BackupStore,
  serviceNames: readonly string[],
  options: { fresh?: boolean; now: Date },
): Promise<Map<string, CatalogRead>> {
  const listing = async (name: string): Promise<CatalogRead> => ({
    ...summarizeCatalog(await store.list(name)),
    source: 'listing',
    asOf: options.now,
  });
  const entries = await Promise.all(
    serviceNames.map(async (name) => {
      const stored = options.fresh === true ? undefined : await store.readSummary(name);
      if (stored === undefined) return [name, await listing(name)] as const;
      const read = fromStored(stored);
      const newest = read.newestVerified;
      if (newest !== undefined && !stillThere(await store.head(newest.name))) {
        return [name, await listing(name)] as const;
      }
      return [name, read] as const;
    }),
  );
  return new Map(entries);
}

/**
 * What a catalog read from a listing tells the status digest (shared/digest/service.ts
 * `withCatalog`): the same facts a prune records. `GET /api/backups?fresh=true` uses it to write
 * the digest again when it was lost.
 */
export function catalogFacts(read: CatalogRead): CatalogFacts {
  const v = read.newestVerified;
  const r = read.newestRestoreVerified;
  return {
    asOf: read.asOf.toISOString(),
    count: read.count,
    verifiedCount: read.verifiedCount,
    newestVerified:
      v === undefined ? null : { name: v.name, takenAt: v.takenAt.toISOString(), sizeBytes: v.sizeBytes },
    newestRestoreVerified:
      r?.restore === undefined
        ? null
        : {
            name: r.name,
            takenAt: r.takenAt.toISOString(),
            at: r.restore.at.toISOString(),
            target: r.restore.target,
          },
    lastRestoreVerification: read.lastRestoreVerification ?? null,
  };
}

function stillThere(head: { sizeBytes: number; verified: boolean } | undefined): boolean {
  return head !== undefined && head.verified && head.sizeBytes > 0;
}

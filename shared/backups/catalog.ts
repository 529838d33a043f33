import { decidePrune, type PrunePolicy } from './prune';
import { summarizeCatalog, type CatalogSummary } from './report';
import type { BackupStore } from './store';

/** What a prune of one service did. */
export interface PruneOutcome {
  listed: number;
  deleted: number;
  alreadyGone: number;
  kept: number;
  requests: number;
}

/**
 * Lists one service's backups, decides with {@link decidePrune} and deletes in batches. Call only
 * after a verified backup (a failed run prunes nothing).
 */
export async function pruneService(store: BackupStore, serviceName: string, policy: PrunePolicy): Promise<PruneOutcome> {
  const listed = await store.list(serviceName);
  const decision = decidePrune(listed, policy);
  const names = decision.delete.map((b) => b.name);
  const res = names.length === 0 ? { deleted: 0, alreadyGone: 0, requests: 0 } : await store.deleteBatched(names);
  return { listed: listed.length, deleted: res.deleted, alreadyGone: res.alreadyGone, kept: decision.keep.length, requests: res.requests };
}

/** Reads the catalog summary of several services in parallel (one paged listing each). */
export async function readCatalog(store: BackupStore, serviceNames: readonly string[]): Promise<Map<string, CatalogSummary>> {
  const entries = await Promise.all(serviceNames.map(async (name) => [name, summarizeCatalog(await store.list(name))] as const));
  return new Map(entries);
}

import type { InvocationContext } from '@azure/functions';
import type { BackupStore, StoredCatalogSummary } from '../../shared/backups/store';
import { activity } from '../kit';
import { backup } from '../names/backup';

/** Records the catalog summary the prune just wrote in the service's status digest (logged, never fatal). */
async function recordCatalog(
  store: BackupStore,
  serviceName: string,
  context: InvocationContext,
): Promise<void> {
  const { withCatalog } = await import('../../shared/digest/service');
  const { recordInDigest } = await import('../../shared/digest/store');
  const { errorMessage } = await import('../../shared/errors');
  let summary: StoredCatalogSummary | undefined;
  try {
    summary = await store.readSummary(serviceName);
  } catch (error) {
    context.warn(
      `${serviceName}: the catalog summary could not be read back for the status digest: ${errorMessage(error)}`,
    );
    return;
  }
  // None: a restore mark dropped it since (the mark records itself in the digest).
  if (summary === undefined) return;
  const s = summary;
  const r = s.newestRestoreVerified;
  await recordInDigest(context, serviceName, (d) =>
    withCatalog(d, serviceName, {
      asOf: s.asOf,
      count: s.count,
      verifiedCount: s.verifiedCount,
      newestVerified: s.newestVerified,
      newestRestoreVerified:
        r == null ? null : { name: r.name, takenAt: r.takenAt, at: r.at, target: r.target },
      lastRestoreVerification: s.lastRestoreVerification ?? null,
    }),
  );
}

/**
 * Deletes one service's backups the retention rule lets go (called only after a verified backup)
 * and writes the catalog summary. Blobs that cannot be deleted come back in the report, not as an
 * error; it fails only when the listing or the summary write does. Then the manifests of backups
 * that are gone (`_manifests/<blob>.json`) go too; a manifest that cannot be deleted now is logged
 * and tried again by the next prune, never failing this one.
 */
activity(backup.pruneBackups, {
  input: async () => (await import('../../shared/backups/contracts')).pruneBackupsInput,
  handler: async ({ serviceName, now }, context) => {
    const { restoreDeps } = await import('../../shared/restore/deps');
    const { pruneService } = await import('../../shared/backups/catalog');
    const { pruneManifests } = await import('../../shared/restore/manifestStore');
    const { errorMessage } = await import('../../shared/errors');
    const deps = await restoreDeps();
    const { retentionDays, keepNewest } = deps.config.backup;
    const outcome = await pruneService(deps.store, serviceName, {
      now: new Date(now),
      retentionDays,
      keepNewest,
    });
    try {
      const left = (await deps.store.list(serviceName)).map((b) => b.name);
      const manifests = await pruneManifests(deps.container, serviceName, left);
      if (manifests.deleted.length > 0 || manifests.failed.length > 0)
        context.log(
          `${serviceName}: ${manifests.deleted.length} manifest(s) of pruned backups deleted` +
            (manifests.failed.length === 0 ? '' : `, ${manifests.failed.length} left for the next prune`),
        );
    } catch (error) {
      context.log(`${serviceName}: manifests of pruned backups not deleted: ${errorMessage(error)}`);
    }
    await recordCatalog(deps.store, serviceName, context);
    return outcome;
  },
});

import { activity } from '../kit';
import { backup } from '../names/backup';

/**
 * Deletes one service's backups the retention rule lets go (called only after a verified backup)
 * and writes the catalog summary. Blobs that cannot be deleted come back in the report, not as an
 * error; it fails only when the listing or the summary write does.
 */
activity(backup.pruneBackups, {
  input: async () => (await import('../../shared/backups/contracts')).pruneBackupsInput,
  handler: async ({ serviceName, now }) => {
    const { backupDeps } = await import('../../shared/backups/deps');
    const { pruneService } = await import('../../shared/backups/catalog');
    const deps = await backupDeps();
    const { retentionDays, keepNewest } = deps.config.backup;
    return pruneService(deps.store, serviceName, { now: new Date(now), retentionDays, keepNewest });
  },
});

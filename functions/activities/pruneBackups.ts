import { activity } from '../kit';
import { backup } from '../names/backup';

/** Deletes one service's backups the retention rule lets go (called only after a verified backup). */
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

import { activity } from '../kit';
import { backup } from '../names/backup';

/** Reads the service and decides whether it can be backed up now (tier, workspaces, transitions). */
activity(backup.preflightBackup, {
  input: async () => (await import('../../shared/backups/contracts')).preflightBackupInput,
  handler: async ({ resourceId }) => {
    const { backupDeps, findService } = await import('../../shared/backups/deps');
    const { decidePreflight } = await import('../../shared/backups/preflight');
    const { NonRetryableError } = await import('../../shared/errors');
    const deps = await backupDeps();
    const service = findService(deps.config, resourceId);
    if (service === undefined)
      throw new NonRetryableError(`${resourceId} is not a configured service`, { code: 'UnknownService' });
    const info = await (await deps.apim()).getService(service);
    return { decision: decidePreflight(info), location: info.location, tier: info.sku.name };
  },
});

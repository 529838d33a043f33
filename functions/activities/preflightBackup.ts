import { activity } from '../kit';
import { backup } from '../names/backup';

/**
 * Reads the service and decides whether it can be backed up now (tier, workspaces, transitions).
 * The run's first step: it records in the service's status digest that a backup runs (a failure
 * to record is logged, never fatal; a repeated preflight records the same start once).
 */
activity(backup.preflightBackup, {
  input: async () => (await import('../../shared/backups/contracts')).preflightBackupInput,
  handler: async ({ resourceId, run }, context) => {
    const { backupDeps, findService } = await import('../../shared/backups/deps');
    const { decidePreflight } = await import('../../shared/backups/preflight');
    const { NonRetryableError } = await import('../../shared/errors');
    const deps = await backupDeps();
    const service = findService(deps.config, resourceId);
    if (service === undefined)
      throw new NonRetryableError(`${resourceId} is not a configured service`, { code: 'UnknownService' });
    if (run !== undefined) {
      const { withRunStarted } = await import('../../shared/digest/service');
      const { recordInDigest } = await import('../../shared/digest/store');
      const name = service.serviceName;
      await recordInDigest(context, name, (d) =>
        withRunStarted(d, name, { instanceId: run.instanceId, at: run.startedAt }),
      );
    }
    const info = await (await deps.apim()).getService(service);
    return { decision: decidePreflight(info), location: info.location, tier: info.sku.name };
  },
});

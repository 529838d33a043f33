import { activity } from '../kit';
import { backup } from '../names/backup';

/**
 * Sends the backup POST and returns at once with the poll token. The access key (AccessKey mode
 * only) is read here from configuration and never leaves this activity.
 */
activity(backup.beginApimBackup, {
  input: async () => (await import('../../shared/backups/contracts')).beginApimBackupInput,
  handler: async ({ resourceId, blobName }) => {
    const { backupDeps, findService } = await import('../../shared/backups/deps');
    const { NonRetryableError } = await import('../../shared/errors');
    const deps = await backupDeps();
    const service = findService(deps.config, resourceId);
    if (service === undefined)
      throw new NonRetryableError(`${resourceId} is not a configured service`, { code: 'UnknownService' });
    const b = deps.config.backup;
    const poll = await (
      await deps.apim()
    ).beginBackup(service, {
      storageAccount: deps.storageAccount,
      containerName: b.container,
      backupName: blobName,
      accessType: b.accessType,
      ...(b.accessType === 'AccessKey' && b.accessKey !== undefined ? { accessKey: b.accessKey } : {}),
      ...(b.accessType === 'UserAssignedManagedIdentity' && b.identityClientId !== undefined
        ? { clientId: b.identityClientId }
        : {}),
    });
    return poll.status === 'running'
      ? { status: 'running' as const, token: poll.token, retryAfterMs: poll.retryAfterMs ?? null }
      : { status: 'succeeded' as const };
  },
});

import { activity } from '../kit';
import { backup } from '../names/backup';

/**
 * Sends the backup POST, at most once per blob, and returns at once with the poll token. A begin
 * delivered again (at-least-once delivery, a retry after a lost response) finds the accepted
 * operation recorded and returns its token instead of POSTing; earlier runs' backups that completed
 * after their run ended are verified first (shared/backups/begin.ts). The access key (AccessKey
 * mode only) is read here from configuration and never leaves this activity.
 */
activity(backup.beginApimBackup, {
  input: async () => (await import('../../shared/backups/contracts')).beginApimBackupInput,
  handler: async ({ resourceId, blobName, region, tier }, context) => {
    const { backupDeps, findService } = await import('../../shared/backups/deps');
    const { beginBackupOnce } = await import('../../shared/backups/begin');
    const { NonRetryableError } = await import('../../shared/errors');
    const deps = await backupDeps();
    const service = findService(deps.config, resourceId);
    if (service === undefined)
      throw new NonRetryableError(`${resourceId} is not a configured service`, { code: 'UnknownService' });
    const b = deps.config.backup;
    const begun = await beginBackupOnce(
      {
        apim: await deps.apim(),
        operations: deps.operations,
        store: deps.store,
        retentionDays: b.retentionDays,
        log: (message) => context.log(message),
      },
      {
        service,
        serviceName: service.serviceName,
        blobName,
        request: {
          storageAccount: deps.storageAccount,
          containerName: b.container,
          backupName: blobName,
          accessType: b.accessType,
          ...(b.accessType === 'AccessKey' && b.accessKey !== undefined ? { accessKey: b.accessKey } : {}),
          ...(b.accessType === 'UserAssignedManagedIdentity' && b.identityClientId !== undefined
            ? { clientId: b.identityClientId }
            : {}),
        },
        ...(region === undefined || tier === undefined ? {} : { verifyAs: { region, tier } }),
      },
    );
    return begun.status === 'running'
      ? { status: 'running' as const, token: begun.token, retryAfterMs: begun.retryAfterMs ?? null }
      : { status: 'succeeded' as const };
  },
});

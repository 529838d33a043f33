import * as df from 'durable-functions';
import type { BackupRestoreRequest } from '../../shared/apim/port';
import {
  beginApimBackupInput,
  parseActivityInput,
  type ApimBackupPoll,
} from '../../shared/backups/contracts';
import { backupDeps, findService } from '../../shared/backups/deps';
import { toActivityError } from '../../shared/backups/retry';
import { redact } from '../../shared/config/redact';
import { NonRetryableError } from '../../shared/errors';
import { backupFunctions } from '../names/backup';

/**
 * Sends the backup POST and returns at once with the poll token. The access key (AccessKey mode
 * only) is read here from configuration and never leaves this activity.
 */
export async function beginApimBackup(input: unknown): Promise<ApimBackupPoll> {
  try {
    const { resourceId, blobName } = parseActivityInput(
      beginApimBackupInput,
      input,
      backupFunctions.beginApimBackup,
    );
    const deps = backupDeps();
    const service = findService(deps.config, resourceId);
    if (service === undefined)
      throw new NonRetryableError(`${resourceId} is not a configured service`, { code: 'UnknownService' });
    const b = deps.config.backup;
    const request: BackupRestoreRequest = {
      storageAccount: deps.storageAccount,
      containerName: b.container,
      backupName: blobName,
      accessType: b.accessType,
      ...(b.accessType === 'AccessKey' && b.accessKey !== undefined ? { accessKey: b.accessKey } : {}),
      ...(b.accessType === 'UserAssignedManagedIdentity' && b.identityClientId !== undefined
        ? { clientId: b.identityClientId }
        : {}),
    };
    const poll = await deps.apim.beginBackup(service, request);
    return poll.status === 'running'
      ? { status: 'running', token: poll.token, retryAfterMs: poll.retryAfterMs ?? null }
      : { status: 'succeeded' };
  } catch (error) {
    throw toActivityError(error, redact);
  }
}

df.app.activity(backupFunctions.beginApimBackup, { handler: beginApimBackup });

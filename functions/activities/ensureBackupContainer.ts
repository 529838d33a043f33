import * as df from 'durable-functions';
import { backupDeps } from '../../shared/backups/deps';
import { toActivityError } from '../../shared/backups/retry';
import { redact } from '../../shared/config/redact';
import { backupFunctions } from '../names/backup';

/** Creates the private backup container when it is missing. Idempotent. */
export async function ensureBackupContainer(): Promise<{ created: boolean }> {
  try {
    return await backupDeps().store.ensureContainer();
  } catch (error) {
    throw toActivityError(error, redact);
  }
}

df.app.activity(backupFunctions.ensureBackupContainer, { handler: ensureBackupContainer });

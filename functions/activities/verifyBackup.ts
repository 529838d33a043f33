import * as df from 'durable-functions';
import {
  parseActivityInput,
  verifyBackupInput,
  type VerifyBackupOutput,
} from '../../shared/backups/contracts';
import { backupDeps } from '../../shared/backups/deps';
import { toActivityError } from '../../shared/backups/retry';
import { redact } from '../../shared/config/redact';
import { backupFunctions } from '../names/backup';

/** Checks the backup blob exists and is not empty, and records `verified=true` with service, region, tier and time. */
export async function verifyBackup(input: unknown): Promise<VerifyBackupOutput> {
  try {
    const v = parseActivityInput(verifyBackupInput, input, backupFunctions.verifyBackup);
    return await backupDeps().store.verify(v.blobName, {
      service: v.serviceName,
      region: v.region,
      tier: v.tier,
      takenAt: v.takenAt,
    });
  } catch (error) {
    throw toActivityError(error, redact);
  }
}

df.app.activity(backupFunctions.verifyBackup, { handler: verifyBackup });

import * as df from 'durable-functions';
import { pruneService, type PruneOutcome } from '../../shared/backups/catalog';
import { parseActivityInput, pruneBackupsInput } from '../../shared/backups/contracts';
import { backupDeps } from '../../shared/backups/deps';
import { toActivityError } from '../../shared/backups/retry';
import { redact } from '../../shared/config/redact';
import { backupFunctions } from '../names/backup';

/** Deletes one service's backups the retention rule lets go (called only after a verified backup). */
export async function pruneBackups(input: unknown): Promise<PruneOutcome> {
  try {
    const { serviceName, now } = parseActivityInput(pruneBackupsInput, input, backupFunctions.pruneBackups);
    const deps = backupDeps();
    const { retentionDays, keepNewest } = deps.config.backup;
    return await pruneService(deps.store, serviceName, { now: new Date(now), retentionDays, keepNewest });
  } catch (error) {
    throw toActivityError(error, redact);
  }
}

df.app.activity(backupFunctions.pruneBackups, { handler: pruneBackups });

import * as df from 'durable-functions';
import {
  preflightBackupInput,
  parseActivityInput,
  type PreflightBackupOutput,
} from '../../shared/backups/contracts';
import { backupDeps, findService } from '../../shared/backups/deps';
import { decidePreflight } from '../../shared/backups/preflight';
import { toActivityError } from '../../shared/backups/retry';
import { redact } from '../../shared/config/redact';
import { NonRetryableError } from '../../shared/errors';
import { backupFunctions } from '../names/backup';

/** Reads the service and decides whether it can be backed up now (tier, workspaces, transitions). */
export async function preflightBackup(input: unknown): Promise<PreflightBackupOutput> {
  try {
    const { resourceId } = parseActivityInput(preflightBackupInput, input, backupFunctions.preflightBackup);
    const deps = backupDeps();
    const service = findService(deps.config, resourceId);
    if (service === undefined)
      throw new NonRetryableError(`${resourceId} is not a configured service`, { code: 'UnknownService' });
    const info = await deps.apim.getService(service);
    return { decision: decidePreflight(info), location: info.location, tier: info.sku.name };
  } catch (error) {
    throw toActivityError(error, redact);
  }
}

df.app.activity(backupFunctions.preflightBackup, { handler: preflightBackup });

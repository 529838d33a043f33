import { app, type InvocationContext, type Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { buildRunInput } from '../../shared/backups/run';
import { startBackupRuns } from '../../shared/backups/start';
import { getConfig } from '../../shared/config';
import { redact } from '../../shared/config/redact';
import { TransientError } from '../../shared/errors';
import { backupFunctions } from '../names/backup';

/**
 * Starts one backup run per configured service on the schedule. A service whose previous run is
 * still going is skipped and logged, not stacked (singleton instance id per service).
 *
 * The schedule is the app setting LIFEBOAT_BACKUP_SCHEDULE, resolved by the host through
 * `%LIFEBOAT_BACKUP_SCHEDULE%`: the host resolves binding options before any code runs, so the
 * setting MUST exist in the app settings (infra sets it to the default `0 0 *\/6 * * *`); the
 * config schema's default applies only to the RPO calculation when it is absent.
 */
export async function scheduledBackup(_timer: Timer, context: InvocationContext): Promise<void> {
  const config = getConfig();
  const client = df.getClient(context);
  const outcomes = await startBackupRuns(
    client,
    backupFunctions.backupOrchestration,
    config.backup.services,
    (s) => buildRunInput(s, config.backup),
  );
  for (const o of outcomes) {
    const line = JSON.stringify({
      event: 'lifeboat.backup.trigger',
      trigger: 'timer',
      ...o,
      ...('error' in o ? { error: redact(o.error) } : {}),
    });
    if ('error' in o) context.error(line);
    else if (o.started) context.log(line);
    else context.warn(line);
  }
  const failed = outcomes.filter((o) => 'error' in o);
  // Fail the invocation visibly; the next schedule tries again.
  if (failed.length > 0)
    throw new TransientError(`could not start backups for ${failed.map((o) => o.service).join(', ')}`, {
      code: 'StartFailed',
    });
}

app.timer(backupFunctions.scheduledBackup, {
  schedule: '%LIFEBOAT_BACKUP_SCHEDULE%',
  extraInputs: [df.input.durableClient()],
  handler: scheduledBackup,
});

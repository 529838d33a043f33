import * as df from 'durable-functions';
import { timer } from '../kit';
import { backup } from '../names/backup';

/**
 * Starts one backup run per configured service on the schedule. A service whose previous run is
 * still going is skipped and logged, not stacked (singleton instance id per service).
 *
 * The schedule is the app setting LIFEBOAT_BACKUP_SCHEDULE, resolved by the host through
 * `%LIFEBOAT_BACKUP_SCHEDULE%`: the host resolves binding options before any code runs, so the
 * setting MUST exist in the app settings (infra sets it to the default `0 0 *\/6 * * *`); the
 * config schema's default applies only to the RPO calculation when it is absent.
 */
timer(backup.scheduledBackup, {
  schedule: '%LIFEBOAT_BACKUP_SCHEDULE%',
  extraInputs: [df.input.durableClient()],
  handler: async (_timer, context) => {
    const { getConfig } = await import('../../shared/config');
    const { startBackupRuns } = await import('../../shared/backups/start');
    const { buildRunInput } = await import('../../shared/backups/run');
    const { redact } = await import('../../shared/config/redact');
    const { TransientError } = await import('../../shared/errors');
    const { activeBackupServices } = await import('../../shared/standby/deps');
    const config = getConfig();
    // The side carrying production: the standby (under its own name) once a failover moved it.
    const services = await activeBackupServices(config.backup.services);
    const outcomes = await startBackupRuns(
      df.getClient(context),
      backup.backupOrchestration.name,
      services,
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
  },
});

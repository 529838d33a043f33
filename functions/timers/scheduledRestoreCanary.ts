import * as df from 'durable-functions';
import { timer } from '../kit';
import { restore } from '../names/restore';

/**
 * Starts the restore canary (`restoreCanary`, singleton instance `restore-canary`: a running one
 * is skipped and logged, not stacked) with the configured services that have a drill target.
 *
 * The schedule is the app setting LIFEBOAT_RESTORE_CANARY_SCHEDULE, resolved by the host through
 * `%LIFEBOAT_RESTORE_CANARY_SCHEDULE%` before any code runs: the setting MUST exist in the app
 * settings (infra sets it to the default `0 0 3 * * 0`, Sundays 03:00).
 */
timer(restore.scheduledRestoreCanary, {
  schedule: '%LIFEBOAT_RESTORE_CANARY_SCHEDULE%',
  extraInputs: [df.input.durableClient()],
  handler: async (_timer, context) => {
    const { getConfig } = await import('../../shared/config');
    const { buildCanaryInput, startCanary } = await import('../../shared/restore/canary');
    const config = getConfig();
    const input = buildCanaryInput(config.backup.services, config.restore);
    const started = await startCanary(df.getClient(context), restore.restoreCanary.name, input);
    const line = JSON.stringify({
      event: 'lifeboat.restore.canary.trigger',
      trigger: 'timer',
      ...started,
      services: input.restores.map((r) => r.serviceName),
      skipped: input.skipped.map((s) => s.serviceName),
    });
    if (started.started) context.log(line);
    else context.warn(line);
  },
});

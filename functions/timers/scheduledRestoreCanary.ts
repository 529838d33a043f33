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
    const { standbyStore } = await import('../../shared/standby/deps');
    const { canaryView } = await import('../../shared/standby/decide');
    const { activeSideOf } = await import('../../shared/standby/record');
    const config = getConfig();
    // The canary follows the active side (issue 23): a failed-over service's standby backups.
    const store = await standbyStore();
    const services = await Promise.all(
      config.backup.services.map(async (s) => canaryView(s, activeSideOf(await store.read(s.serviceName)))),
    );
    const input = buildCanaryInput(services, config.restore);
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

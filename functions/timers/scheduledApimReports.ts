import * as df from 'durable-functions';
import { timer } from '../kit';
import { usage } from '../names/usage';

/**
 * Starts the export of the protected services' APIM usage reports (`apimUsageExport`, singleton
 * instance `apim-usage-export`: a running one is skipped and logged, not stacked). Usage analytics
 * are not in backups (docs/reference/apim-backup-restore.md), and the procedure says to export them
 * regularly.
 *
 * The schedule is the app setting LIFEBOAT_APIM_REPORTS_SCHEDULE, resolved by the host through
 * `%LIFEBOAT_APIM_REPORTS_SCHEDULE%` before any code runs: the setting MUST exist in the app
 * settings (infra sets it to the default `0 30 0 * * *`, daily 00:30).
 */
timer(usage.scheduledApimReports, {
  schedule: '%LIFEBOAT_APIM_REPORTS_SCHEDULE%',
  extraInputs: [df.input.durableClient()],
  handler: async (_timer, context) => {
    const { getConfig } = await import('../../shared/config');
    const { startOnce } = await import('../../shared/durable/start');
    const { buildUsageExportInput, USAGE_EXPORT_INSTANCE_ID } =
      await import('../../shared/backups/usageExport');
    const config = getConfig();
    const input = buildUsageExportInput(config.backup.services, config.backup);
    const started = await startOnce(
      df.getClient(context),
      usage.apimUsageExport.name,
      USAGE_EXPORT_INSTANCE_ID,
      input,
    );
    if ('failed' in started) throw started.error;
    const line = JSON.stringify({
      event: 'lifeboat.usage.export.trigger',
      trigger: 'timer',
      instanceId: started.instanceId,
      started: started.started,
      services: input.services,
      ...(started.started ? {} : { runtimeStatus: started.runtimeStatus }),
    });
    if (started.started) context.log(line);
    else context.warn(line);
  },
});

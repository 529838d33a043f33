import { activity } from '../kit';
import { usage } from '../names/usage';

/**
 * Exports one protected service's usage reports (by API, by operation, by time) for the period
 * since its previous export as JSON lines into the backup container, records it as the newest
 * export and prunes older ones (shared/backups/usageExport.ts).
 */
activity(usage.exportApimReports, {
  input: async () => (await import('../../shared/backups/usageExport')).exportApimReportsInput,
  handler: async ({ serviceName, now }) => {
    const { restoreDeps } = await import('../../shared/restore/deps');
    const { configuredService } = await import('../../shared/restore/steps');
    const { exportServiceUsage } = await import('../../shared/backups/usageExport');
    const { scheduleIntervalMs } = await import('../../shared/schedule/timer');
    const deps = await restoreDeps();
    const b = deps.config.backup;
    const at = new Date(now);
    return exportServiceUsage(
      { apim: await deps.apim(), container: deps.container, store: deps.store },
      configuredService(deps.config, serviceName),
      {
        now: at,
        intervalMs: scheduleIntervalMs(b.reportsSchedule, at, b.timeZone),
        retentionDays: b.retentionDays,
        keepNewest: b.keepNewest,
      },
    );
  },
});

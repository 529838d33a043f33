import { publicError } from '../../shared/errors';
import type { UsageExportResult } from '../../shared/backups/usageExport';
import { callRetrying, finish, lazy, orchestration, progress } from '../kit';
import { usage as names } from '../names/usage';

/**
 * Exports each protected service's APIM usage reports, one service at a time (issue 22, item 14):
 * `exportApimReports` with the run's time as the period's end, retried on its small budget. A
 * service whose export fails is reported and the others go on; its period is covered by the next
 * export. Started by `scheduledApimReports` as `apim-usage-export`.
 */

const usageExport = lazy(() => import('../../shared/backups/usageExport'));

const EVENT = 'lifeboat.usage.export';

orchestration(names.apimUsageExport, {
  uses: [usageExport],
  input: () => usageExport.get().usageExportRunInputSchema,
  event: EVENT,
  ended: (ending) => ({ ...ending, services: [] }),
  *run(context, input) {
    const results: UsageExportResult[] = [];
    for (const serviceName of input.services) {
      progress(context, { phase: 'exporting', service: serviceName, done: results.length });
      const now = context.df.currentUtcDateTime.toISOString();
      try {
        results.push(
          yield* callRetrying(context, { budget: { ...input.retry, used: 0 } }, names.exportApimReports, {
            serviceName,
            now,
          }),
        );
      } catch (error) {
        results.push({ service: serviceName, outcome: 'failed', error: publicError(error) });
      }
    }
    const ended = usageExport.get().usageExportOutcome(results);
    return finish(context, EVENT, ended, {
      services: results.map((r) => `${r.service}: ${r.outcome}`),
    });
  },
});

import { activity } from '../kit';
import { plans } from '../names/plans';

/**
 * A plan step's first activity (issue 20): the step runs only when its run started it (instance
 * id, ticket, the deployed plan's step, the run's report showing it running).
 */
activity(plans.admitPlanStep, {
  input: async () => {
    const { z } = await import('zod');
    return z.strictObject({ start: z.unknown(), instanceId: z.string().min(1) });
  },
  handler: async ({ start, instanceId }) => {
    const { planDeps, planEntries } = await import('../../shared/plans/deps');
    const { admitPlanStep } = await import('../../shared/plans/decisions');
    const { config, records, store } = await planDeps();
    return admitPlanStep(start, instanceId, {
      records,
      readReport: (runId) => store.readReport(runId),
      entries: await planEntries(config),
    });
  },
});

import { activity } from '../kit';
import { plans } from '../names/plans';

/**
 * A plan run's first activity (issue 20): admits the start only when the route recorded a ticket
 * for exactly this input, the plan loads by name from LIFEBOAT_PLANS_DIR with the same hash, and
 * failovers are on for a failover; claims the ticket for this execution (shared/plans/decisions.ts).
 */
activity(plans.admitPlanRun, {
  input: async () => {
    const { z } = await import('zod');
    return z.strictObject({ start: z.unknown(), instanceId: z.string().min(1), claim: z.string().min(1) });
  },
  handler: async ({ start, instanceId, claim }) => {
    const { planDeps, planEntries } = await import('../../shared/plans/deps');
    const { admitPlanRun } = await import('../../shared/plans/decisions');
    const { config, records, store } = await planDeps();
    const admission = await admitPlanRun(start, instanceId, claim, {
      records,
      entries: await planEntries(config),
      failoversEnabled: config.plans.failoversEnabled,
      now: new Date(),
    });
    if (admission.admitted || !admission.ticketed || admission.runId === undefined) return admission;
    const report = await store.readReport(admission.runId);
    return report === undefined ? admission : { ...admission, report };
  },
});

import { activity } from '../kit';
import { plans } from '../names/plans';

/** The requests recorded for a run (decisions, alerts) that it has not decided yet, in arrival order. */
activity(plans.readPlanRequests, {
  input: async () => {
    const { z } = await import('zod');
    return z.strictObject({ runId: z.string().min(1).max(200), decided: z.array(z.string()).max(10_000) });
  },
  handler: async ({ runId, decided }) => {
    const { planDeps } = await import('../../shared/plans/deps');
    const { records } = await planDeps();
    const seen = new Set(decided);
    return (await records.listRequests(runId, seen)).filter((q) => !seen.has(q.id));
  },
});

import { activity } from '../kit';
import { plans } from '../names/plans';

/** The decisions (done, abort) recorded on a manual step by its route, in arrival order (issue 22 item 5). */
activity(plans.readStepDecisions, {
  input: async () => {
    const { z } = await import('zod');
    return z.strictObject({ runId: z.string().min(1).max(200), stepId: z.string().min(1).max(40) });
  },
  handler: async ({ runId, stepId }) => {
    const { planDeps } = await import('../../shared/plans/deps');
    const { records } = await planDeps();
    return records.listStepDecisions(runId, stepId);
  },
});

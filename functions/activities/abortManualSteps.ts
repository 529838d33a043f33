import * as df from 'durable-functions';
import { activity } from '../kit';
import { plans } from '../names/plans';

/**
 * A run that is cancelled or preempted ends the manual steps waiting for a person (issue 22 item
 * 5): it records an `abort` decision by Lifeboat on each, with the reason, and rings its bell, as
 * the route does for a person. A retried call may record a second one: the first counts.
 */
activity(plans.abortManualSteps, {
  extraInputs: [df.input.durableClient()],
  input: async () => {
    const { z } = await import('zod');
    return z.strictObject({
      runId: z.string().min(1).max(200),
      stepIds: z.array(z.string().min(1).max(40)).max(100),
      reason: z.string().min(1).max(500),
    });
  },
  handler: async ({ runId, stepIds, reason }, context) => {
    const { planDeps } = await import('../../shared/plans/deps');
    const { newRequestId, sendStepDecision } = await import('../../shared/plans/decisions');
    const { STEP_SIGNAL } = await import('../../shared/plans/flow');
    const { randomBytes } = await import('node:crypto');
    const { records } = await planDeps();
    const client = df.getClient(context);
    const rung: string[] = [];
    for (const stepId of stepIds) {
      const now = new Date();
      const state = await sendStepDecision(
        client,
        records,
        {
          id: newRequestId(now, randomBytes(6).toString('hex')),
          runId,
          stepId,
          decision: 'abort',
          by: { id: 'lifeboat', name: 'Lifeboat' },
          at: now.toISOString(),
          comment: reason,
        },
        STEP_SIGNAL,
      );
      if (state === 'rung') rung.push(stepId);
    }
    return { rung };
  },
});

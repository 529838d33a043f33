import { activity } from '../kit';
import { plans } from '../names/plans';

/** Decides what one plan step runs in its run's mode, from configuration (shared/plans/steps.ts). */
activity(plans.preparePlanStep, {
  input: async () => {
    const { z } = await import('zod');
    const { stepSchema } = await import('../../shared/plans/plan');
    return z.strictObject({ step: stepSchema, mode: z.enum(['drill', 'failover']) });
  },
  handler: async ({ step, mode }) => {
    const { getConfig } = await import('../../shared/config');
    const { stepWork } = await import('../../shared/plans/steps');
    const config = getConfig();
    return stepWork(step, mode, {
      services: config.backup.services,
      sites: config.relay.sites,
      restore: config.restore,
      traffic: config.traffic,
    });
  },
});

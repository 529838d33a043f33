import { activity } from '../kit';
import { durable } from '../names/durable';

/**
 * Admits a top-level start of a flow that can change production (issue 20): Lifeboat's own
 * starters record a ticket first (shared/steps/tickets.ts); a start around them has none.
 */
activity(durable.admitFlowStart, {
  input: async () => {
    const { z } = await import('zod');
    return z.strictObject({
      name: z.string().min(1).max(128),
      instanceId: z.string().min(1).max(256),
      input: z.unknown(),
      claim: z.string().min(1).max(100),
    });
  },
  handler: async (start) => {
    const { admitFlowStart, flowTickets } = await import('../../shared/steps/tickets');
    return admitFlowStart(start, await flowTickets(), new Date());
  },
});

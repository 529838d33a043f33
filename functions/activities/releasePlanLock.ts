import { activity } from '../kit';
import { plans } from '../names/plans';

/** Frees a plan's lock if the run still holds it; says who holds it otherwise (a failover that preempted the run). */
activity(plans.releasePlanLock, {
  input: async () => {
    const { z } = await import('zod');
    return z.strictObject({ plan: z.string().min(1), runId: z.string().min(1) });
  },
  handler: async ({ plan, runId }) => {
    const { planDeps } = await import('../../shared/plans/deps');
    const { store } = await planDeps();
    const held = await store.readLock(plan);
    if (held !== undefined && held.lock.runId !== runId) return { released: false, heldBy: held.lock.runId };
    await store.releaseLock(plan, runId);
    return { released: true };
  },
});

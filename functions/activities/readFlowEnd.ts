import * as df from 'durable-functions';
import { activity } from '../kit';
import { plans } from '../names/plans';

/**
 * How a flow ended, read from the task hub: its own output once it completed (under the expected
 * orchestrator name), never an event's claim; `stopped` when it failed or was terminated; `running`
 * while it has not ended; `missing`
 * when there is no such instance (or it is another orchestrator's).
 */
activity(plans.readFlowEnd, {
  extraInputs: [df.input.durableClient()],
  input: async () => {
    const { z } = await import('zod');
    return z.strictObject({ instanceId: z.string().min(1).max(256), name: z.string().min(1).max(128) });
  },
  handler: async ({ instanceId, name }, context) => {
    let status;
    try {
      status = await df.getClient(context).getStatus(instanceId);
    } catch (error) {
      if (/\b404\b|No instance/.test(error instanceof Error ? error.message : String(error)))
        return { state: 'missing' as const };
      throw error;
    }
    if (status === undefined || status.name.toLowerCase() !== name.toLowerCase())
      return { state: 'missing' as const };
    const runtime = String(status.runtimeStatus);
    if (runtime === 'Completed') return { state: 'ended' as const, output: status.output };
    if (runtime === 'Failed' || runtime === 'Terminated' || runtime === 'Canceled')
      return { state: 'stopped' as const, runtimeStatus: runtime };
    return { state: 'running' as const };
  },
});

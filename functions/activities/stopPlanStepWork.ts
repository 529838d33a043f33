import * as df from 'durable-functions';
import { activity } from '../kit';
import { plans } from '../names/plans';

/**
 * Stops the work of a plan step that timed out (issue 21 item 3): terminates its child flow and
 * every flow under it (shared/plans/stopWork.ts), then closes the records of the agent commands
 * they were waiting for, since the agent has no cancel: a late result is recorded and ignored.
 */
activity(plans.stopPlanStepWork, {
  extraInputs: [df.input.durableClient()],
  input: async () => {
    const { z } = await import('zod');
    return z.strictObject({
      childId: z.string().min(1).max(256),
      reason: z.string().min(1).max(500),
    });
  },
  handler: async ({ childId, reason }, context) => {
    const { stopFlowTree } = await import('../../shared/plans/stopWork');
    const client = df.getClient(context);
    const stopped = await stopFlowTree(
      {
        getStatus: (id, options) => client.getStatus(id, options),
        getStatusBy: (filter) => client.getStatusBy(filter as Parameters<typeof client.getStatusBy>[0]),
        terminate: (id, why) => client.terminate(id, why),
      },
      childId,
      reason,
    );
    const awaited = stopped.terminated.flatMap((f) => (f.command === undefined ? [] : [f.command]));
    if (awaited.length === 0) return { ...stopped, commands: [] };
    const { relayDeps } = await import('../../shared/relay/deps');
    const { closeCommand } = await import('../../shared/relay/results');
    const { store } = await relayDeps();
    const commands = [];
    for (const c of awaited)
      commands.push({ ...c, state: await closeCommand(store, c.commandId, 'stepTimedOut', new Date()) });
    return { ...stopped, commands };
  },
});

import * as df from 'durable-functions';
import { activity } from '../kit';
import { durable } from '../names/durable';

/**
 * Starts a flow under the given instance id, once: an instance that already exists (in any state)
 * is left alone, so a repeated delivery of this activity never starts it twice (the host would
 * otherwise restart a finished instance with the same id).
 */
activity(durable.startFlow, {
  extraInputs: [df.input.durableClient()],
  input: async () => (await import('../../shared/steps/flows')).startFlowInput,
  handler: async ({ name, instanceId, input }, context) => {
    const client = df.getClient(context);
    try {
      await client.getStatus(instanceId);
      return { state: 'exists' as const };
    } catch (error) {
      // 404: no such instance yet.
      if (!/\b404\b|No instance/.test(error instanceof Error ? error.message : String(error))) throw error;
    }
    // Lifeboat's own start: the flow's ticket first (a start around Lifeboat has none).
    const { flowTickets, ticketingClient } = await import('../../shared/steps/tickets');
    await ticketingClient(client, await flowTickets()).startNew(name, { instanceId, input });
    return { state: 'started' as const };
  },
});

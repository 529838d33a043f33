import * as df from 'durable-functions';
import { activity } from '../kit';
import { durable } from '../names/durable';

/** Raises an event on an instance (a child flow reporting to its parent). A vanished instance is `gone`, not an error. */
activity(durable.signalFlow, {
  extraInputs: [df.input.durableClient()],
  input: async () => (await import('../../shared/steps/flows')).signalFlowInput,
  handler: async ({ instanceId, event, data }, context) => {
    try {
      await df.getClient(context).raiseEvent(instanceId, event, data);
      return { state: 'raised' as const };
    } catch (error) {
      if (/No instance with ID/.test(error instanceof Error ? error.message : String(error)))
        return { state: 'gone' as const };
      throw error;
    }
  },
});

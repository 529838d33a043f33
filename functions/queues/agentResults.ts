import * as df from 'durable-functions';
import type { RaiseOutcome } from '../../shared/relay/results';
import { agentQueuesConnectionName } from '../../shared/relay/connection';
import { queue } from '../kit';
import { AGENT_RESULTS_QUEUE, relay } from '../names/relay';

/**
 * Results from on-premises agents (`agent-results`). Verifies the agent's signature and the
 * binding to the recorded command, then raises `result-<commandId>` into the waiting
 * orchestration. Results that can never be accepted (forged, unsigned, unknown, unbound,
 * duplicate, late, malformed) are recorded in the relay container and completed without a throw,
 * so they are not retried five times; storage and durable-client failures throw (retry).
 */
queue(relay.agentResults, {
  queueName: AGENT_RESULTS_QUEUE,
  // AgentQueues when configured (Azure: AgentQueues__queueServiceUri), else AzureWebJobsStorage.
  connection: agentQueuesConnectionName(process.env),
  extraInputs: [df.input.durableClient()],
  // The envelope is parsed and verified by handleResult, which records what it refuses.
  parse: (message) => message,
  handler: async (message, context) => {
    const { relayDeps } = await import('../../shared/relay/deps');
    const { handleResult } = await import('../../shared/relay/results');
    const deps = await relayDeps();
    const client = df.getClient(context);
    const meta = {
      ...(typeof context.triggerMetadata?.['id'] === 'string'
        ? { messageId: context.triggerMetadata['id'] }
        : {}),
      ...(typeof context.triggerMetadata?.['dequeueCount'] === 'number'
        ? { dequeueCount: context.triggerMetadata['dequeueCount'] }
        : {}),
    };
    const raise = async (instanceId: string, name: string, data: unknown): Promise<RaiseOutcome> => {
      try {
        await client.raiseEvent(instanceId, name, data);
        return 'raised';
      } catch (error) {
        // 404: no such instance (purged, or never existed). The client resolves 410 (finished) silently.
        if (/No instance with ID/.test(error instanceof Error ? error.message : String(error)))
          return 'instanceGone';
        throw error;
      }
    };
    const decision = await handleResult(
      { keys: deps.keys, store: deps.store, raise, now: () => new Date() },
      message,
      meta,
    );
    const line = JSON.stringify({ event: 'lifeboat.relay.result', ...meta, ...decision });
    if (decision.decision === 'raised') context.log(line);
    else context.warn(line);
  },
});

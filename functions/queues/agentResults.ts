import { app, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { redact } from '../../shared/config/redact';
import { errorMessage } from '../../shared/errors';
import { agentQueuesConnectionName } from '../../shared/relay/connection';
import { relayDeps } from '../../shared/relay/deps';
import { handleResult, type RaiseOutcome } from '../../shared/relay/results';
import { AGENT_RESULTS_QUEUE, relayFunctions } from '../names/relay';

/**
 * Results from on-premises agents (`agent-results`). Verifies the agent's signature and the
 * binding to the recorded command, then raises `result-<commandId>` into the waiting
 * orchestration. Results that can never be accepted (forged, unsigned, unknown, unbound,
 * duplicate, late, malformed) are recorded in the relay container and completed without a throw,
 * so they are not retried five times; storage and durable-client failures throw (retry).
 */
export async function agentResults(message: unknown, context: InvocationContext): Promise<void> {
  const deps = relayDeps();
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
      if (/No instance with ID/.test(errorMessage(error))) return 'instanceGone';
      throw error;
    }
  };
  try {
    const decision = await handleResult(
      { keys: deps.keys, store: deps.store, raise, now: () => new Date() },
      message,
      meta,
    );
    const line = { event: 'lifeboat.relay.result', ...meta, ...decision };
    if (decision.decision === 'raised') context.log(JSON.stringify(line));
    else context.warn(JSON.stringify(line));
  } catch (error) {
    context.error(
      JSON.stringify({
        event: 'lifeboat.relay.result',
        ...meta,
        decision: 'retry',
        error: redact(errorMessage(error)),
      }),
    );
    throw error;
  }
}

app.storageQueue(relayFunctions.agentResults, {
  queueName: AGENT_RESULTS_QUEUE,
  // AgentQueues when configured (Azure: AgentQueues__queueServiceUri), else AzureWebJobsStorage.
  connection: agentQueuesConnectionName(process.env),
  extraInputs: [df.input.durableClient()],
  handler: agentResults,
});

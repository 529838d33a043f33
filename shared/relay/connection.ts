import { hasConnection, resolveStorage, type Env, type StorageEndpoint } from '../storage';

/**
 * Where the relay's queues and records live, by the one Functions connection convention
 * (shared/storage). Queues: the `AgentQueues` connection (connection string, or identity-based
 * `AgentQueues__queueServiceUri` as infra/modules/functionapp.bicep sets), falling back to
 * `AzureWebJobsStorage`. Records: the app's own storage (shared/storage `resolveAppBlobs`).
 */

/** The connection setting of the agent queues. */
export const AGENT_QUEUES_CONNECTION = 'AgentQueues';

/**
 * The connection name the results trigger binds to: `AgentQueues` when it is configured, else
 * `AzureWebJobsStorage`. Decided when the function is registered; never throws (a throwing import
 * makes the real host drop the function).
 */
export function agentQueuesConnectionName(env: Env): string {
  return hasConnection(env, AGENT_QUEUES_CONNECTION, 'queue')
    ? AGENT_QUEUES_CONNECTION
    : 'AzureWebJobsStorage';
}

/** The queue endpoint for agent commands (and results). */
export function resolveAgentQueues(env: Env): StorageEndpoint {
  return resolveStorage(
    env,
    [AGENT_QUEUES_CONNECTION, 'AzureWebJobsStorage'],
    'queue',
    `${AGENT_QUEUES_CONNECTION}: no queue connection: set ${AGENT_QUEUES_CONNECTION}, ${AGENT_QUEUES_CONNECTION}__queueServiceUri or AzureWebJobsStorage`,
  );
}

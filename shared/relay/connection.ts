import { DefaultAzureCredential } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { NonRetryableError } from '../errors';

/**
 * Where the relay's queues and records live, following the Functions connection convention.
 * Queues: the `AgentQueues` connection (connection string, or identity-based
 * `AgentQueues__queueServiceUri` as infra/modules/functionapp.bicep sets), falling back to
 * `AzureWebJobsStorage`. Records: the app's own storage (`AzureWebJobsStorage`, connection string or
 * `AzureWebJobsStorage__blobServiceUri` / `__accountName`). These are runtime connection settings
 * like AzureWebJobsStorage, so they are not in the LIFEBOAT_* schema.
 */

type Env = Readonly<Record<string, string | undefined>>;

/** The connection setting of the agent queues. */
export const AGENT_QUEUES_CONNECTION = 'AgentQueues';

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * The connection name the results trigger binds to: `AgentQueues` when it is configured, else
 * `AzureWebJobsStorage`. Decided when the function is registered; never throws (a throwing import
 * makes the real host drop the function).
 */
export function agentQueuesConnectionName(env: Env): string {
  return nonEmpty(env[AGENT_QUEUES_CONNECTION]) !== undefined ||
    nonEmpty(env[`${AGENT_QUEUES_CONNECTION}__queueServiceUri`]) !== undefined
    ? AGENT_QUEUES_CONNECTION
    : 'AzureWebJobsStorage';
}

/** A resolved storage endpoint: a connection string (secret) or a service URI used with the app's identity. */
export type StorageEndpoint =
  | { kind: 'connectionString'; connectionString: string; setting: string }
  | { kind: 'identity'; uri: string; clientId: string | undefined; setting: string };

/** The queue endpoint for agent commands (and results). */
export function resolveAgentQueues(env: Env): StorageEndpoint {
  for (const name of [AGENT_QUEUES_CONNECTION, 'AzureWebJobsStorage']) {
    const cs = nonEmpty(env[name]);
    if (cs !== undefined) return { kind: 'connectionString', connectionString: cs, setting: name };
    const uri = nonEmpty(env[`${name}__queueServiceUri`]) ?? accountUri(env, name, 'queue');
    if (uri !== undefined)
      return {
        kind: 'identity',
        uri,
        clientId: nonEmpty(env[`${name}__clientId`]),
        setting: `${name}__queueServiceUri`,
      };
  }
  throw new NonRetryableError(
    `${AGENT_QUEUES_CONNECTION}: no queue connection: set ${AGENT_QUEUES_CONNECTION}, ${AGENT_QUEUES_CONNECTION}__queueServiceUri or AzureWebJobsStorage`,
    {
      code: 'InvalidConfiguration',
    },
  );
}

/** The blob endpoint of the app's storage (command records). */
export function resolveAppBlobs(env: Env): StorageEndpoint {
  const cs = nonEmpty(env['AzureWebJobsStorage']);
  if (cs !== undefined)
    return { kind: 'connectionString', connectionString: cs, setting: 'AzureWebJobsStorage' };
  const uri =
    nonEmpty(env['AzureWebJobsStorage__blobServiceUri']) ?? accountUri(env, 'AzureWebJobsStorage', 'blob');
  if (uri !== undefined)
    return {
      kind: 'identity',
      uri,
      clientId: nonEmpty(env['AzureWebJobsStorage__clientId']),
      setting: 'AzureWebJobsStorage__blobServiceUri',
    };
  throw new NonRetryableError('AzureWebJobsStorage: no app storage connection for relay records', {
    code: 'InvalidConfiguration',
  });
}

function accountUri(env: Env, name: string, service: 'queue' | 'blob'): string | undefined {
  const account = nonEmpty(env[`${name}__accountName`]);
  return account === undefined ? undefined : `https://${account}.${service}.core.windows.net`;
}

const queueServices = new Map<string, QueueServiceClient>();
const blobServices = new Map<string, BlobServiceClient>();

function keyOf(e: StorageEndpoint): string {
  return e.kind === 'connectionString' ? `cs:${e.connectionString}` : `id:${e.uri}:${e.clientId ?? ''}`;
}

function credential(e: Extract<StorageEndpoint, { kind: 'identity' }>) {
  return new DefaultAzureCredential(e.clientId === undefined ? {} : { managedIdentityClientId: e.clientId });
}

/** The process-wide queue service client for the agent queues (kept alive across invocations). */
export function agentQueueService(env: Env): QueueServiceClient {
  const e = resolveAgentQueues(env);
  let client = queueServices.get(keyOf(e));
  if (client === undefined) {
    client =
      e.kind === 'connectionString'
        ? QueueServiceClient.fromConnectionString(e.connectionString)
        : new QueueServiceClient(e.uri, credential(e));
    queueServices.set(keyOf(e), client);
  }
  return client;
}

/** The process-wide blob service client of the app's storage. */
export function appBlobService(env: Env): BlobServiceClient {
  const e = resolveAppBlobs(env);
  let client = blobServices.get(keyOf(e));
  if (client === undefined) {
    client =
      e.kind === 'connectionString'
        ? BlobServiceClient.fromConnectionString(e.connectionString)
        : new BlobServiceClient(e.uri, credential(e));
    blobServices.set(keyOf(e), client);
  }
  return client;
}

import type { QueueClient } from '@azure/storage-queue';
import { getConfig, type Config, type Env } from '../config';
import { blobServiceClient, queueServiceClient, resolveAppBlobs } from '../storage';
import type { RelaySettings } from './contracts';
import { resolveAgentQueues } from './connection';
import { relayKeys, type RelayKeys } from './keys';
import { createRelayStore, type RelayStore } from './store';

/**
 * The relay functions' dependencies, built lazily inside handlers (never at import) and reused
 * across invocations. Storage clients come from shared/storage (one per endpoint per process).
 */
export interface RelayDeps {
  readonly config: Config;
  readonly keys: RelayKeys;
  readonly store: RelayStore;
  readonly queue: (name: string) => QueueClient;
}

const stores = new Map<string, RelayStore>();

/** The dependencies for `env` (default: the process environment). */
export async function relayDeps(env: Env = process.env): Promise<RelayDeps> {
  const config = getConfig(env);
  const blobs = await blobServiceClient(resolveAppBlobs(env));
  const storeKey = `${blobs.url}|${config.relay.container}`;
  let store = stores.get(storeKey);
  if (store === undefined) {
    store = createRelayStore(blobs.getContainerClient(config.relay.container));
    stores.set(storeKey, store);
  }
  const service = await queueServiceClient(resolveAgentQueues(env));
  return {
    config,
    keys: relayKeys(config.relay),
    store,
    // QueueClient objects are light (no connection of their own): the service client is shared.
    queue: (name) => service.getQueueClient(name),
  };
}

/** The non-secret settings orchestrations need, from configuration. */
export function relaySettingsFrom(config: Config): RelaySettings {
  const r = config.relay;
  return {
    timeouts: {
      deliveryMs: r.deliveryTimeoutSeconds * 1000,
      executionMs: r.executionTimeoutSeconds * 1000,
      maxAttempts: r.maxAttempts,
    },
    pollMs: r.pollSeconds * 1000,
    operationTimeoutMs: r.operationTimeoutMinutes * 60_000,
    fanoutConcurrency: r.fanoutConcurrency,
  };
}

import type { QueueClient } from '@azure/storage-queue';
import { getConfig, type Config, type Env } from '../config';
import type { RelaySettings } from './contracts';
import { agentQueueService, appBlobService } from './connection';
import { relayKeys, type RelayKeys } from './keys';
import { createRelayStore, type RelayStore } from './store';

/**
 * The relay functions' dependencies, built lazily inside handlers (never at import) and reused
 * across invocations.
 */
export interface RelayDeps {
  readonly config: Config;
  readonly keys: RelayKeys;
  readonly store: RelayStore;
  readonly queue: (name: string) => QueueClient;
}

const stores = new Map<string, RelayStore>();
const queues = new Map<string, QueueClient>();

/** The dependencies for `env` (default: the process environment). */
export function relayDeps(env: Env = process.env): RelayDeps {
  const config = getConfig(env);
  const blobs = appBlobService(env);
  const storeKey = `${blobs.url}|${config.relay.container}`;
  let store = stores.get(storeKey);
  if (store === undefined) {
    store = createRelayStore(blobs.getContainerClient(config.relay.container));
    stores.set(storeKey, store);
  }
  const service = agentQueueService(env);
  return {
    config,
    keys: relayKeys(config.relay),
    store,
    queue: (name) => {
      const key = `${service.url}|${name}`;
      let q = queues.get(key);
      if (q === undefined) {
        q = service.getQueueClient(name);
        queues.set(key, q);
      }
      return q;
    },
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

import type { QueueClient } from '@azure/storage-queue';
import { blobServiceClient, queueServiceClient, resolveStorage, type Env } from '../storage';
import { ALERTS_CONTAINER } from './decision';
import { createAlertStore, type AlertStore } from './store';

/**
 * Where alert records and the alert queue live: the app's own storage (`AzureWebJobsStorage`, by
 * the one connection convention of shared/storage), the same account the queue trigger binds to.
 * Built lazily inside handlers, one store per endpoint per process.
 */

const stores = new Map<string, AlertStore>();

/** The alert store for `env`. */
export async function alertStore(env: Env = process.env): Promise<AlertStore> {
  const blobs = await blobServiceClient(
    resolveStorage(
      env,
      ['AzureWebJobsStorage'],
      'blob',
      'AzureWebJobsStorage: no app storage connection for alert records',
    ),
  );
  let store = stores.get(blobs.url);
  if (store === undefined) {
    store = createAlertStore(blobs.getContainerClient(ALERTS_CONTAINER));
    stores.set(blobs.url, store);
  }
  return store;
}

/** A client of the alert queue (`queueName`) on the app's storage. */
export async function alertQueueClient(queueName: string, env: Env = process.env): Promise<QueueClient> {
  const service = await queueServiceClient(
    resolveStorage(
      env,
      ['AzureWebJobsStorage'],
      'queue',
      'AzureWebJobsStorage: no app storage connection for the alert queue',
    ),
  );
  return service.getQueueClient(queueName);
}

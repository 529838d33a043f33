import { getConfig, type Config, type Env } from '../config';
import { blobServiceClient, recordStore, resolveAppBlobs, type RecordStore } from '../storage';
import { switchRecordSchema, type SwitchRecord } from './contracts';
import type { TrafficRouting } from './port';

/**
 * The container of the switch records: the plans' own (`lifeboat-plans`, shared/plans/report.ts
 * PLANS_CONTAINER), named here because traffic sits below plans in the layers.
 */
const PLANS_CONTAINER = 'lifeboat-plans';

/**
 * The traffic activities' dependencies, built lazily inside handlers: the routing client (the
 * SDKs load on first use) and the switch records, kept next to the plan reports (container
 * `lifeboat-plans`, `traffic/<runId>/<stepId>.json`).
 */
export interface TrafficDeps {
  readonly config: Config;
  routing(): Promise<TrafficRouting>;
  readonly records: RecordStore<SwitchRecord>;
}

let routingCache: { key: string; client: Promise<TrafficRouting> } | undefined;

function routingFor(core: Config['core']): Promise<TrafficRouting> {
  const key = JSON.stringify(core);
  if (routingCache?.key !== key) {
    const client = import('./client').then((m) => m.createTrafficClientFromConfig(core));
    routingCache = { key, client };
    client.catch(() => {
      if (routingCache?.client === client) routingCache = undefined;
    });
  }
  return routingCache.client;
}

/** The record's blob name for a run's step. */
export const switchRecordName = (runId: string, stepId: string) => `traffic/${runId}/${stepId}.json`;

export async function trafficDeps(env: Env = process.env): Promise<TrafficDeps> {
  const config = getConfig(env);
  const blobs = await blobServiceClient(resolveAppBlobs(env));
  return {
    config,
    routing: () => routingFor(config.core),
    records: recordStore({
      container: blobs.getContainerClient(PLANS_CONTAINER),
      schema: switchRecordSchema,
      label: 'traffic switch records',
    }),
  };
}

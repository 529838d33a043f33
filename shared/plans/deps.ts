import { getConfig, type Config, type Env } from '../config';
import { resolveAppBlobs } from '../relay/connection';
import { blobServiceClient } from '../storage';
import { PLANS_CONTAINER } from './report';
import { createPlanStore, type PlanStore } from './store';

/** The plan functions' dependencies, built lazily inside handlers and reused across invocations. */
export interface PlanDeps {
  readonly config: Config;
  readonly store: PlanStore;
}

const stores = new Map<string, PlanStore>();

/** The dependencies for `env` (default: the process environment). */
export async function planDeps(env: Env = process.env): Promise<PlanDeps> {
  const config = getConfig(env);
  const blobs = await blobServiceClient(resolveAppBlobs(env));
  let store = stores.get(blobs.url);
  if (store === undefined) {
    store = createPlanStore(blobs.getContainerClient(PLANS_CONTAINER));
    stores.set(blobs.url, store);
  }
  return { config, store };
}

/** The plans as declared (LIFEBOAT_PLANS_DIR), checked against the configuration. */
export async function planEntries(config: Config) {
  const { loadPlans, planCheckContext } = await import('./load');
  return loadPlans(config.plans.dir, planCheckContext(config));
}

import { getConfig, type Config, type Env } from '../config';
import { blobServiceClient, resolveAppBlobs } from '../storage';
import { PLANS_CONTAINER } from './report';
import type { Caller, PlanClient, StartDecision, StartRequest } from './start';
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

/**
 * Starts a drill or a failover with the app's own dependencies: configuration, the plan store,
 * the declared plans, the wall clock and a random run-id suffix (shared/plans/start.ts decides).
 */
export async function startPlanRunNow(
  client: PlanClient,
  request: StartRequest,
  orchestrationName: string,
  env: Env = process.env,
): Promise<StartDecision> {
  const { randomBytes } = await import('node:crypto');
  const { startPlanRun } = await import('./start');
  const { config, store } = await planDeps(env);
  return startPlanRun(client, request, {
    config,
    store,
    entries: await planEntries(config),
    now: new Date(),
    randomId: () => randomBytes(4).toString('hex'),
    orchestrationName,
  });
}

/**
 * Starts a run asked for over HTTP by a signed-in caller (the kit's route wrapper found them):
 * the requester is that caller, by object id, then {@link startPlanRunNow}.
 */
export async function startFromHttp(
  client: PlanClient,
  caller: Caller,
  request: Omit<StartRequest, 'requestedBy' | 'requestedById'>,
  orchestrationName: string,
): Promise<StartDecision> {
  const { callerIdentity } = await import('./start');
  return startPlanRunNow(client, { ...request, ...callerIdentity(caller) }, orchestrationName);
}

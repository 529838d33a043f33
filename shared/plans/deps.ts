import { getConfig, type Config, type Env } from '../config';
import { blobServiceClient, resolveAppBlobs } from '../storage';
import { PLANS_CONTAINER } from './report';
import type { Caller, PlanClient, StartDecision, StartRequest, RequestDeps } from './start';
import { createPlanRecords, type PlanRecords } from './decisions';
import { createPlanStore, type PlanStore } from './store';

/** The plan functions' dependencies, built lazily inside handlers and reused across invocations. */
export interface PlanDeps {
  readonly config: Config;
  readonly store: PlanStore;
  /** Start tickets and requests (what the runs trust). */
  readonly records: PlanRecords;
}

const stores = new Map<string, { store: PlanStore; records: PlanRecords }>();

/** The dependencies for `env` (default: the process environment). */
export async function planDeps(env: Env = process.env): Promise<PlanDeps> {
  const config = getConfig(env);
  const blobs = await blobServiceClient(resolveAppBlobs(env));
  let made = stores.get(blobs.url);
  if (made === undefined) {
    const container = blobs.getContainerClient(PLANS_CONTAINER);
    made = { store: createPlanStore(container), records: createPlanRecords(container) };
    stores.set(blobs.url, made);
  }
  return { config, ...made };
}

/** What a route needs to record a request for a run: the client, the records, the wall clock. */
export async function requestDeps(client: PlanClient, env: Env = process.env): Promise<RequestDeps> {
  const { randomBytes } = await import('node:crypto');
  const { records } = await planDeps(env);
  return { client, records, now: new Date(), randomId: () => randomBytes(6).toString('hex') };
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
  const { config, store, records } = await planDeps(env);
  return startPlanRun(client, request, {
    config,
    store,
    records,
    entries: await planEntries(config),
    now: new Date(),
    randomId: () => randomBytes(4).toString('hex'),
    orchestrationName,
    failbackCheck: async (plan) => {
      const { failbackRefusal } = await import('./failback');
      const { restoredServices } = await import('./owners');
      const { standbyStore } = await import('../standby/deps');
      const standby = await standbyStore(env);
      const names = restoredServices(plan);
      const records = new Map(await Promise.all(names.map(async (n) => [n, await standby.read(n)] as const)));
      return failbackRefusal(plan, config.backup.services, records);
    },
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

import { resolveBackupEndpoint } from '../backups/connection';
import { getConfig, type Config, type Env } from '../config';
import { planCheckContext } from '../plans/load';
import { resolveAgentQueues } from '../relay/connection';
import { blobServiceClient, queueServiceClient, resolveAppBlobs } from '../storage';
import type { StatusSources } from './read';
import { azureStatusSources, type DurableReader } from './sources';

/**
 * The status functions' dependencies, built inside handlers (never at import): the configuration
 * and the sources over the app's storage (AzureWebJobsStorage: the status digest, heartbeats,
 * plan summaries, alerts), the agent queues and the
 * durable client of the invocation.
 */
export async function statusDeps(
  durable: DurableReader,
  env: Env = process.env,
): Promise<{ config: Config; sources: StatusSources }> {
  const config = getConfig(env);
  const [appBlobs, queues] = await Promise.all([
    blobServiceClient(resolveAppBlobs(env)),
    queueServiceClient(resolveAgentQueues(env)),
  ]);
  const backupContainer = (await blobServiceClient(resolveBackupEndpoint(env))).getContainerClient(
    config.backup.container,
  );
  return {
    config,
    sources: azureStatusSources({
      appBlobs,
      backupContainer,
      queues,
      durable,
      plansDir: config.plans.dir,
      planContext: planCheckContext(config),
    }),
  };
}

/** The status report for a request: read everything, then decide (shared/status/model.ts). */
export async function statusReport(durable: DurableReader, options: { now: Date; baseUrl: string }) {
  const { gatherStatusInputs } = await import('./read');
  const { buildStatus } = await import('./model');
  const { config, sources } = await statusDeps(durable);
  const inputs = await gatherStatusInputs(config, sources, options);
  return buildStatus({ ...inputs, ...(await standbyInputs(config, inputs.problems)) });
}

/** The standbys (issue 23), read apart from the other facts; one that cannot be read is a problem shown. */
async function standbyInputs(config: Config, problems: string[]) {
  const { readStandbyInputs } = await import('./standby');
  const { standbyStore } = await import('../standby/deps');
  const { loadPlans } = await import('../plans/load');
  try {
    const store = await standbyStore();
    // No plans folder: no plan RPO to judge the standby against (the plans section says why).
    const entries = await loadPlans(config.plans.dir, planCheckContext(config)).catch(() => []);
    return { standbys: await readStandbyInputs(config, (name) => store.read(name), entries) };
  } catch (error) {
    problems.push(`the standby records: ${error instanceof Error ? error.message : String(error)}`);
    return {};
  }
}

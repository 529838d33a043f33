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
  return buildStatus(await gatherStatusInputs(config, sources, options));
}

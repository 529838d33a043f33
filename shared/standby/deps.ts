import type { Env } from '../config';
import { resolveBackupEndpoint } from '../backups/connection';
import { getConfig } from '../config';
import { blobServiceClient } from '../storage';
import { createStandbyStore, type StandbyStore } from './store';

/** The standby records in the backup container, built lazily inside handlers. */
export async function standbyStore(env: Env = process.env): Promise<StandbyStore> {
  const config = getConfig(env);
  const client = await blobServiceClient(resolveBackupEndpoint(env));
  return createStandbyStore(client.getContainerClient(config.backup.container));
}

/** The active side of each service (issue 23): what scheduled and asked-for backups back up. */
export async function activeBackupServices<S extends { serviceName: string; resourceId: string }>(
  services: readonly (S & { standby?: { serviceName: string; resourceId: string } | undefined })[],
  env: Env = process.env,
) {
  const { activeServices } = await import('./decide');
  const store = await standbyStore(env);
  const records = await Promise.all(services.map((s) => store.read(s.serviceName)));
  return activeServices(services, records);
}

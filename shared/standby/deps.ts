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

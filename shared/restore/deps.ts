import type { ContainerClient } from '@azure/storage-blob';
import type { Env } from '../config';
import { resolveBackupEndpoint } from '../backups/connection';
import { backupDeps, type BackupDeps } from '../backups/deps';
import { blobServiceClient } from '../storage';

/** The restore functions' dependencies: the backup ones plus the backup container itself (manifests). */
export interface RestoreDeps extends BackupDeps {
  container: ContainerClient;
}

/** Built lazily inside handlers, like {@link backupDeps}. */
export async function restoreDeps(env: Env = process.env): Promise<RestoreDeps> {
  const deps = await backupDeps(env);
  const client = await blobServiceClient(resolveBackupEndpoint(env));
  return { ...deps, container: client.getContainerClient(deps.config.backup.container) };
}

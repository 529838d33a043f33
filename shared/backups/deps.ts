import type { ApimClient } from '../apim/port';
import { createApimClientFromConfig } from '../apim/client';
import { getConfig, type Config, type Env } from '../config';
import { backupBlobService, type BackupStorageConnection } from './connection';
import { createBackupStore, type BackupStore } from './store';

/**
 * The backup functions' dependencies, built lazily inside handlers from configuration (never at
 * import: a throwing import makes the real host drop the functions) and reused across
 * invocations. Handlers pass them on to the plain functions in shared/backups.
 */
export interface BackupDeps {
  config: Config;
  apim: ApimClient;
  store: BackupStore;
  connection: BackupStorageConnection;
  /** The account NAME APIM writes to: LIFEBOAT_BACKUP_STORAGE_ACCOUNT, else the connection's account. */
  storageAccount: string;
}

let apimCache: { key: string; client: ApimClient } | undefined;

/** The dependencies for `env` (default: the process environment). */
export function backupDeps(env: Env = process.env): BackupDeps {
  const config = getConfig(env);
  const { client, connection } = backupBlobService(env);
  const key = JSON.stringify(config.core);
  if (apimCache?.key !== key) apimCache = { key, client: createApimClientFromConfig(config.core) };
  return {
    config,
    apim: apimCache.client,
    store: createBackupStore(client.getContainerClient(config.backup.container)),
    connection,
    storageAccount: config.backup.storageAccount ?? connection.accountName,
  };
}

/** The configured service whose ARM id is `resourceId` (ids compare case-insensitively). */
export function findService(
  config: Config,
  resourceId: string,
): Config['backup']['services'][number] | undefined {
  const want = resourceId.toLowerCase();
  return config.backup.services.find((s) => s.resourceId.toLowerCase() === want);
}

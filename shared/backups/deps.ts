import type { ApimClient } from '../apim/port';
import { getConfig, type Config, type Env } from '../config';
import { blobServiceClient } from '../storage';
import { describeBackupStorage, resolveBackupEndpoint, type BackupStorageConnection } from './connection';
import { createOperationLog, type OperationLog } from './operations';
import { createBackupStore, type BackupStore } from './store';

/**
 * The backup functions' dependencies, built lazily inside handlers from configuration (never at
 * import: a throwing import makes the real host drop the functions) and reused across
 * invocations. The APIM SDK loads only when a handler first asks for `apim()`.
 */
export interface BackupDeps {
  config: Config;
  /** The APIM client (loads `@azure/arm-apimanagement` on first use). */
  apim(): Promise<ApimClient>;
  store: BackupStore;
  /** Records of accepted backup POSTs (shared/backups/operations.ts). */
  operations: OperationLog;
  connection: BackupStorageConnection;
  /** The account NAME APIM writes to: LIFEBOAT_BACKUP_STORAGE_ACCOUNT, else the connection's account. */
  storageAccount: string;
}

let apimCache: { key: string; client: Promise<ApimClient> } | undefined;

function apimFor(core: Config['core']): Promise<ApimClient> {
  const key = JSON.stringify(core);
  if (apimCache?.key !== key) {
    const client = import('../apim/client').then((m) => m.createApimClientFromConfig(core));
    apimCache = { key, client };
    // A failed build (unreadable CA file) is not cached: the next call tries again.
    client.catch(() => {
      if (apimCache?.client === client) apimCache = undefined;
    });
  }
  return apimCache.client;
}

/** The dependencies for `env` (default: the process environment). */
export async function backupDeps(env: Env = process.env): Promise<BackupDeps> {
  const config = getConfig(env);
  const endpoint = resolveBackupEndpoint(env);
  const connection = describeBackupStorage(endpoint);
  const client = await blobServiceClient(endpoint);
  const container = client.getContainerClient(config.backup.container);
  return {
    config,
    apim: () => apimFor(config.core),
    store: createBackupStore(container),
    operations: createOperationLog(container),
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
  const found = config.backup.services.find((s) => s.resourceId.toLowerCase() === want);
  if (found !== undefined) return found;
  // A standby is backed up under its own name once it carries production (issue 23): the
  // starters pick the active side; here it is a service of its own, with nothing to fail over to.
  const pair = config.backup.services.find((s) => s.standby?.resourceId.toLowerCase() === want);
  return pair?.standby === undefined
    ? undefined
    : {
        ...pair.standby,
        standby: undefined,
        drillTargets: [],
        allowRestoreOverPrimary: false,
        standbySync: false,
      };
}

import { resolveStorage, type Env, type StorageEndpoint } from '../storage';

export { accountNameFromUri, accountNameFromConnectionString } from '../storage';

/**
 * Where the app itself lists, verifies and prunes backups: the connection `BackupStorage`, falling
 * back to `AzureWebJobsStorage`, resolved by the one Functions connection convention in
 * shared/storage. These are runtime connection settings like `AzureWebJobsStorage`, so they are not
 * in the LIFEBOAT_* schema.
 */
export type BackupStorageConnection =
  | { kind: 'connectionString'; /** secret */ connectionString: string; accountName: string; setting: string }
  | {
      kind: 'identity';
      blobServiceUri: string;
      clientId: string | undefined;
      accountName: string;
      setting: string;
    };

/** The connection setting name (the prefix of the identity-based settings). */
export const BACKUP_CONNECTION = 'BackupStorage';

/** The names tried in order. */
export const BACKUP_CONNECTION_NAMES = [BACKUP_CONNECTION, 'AzureWebJobsStorage'] as const;

const MISSING = `${BACKUP_CONNECTION}: no backup storage connection: set ${BACKUP_CONNECTION}__blobServiceUri (identity), ${BACKUP_CONNECTION} (connection string), or AzureWebJobsStorage`;

/**
 * Resolves the backup storage connection from settings. Throws NonRetryableError naming the
 * setting (never its value) when none is set or a value is unusable.
 */
export function resolveBackupStorage(env: Env): BackupStorageConnection {
  return describeBackupStorage(resolveBackupEndpoint(env));
}

/** The backup storage endpoint (for the client). */
export function resolveBackupEndpoint(env: Env): StorageEndpoint {
  return resolveStorage(env, BACKUP_CONNECTION_NAMES, 'blob', MISSING);
}

/** The connection as the backup code reads it (account name, setting). */
export function describeBackupStorage(e: StorageEndpoint): BackupStorageConnection {
  return e.kind === 'identity'
    ? {
        kind: 'identity',
        blobServiceUri: e.uri,
        clientId: e.clientId,
        accountName: e.accountName,
        setting: e.setting,
      }
    : {
        kind: 'connectionString',
        connectionString: e.connectionString,
        accountName: e.accountName ?? '',
        setting: e.setting,
      };
}

import { DefaultAzureCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/core-auth';
import { BlobServiceClient } from '@azure/storage-blob';
import { NonRetryableError } from '../errors';

/**
 * Where the app itself lists, verifies and prunes backups, following the Functions connection
 * convention for the connection `BackupStorage`, falling back to `AzureWebJobsStorage`: identity
 * based `<conn>__blobServiceUri` or `<conn>__accountName` (public cloud), with optional
 * `<conn>__clientId` for a user-assigned identity, used with DefaultAzureCredential; or a
 * connection string in `<conn>`. These are runtime connection
 * settings like `AzureWebJobsStorage`, so they live here and not in the LIFEBOAT_* schema.
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

type Env = Readonly<Record<string, string | undefined>>;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** The account name in a connection string (`UseDevelopmentStorage=true` → the emulator account). */
export function accountNameFromConnectionString(text: string): string | undefined {
  const parts = new Map<string, string>();
  for (const part of text.split(';')) {
    const i = part.indexOf('=');
    if (i > 0) parts.set(part.slice(0, i).trim().toLowerCase(), part.slice(i + 1).trim());
  }
  if (parts.get('usedevelopmentstorage')?.toLowerCase() === 'true') return 'devstoreaccount1';
  const name = parts.get('accountname');
  if (name) return name;
  const endpoint = parts.get('blobendpoint');
  return endpoint === undefined ? undefined : accountNameFromUri(endpoint);
}

/** The account name in a blob service URI: `https://<acct>.blob.<suffix>` or path-style `http://host:port/<acct>`. */
export function accountNameFromUri(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  const host = url.hostname.toLowerCase();
  if (/\.blob\./.test(host)) return host.split('.')[0];
  const first = url.pathname.split('/').find((s) => s.length > 0);
  return first;
}

/**
 * Resolves the backup storage connection from settings. Throws NonRetryableError naming the
 * setting (never its value) when none is set or a value is unusable.
 */
export function resolveBackupStorage(env: Env): BackupStorageConnection {
  // Each connection name in turn: identity-based forms first, then a connection string.
  for (const prefix of [BACKUP_CONNECTION, 'AzureWebJobsStorage']) {
    const clientId = nonEmpty(env[`${prefix}__clientId`]);
    const uri = nonEmpty(env[`${prefix}__blobServiceUri`]);
    if (uri !== undefined) {
      const accountName = accountNameFromUri(uri);
      if (accountName === undefined || !/^https?:\/\//.test(uri)) {
        throw new NonRetryableError(
          `${prefix}__blobServiceUri: must be a blob service URL such as https://<account>.blob.core.windows.net`,
          { code: 'InvalidConfiguration' },
        );
      }
      const blobServiceUri = uri.replace(/\/+$/, '');
      return {
        kind: 'identity',
        blobServiceUri,
        clientId,
        accountName,
        setting: `${prefix}__blobServiceUri`,
      };
    }
    const account = nonEmpty(env[`${prefix}__accountName`]);
    if (account !== undefined) {
      if (!/^[a-z0-9]{3,24}$/.test(account)) {
        throw new NonRetryableError(
          `${prefix}__accountName: must be a storage account name: 3-24 lower-case letters and digits`,
          {
            code: 'InvalidConfiguration',
          },
        );
      }
      const blobServiceUri = `https://${account}.blob.core.windows.net`;
      return {
        kind: 'identity',
        blobServiceUri,
        clientId,
        accountName: account,
        setting: `${prefix}__accountName`,
      };
    }
    const cs = nonEmpty(env[prefix]);
    if (cs === undefined) continue;
    const accountName = accountNameFromConnectionString(cs);
    if (accountName === undefined) {
      throw new NonRetryableError(
        `${prefix}: must be a storage connection string with AccountName or BlobEndpoint`,
        {
          code: 'InvalidConfiguration',
        },
      );
    }
    return { kind: 'connectionString', connectionString: cs, accountName, setting: prefix };
  }
  throw new NonRetryableError(
    `${BACKUP_CONNECTION}: no backup storage connection: set ${BACKUP_CONNECTION}__blobServiceUri (identity), ${BACKUP_CONNECTION} (connection string), or AzureWebJobsStorage`,
    { code: 'InvalidConfiguration' },
  );
}

/** Options for {@link createBlobServiceClient}: injected in tests and benchmarks. */
export interface BlobClientOptions {
  /** Replaces DefaultAzureCredential for identity connections. */
  credential?: TokenCredential;
}

/** Creates the SDK client for a resolved connection. */
export function createBlobServiceClient(
  connection: BackupStorageConnection,
  options: BlobClientOptions = {},
): BlobServiceClient {
  if (connection.kind === 'connectionString')
    return BlobServiceClient.fromConnectionString(connection.connectionString);
  const credential =
    options.credential ??
    new DefaultAzureCredential(
      connection.clientId === undefined ? {} : { managedIdentityClientId: connection.clientId },
    );
  return new BlobServiceClient(connection.blobServiceUri, credential);
}

const clients = new Map<string, BlobServiceClient>();

/**
 * The process-wide client for the backup connection in `env` (reused across invocations so
 * connections are kept alive; keyed by the connection so tests with several stacks do not mix).
 */
export function backupBlobService(env: Env): {
  client: BlobServiceClient;
  connection: BackupStorageConnection;
} {
  const connection = resolveBackupStorage(env);
  const key =
    connection.kind === 'connectionString'
      ? `cs:${connection.connectionString}`
      : `id:${connection.blobServiceUri}:${connection.clientId ?? ''}`;
  let client = clients.get(key);
  if (client === undefined) {
    client = createBlobServiceClient(connection);
    clients.set(key, client);
  }
  return { client, connection };
}

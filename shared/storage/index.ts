import type { TokenCredential } from '@azure/core-auth';
import type { BlobServiceClient } from '@azure/storage-blob';
import type { QueueServiceClient } from '@azure/storage-queue';
import { NonRetryableError } from '../errors';

/**
 * The Functions connection-setting convention, once for every storage connection Lifeboat uses
 * (`AzureWebJobsStorage`, `BackupStorage`, `AgentQueues`), and one process-wide client per
 * endpoint (kept alive across invocations). For a connection `<name>`, in order:
 * - identity-based: `<name>__blobServiceUri` / `<name>__queueServiceUri`, or `<name>__accountName`
 *   (public cloud), with `<name>__clientId` for a user-assigned identity, used with
 *   DefaultAzureCredential;
 * - a connection string in `<name>` (secret: never logged or echoed).
 * The next name is the fallback (`BackupStorage` → `AzureWebJobsStorage`). The SDKs load on first
 * use, not when a function file loads.
 */

export type Env = Readonly<Record<string, string | undefined>>;
export type StorageService = 'blob' | 'queue';

/** A resolved storage endpoint. */
export type StorageEndpoint =
  | {
      readonly kind: 'connectionString';
      /** Secret. */
      readonly connectionString: string;
      readonly accountName: string | undefined;
      readonly setting: string;
    }
  | {
      readonly kind: 'identity';
      readonly uri: string;
      readonly clientId: string | undefined;
      readonly accountName: string;
      readonly setting: string;
    };

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
  const endpoint = parts.get('blobendpoint') ?? parts.get('queueendpoint');
  return endpoint === undefined ? undefined : accountNameFromUri(endpoint);
}

/** The account name in a service URI: `https://<acct>.<service>.<suffix>` or path-style `http://host:port/<acct>`. */
export function accountNameFromUri(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  const host = url.hostname.toLowerCase();
  if (/\.(?:blob|queue|table|file|dfs)\./.test(host)) return host.split('.')[0];
  return url.pathname.split('/').find((s) => s.length > 0);
}

/** Whether a connection is configured for `service` under `name` (any of its forms). */
export function hasConnection(env: Env, name: string, service: StorageService): boolean {
  return (
    nonEmpty(env[name]) !== undefined ||
    nonEmpty(env[`${name}__${service}ServiceUri`]) !== undefined ||
    nonEmpty(env[`${name}__accountName`]) !== undefined
  );
}

/**
 * Resolves the first configured connection among `names` for `service`. Throws a
 * NonRetryableError `InvalidConfiguration` naming the setting (never its value) when none is set
 * or a value is unusable; `missing` is the message for none.
 */
export function resolveStorage(
  env: Env,
  names: readonly string[],
  service: StorageService,
  missing: string,
): StorageEndpoint {
  const invalid = (message: string) => new NonRetryableError(message, { code: 'InvalidConfiguration' });
  for (const name of names) {
    const clientId = nonEmpty(env[`${name}__clientId`]);
    const uriSetting = `${name}__${service}ServiceUri`;
    const uri = nonEmpty(env[uriSetting]);
    if (uri !== undefined) {
      const accountName = accountNameFromUri(uri);
      if (accountName === undefined || !/^https?:\/\//.test(uri))
        throw invalid(
          `${uriSetting}: must be a ${service} service URL such as https://<account>.${service}.core.windows.net`,
        );
      return { kind: 'identity', uri: uri.replace(/\/+$/, ''), clientId, accountName, setting: uriSetting };
    }
    const account = nonEmpty(env[`${name}__accountName`]);
    if (account !== undefined) {
      if (!/^[a-z0-9]{3,24}$/.test(account))
        throw invalid(
          `${name}__accountName: must be a storage account name: 3-24 lower-case letters and digits`,
        );
      return {
        kind: 'identity',
        uri: `https://${account}.${service}.core.windows.net`,
        clientId,
        accountName: account,
        setting: `${name}__accountName`,
      };
    }
    const cs = nonEmpty(env[name]);
    if (cs === undefined) continue;
    const accountName = accountNameFromConnectionString(cs);
    if (accountName === undefined)
      throw invalid(
        `${name}: must be a storage connection string with AccountName or ${service === 'blob' ? 'BlobEndpoint' : 'QueueEndpoint'}`,
      );
    return { kind: 'connectionString', connectionString: cs, accountName, setting: name };
  }
  throw invalid(missing);
}

// ------------------------------------------------------------------------------------------------
// Clients: one per endpoint per process, SDKs loaded on first use

const credentials = new Map<string, TokenCredential>();
const blobClients = new Map<string, Promise<BlobServiceClient>>();
const queueClients = new Map<string, Promise<QueueServiceClient>>();

function keyOf(e: StorageEndpoint): string {
  return e.kind === 'connectionString' ? `cs:${e.connectionString}` : `id:${e.uri}:${e.clientId ?? ''}`;
}

/** The process-wide DefaultAzureCredential for a (user-assigned) identity. */
export async function defaultCredential(clientId?: string): Promise<TokenCredential> {
  const key = clientId ?? '';
  let credential = credentials.get(key);
  if (credential === undefined) {
    const { DefaultAzureCredential } = await import('@azure/identity');
    credential = new DefaultAzureCredential(
      clientId === undefined ? {} : { managedIdentityClientId: clientId },
    );
    credentials.set(key, credential);
  }
  return credential;
}

/** The process-wide blob service client for an endpoint (`credential` replaces DefaultAzureCredential, for tests). */
export function blobServiceClient(
  e: StorageEndpoint,
  credential?: TokenCredential,
): Promise<BlobServiceClient> {
  const key = keyOf(e) + (credential === undefined ? '' : ':custom');
  let client = credential === undefined ? blobClients.get(key) : undefined;
  if (client === undefined) {
    client = (async () => {
      const { BlobServiceClient } = await import('@azure/storage-blob');
      return e.kind === 'connectionString'
        ? BlobServiceClient.fromConnectionString(e.connectionString)
        : new BlobServiceClient(e.uri, credential ?? (await defaultCredential(e.clientId)));
    })();
    if (credential === undefined) blobClients.set(key, client);
  }
  return client;
}

/** The process-wide queue service client for an endpoint. */
export function queueServiceClient(e: StorageEndpoint): Promise<QueueServiceClient> {
  const key = keyOf(e);
  const cached = queueClients.get(key);
  if (cached !== undefined) return cached;
  {
    const client = (async () => {
      const { QueueServiceClient } = await import('@azure/storage-queue');
      return e.kind === 'connectionString'
        ? QueueServiceClient.fromConnectionString(e.connectionString)
        : new QueueServiceClient(e.uri, await defaultCredential(e.clientId));
    })();
    queueClients.set(key, client);
    return client;
  }
}

/** The blob endpoint of the app's own storage (`AzureWebJobsStorage`): plans, alerts, relay and status records. */
export function resolveAppBlobs(env: Env): StorageEndpoint {
  return resolveStorage(
    env,
    ['AzureWebJobsStorage'],
    'blob',
    'AzureWebJobsStorage: no app storage connection for records',
  );
}

export * from './records';

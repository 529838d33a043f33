import { ApiManagementClient, type ApiManagementServiceResource } from '@azure/arm-apimanagement';
import type { TokenCredential } from '@azure/core-auth';
import type { PipelineResponse } from '@azure/core-rest-pipeline';
import { DefaultAzureCredential } from '@azure/identity';
import { z } from 'zod';
import type { Config } from '../config';
import { readArmCa } from '../config/armCa';
import { formatIssues, NonRetryableError } from '../errors';
import { completionOfText } from './completion';
import { buildManifest } from './manifest';
import { REPORT_INTERVAL, reportFilter, type ReportKind, type UsageRecord } from './reports';
import { statusOf } from '../storage';
import { classifyApimError, parseRetryAfterMs } from './errors';
import type {
  ApiSummary,
  ApimClient,
  ApimServiceInfo,
  BackupRestoreRequest,
  NamedValueSummary,
  OperationPoll,
  OperationWatch,
  ProductSummary,
} from './port';
import { parseApimResourceId, type ApimServiceId } from '../azure/resourceId';

/** Options for {@link createApimClient}. */
export interface ApimClientOptions {
  /** ARM endpoint, e.g. `https://management.azure.com` or the local emulator. */
  endpoint: string;
  credential: TokenCredential;
  /** Token scope; defaults to `<endpoint>/.default`. */
  scope?: string;
  /** Extra trusted CA (PEM) for the endpoint's TLS certificate (the local emulator's). */
  caPem?: string;
  /** SDK pipeline retries for 408/5xx/429/network (default: the SDK's 3). */
  maxRetries?: number;
  /** Time source for Retry-After dates. */
  now?: () => Date;
  /** `$top` of the list operations (items per page); default: the service's own page size. */
  listPageSize?: number;
}

// The poll token: what the SDK serialises (`poller.toString()`: absolute polling URL, no
// credential) plus which service and operation it belongs to, because `resumeFrom` still needs
// the call's resource group and service name, and what to watch when the operation cannot be
// read (optional: tokens issued before it existed stay valid).
const pollTokenSchema = z.object({
  v: z.literal(1),
  op: z.enum(['backup', 'restore']),
  service: z.string(),
  state: z.string().min(1),
  watch: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('blob'), name: z.string().min(1) }),
      z.object({ kind: z.literal('service'), resourceId: z.string().min(1) }),
    ])
    .optional(),
});
type PollToken = z.infer<typeof pollTokenSchema>;

/** The 202 that accepted a POST: where to poll and when. */
interface Accepted {
  location: string;
  /** `Azure-AsyncOperation` / `Operation-Location`, when the service sends one (APIM does not). */
  operationLocation: string | undefined;
  retryAfter: string | undefined;
}

/**
 * Implements the {@link ApimClient} port with `@azure/arm-apimanagement` 10.x. Begin calls send the
 * POST (the SDK also polls once at once) and return a token; `pollOnce` resumes the SDK poller from
 * the token and polls exactly once, so callers wait between polls with durable timers instead of
 * blocking an invocation (docs/reference/apim-backup-restore.md). When the SDK's poll after
 * an accepted POST fails, the begin still returns a token built from the 202: retrying the begin
 * would POST into Lifeboat's own running operation (issue 14, defect 4).
 */
export function createApimClient(options: ApimClientOptions): ApimClient {
  const endpoint = options.endpoint.replace(/\/+$/, '');
  const scope = options.scope ?? `${endpoint}/.default`;
  const now = options.now ?? (() => new Date());
  const clients = new Map<string, ApiManagementClient>();

  const clientFor = (subscriptionId: string) => {
    let client = clients.get(subscriptionId);
    if (!client) {
      client = new ApiManagementClient(options.credential, subscriptionId, {
        endpoint,
        credentialScopes: [scope],
        ...(options.caPem === undefined ? {} : { tlsOptions: { ca: options.caPem } }),
        ...(options.maxRetries === undefined ? {} : { retryOptions: { maxRetries: options.maxRetries } }),
      });
      clients.set(subscriptionId, client);
    }
    return client;
  };

  async function run(
    op: PollToken['op'],
    id: ApimServiceId,
    request: BackupRestoreRequest | undefined,
    resumeFrom: string | undefined,
    watch: OperationWatch | undefined,
  ): Promise<OperationPoll> {
    const service = clientFor(id.subscriptionId).apiManagementService;
    let retryAfter: string | undefined;
    let accepted: Accepted | undefined;
    // The last answer's body: the final one may say when the operation completed (completion.ts).
    let lastBody: string | null | undefined;
    const sdkOptions = {
      // Never let the SDK wait in-process: each call does one POST or one poll.
      updateIntervalInMs: 0,
      ...(resumeFrom === undefined ? {} : { resumeFrom }),
      onResponse: (raw: PipelineResponse) => {
        retryAfter = raw.headers.get('retry-after');
        lastBody = raw.status === 200 ? raw.bodyAsText : undefined;
        const location = raw.headers.get('location');
        if (raw.request.method === 'POST' && raw.status === 202 && location !== undefined && location !== '')
          accepted = {
            location,
            operationLocation:
              raw.headers.get('azure-asyncoperation') ?? raw.headers.get('operation-location'),
            retryAfter,
          };
      },
    };
    const params = request ?? { storageAccount: '', containerName: '', backupName: '' };
    const tokenOf = (state: string): string => {
      const token: PollToken = {
        v: 1,
        op,
        service: id.resourceId,
        state,
        ...(watch === undefined ? {} : { watch }),
      };
      return JSON.stringify(token);
    };
    let poller;
    try {
      poller =
        op === 'backup'
          ? await service.beginBackup(id.resourceGroup, id.serviceName, params, sdkOptions)
          : await service.beginRestore(id.resourceGroup, id.serviceName, params, sdkOptions);
    } catch (error) {
      // The POST was accepted and only the SDK's immediate poll failed: the operation runs. Its
      // outcome (a failure, a 403) shows on the caller's next poll, which resumes from this token.
      if (resumeFrom !== undefined || accepted === undefined) throw error;
      return {
        status: 'running',
        token: tokenOf(serializedStateOf(accepted)),
        retryAfterMs: parseRetryAfterMs(accepted.retryAfter, now()),
      };
    }
    if (poller.isDone()) {
      const result = poller.getResult();
      if (result === undefined)
        throw new NonRetryableError(`${op} of ${id.resourceId} finished without a service resource`, {
          code: 'UnexpectedResponse',
        });
      const completedAt = completionOfText(lastBody);
      return {
        status: 'succeeded',
        service: toServiceInfo(result, id),
        ...(completedAt === undefined ? {} : { completedAt }),
      };
    }
    return {
      status: 'running',
      token: tokenOf(poller.toString()),
      retryAfterMs: parseRetryAfterMs(retryAfter, now()),
    };
  }

  const paging = options.listPageSize === undefined ? {} : { top: options.listPageSize };

  /** Drains an SDK paged iterator (it follows `nextLink` verbatim) and maps each item. */
  async function listAll<T, R>(
    what: string,
    id: ApimServiceId,
    items: () => AsyncIterable<T>,
    map: (item: T) => R,
  ): Promise<R[]> {
    const out: R[] = [];
    try {
      for await (const item of items()) out.push(map(item));
    } catch (error) {
      throw classifyApimError(error, `Listing ${what} of ${id.resourceId}`, now());
    }
    return out;
  }

  const listApis = (id: ApimServiceId) =>
    listAll(
      'APIs',
      id,
      () => clientFor(id.subscriptionId).api.listByService(id.resourceGroup, id.serviceName, paging),
      (a): ApiSummary => ({
        name: a.name ?? '',
        apiRevision: a.apiRevision ?? '1',
        isCurrent: a.isCurrent ?? false,
        path: a.path ?? '',
        displayName: a.displayName ?? a.name ?? '',
      }),
    );
  const listProducts = (id: ApimServiceId) =>
    listAll(
      'products',
      id,
      () => clientFor(id.subscriptionId).product.listByService(id.resourceGroup, id.serviceName, paging),
      (p): ProductSummary => ({
        name: p.name ?? '',
        displayName: p.displayName ?? p.name ?? '',
        state: p.state,
      }),
    );
  const listNamedValues = (id: ApimServiceId) =>
    listAll(
      'named values',
      id,
      () => clientFor(id.subscriptionId).namedValue.listByService(id.resourceGroup, id.serviceName, paging),
      // Only name, display name and the flag are kept: a value (present for non-secret ones) is dropped here.
      (nv): NamedValueSummary => ({
        name: nv.name ?? '',
        displayName: nv.displayName ?? nv.name ?? '',
        secret: nv.secret ?? false,
      }),
    );

  const listReports = (id: ApimServiceId, kind: ReportKind, period: { from: Date; to: Date }) => {
    const reports = clientFor(id.subscriptionId).reports;
    const filter = reportFilter(period.from, period.to);
    const { resourceGroup: rg, serviceName: name } = id;
    return listAll(
      `the ${kind} report`,
      id,
      () =>
        kind === 'byApi'
          ? reports.listByApi(rg, name, filter, paging)
          : kind === 'byOperation'
            ? reports.listByOperation(rg, name, filter, paging)
            : reports.listByTime(rg, name, filter, REPORT_INTERVAL, paging),
      usageRecordOf,
    );
  };

  return {
    listApis,
    listProducts,
    listNamedValues,
    listReports,
    async readManifest(id) {
      const [apis, products, namedValues] = await Promise.all([
        listApis(id),
        listProducts(id),
        listNamedValues(id),
      ]);
      return buildManifest({ apis, products, namedValues });
    },
    async getService(id) {
      try {
        return toServiceInfo(
          await clientFor(id.subscriptionId).apiManagementService.get(id.resourceGroup, id.serviceName),
          id,
        );
      } catch (error) {
        throw classifyApimError(error, `Reading ${id.resourceId}`, now());
      }
    },
    async beginBackup(id, request) {
      try {
        return await run('backup', id, toSdkParams(request), undefined, {
          kind: 'blob',
          name: request.backupName,
        });
      } catch (error) {
        throw classifyApimError(error, `Backup of ${id.resourceId}`, now());
      }
    },
    async beginRestore(id, request) {
      try {
        return await run('restore', id, toSdkParams(request), undefined, {
          kind: 'service',
          resourceId: id.resourceId,
        });
      } catch (error) {
        throw classifyApimError(error, `Restore of ${id.resourceId}`, now());
      }
    },
    async pollOnce(tokenText) {
      const token = parsePollToken(tokenText);
      const parsed = parseApimResourceId(token.service);
      if (!parsed.ok)
        throw new NonRetryableError(`poll token: service ${parsed.error}`, { code: 'InvalidPollToken' });
      try {
        return await run(token.op, parsed.value, undefined, token.state, token.watch);
      } catch (error) {
        // May POST, may not read the operation: it still completes (apim-backup-restore.md,
        // "Errors worth handling"). The caller watches its effect instead.
        if (token.watch !== undefined && statusOf(error) === 403)
          return { status: 'unobservable', token: tokenText, watch: token.watch };
        throw classifyApimError(error, `Polling ${token.op} of ${parsed.value.resourceId}`, now());
      }
    },
  };
}

/**
 * The poller state `@azure/core-lro` 2.x would serialise (`poller.toString()`) right after this 202,
 * as its `inferLroMode` derives it: `resumeFrom` accepts it like one the SDK wrote.
 */
function serializedStateOf(a: Accepted): string {
  const config =
    a.operationLocation === undefined
      ? { metadata: { mode: 'ResourceLocation' }, operationLocation: a.location }
      : {
          metadata: { mode: 'OperationLocation' },
          operationLocation: a.operationLocation,
          resourceLocation: a.location,
        };
  return JSON.stringify({ state: { status: 'running', config } });
}

function parsePollToken(text: string): PollToken {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new NonRetryableError(
      'poll token: must be the JSON returned by beginBackup/beginRestore/pollOnce',
      { code: 'InvalidPollToken' },
    );
  }
  const result = pollTokenSchema.safeParse(raw);
  if (!result.success)
    throw new NonRetryableError(
      `poll token: ${formatIssues(result.error.issues, { root: '(token)', max: 1 })}`,
      {
        code: 'InvalidPollToken',
      },
    );
  return result.data;
}

// The JS SDK does not send accessType when it is the default (AccessKey); send what was asked.
function toSdkParams(r: BackupRestoreRequest) {
  return {
    storageAccount: r.storageAccount,
    containerName: r.containerName,
    backupName: r.backupName,
    accessType: r.accessType,
    ...(r.accessKey === undefined ? {} : { accessKey: r.accessKey }),
    ...(r.clientId === undefined ? {} : { clientId: r.clientId }),
  };
}

function toServiceInfo(r: ApiManagementServiceResource, id: ApimServiceId): ApimServiceInfo {
  return {
    resourceId: r.id ?? id.resourceId,
    name: r.name ?? id.serviceName,
    location: r.location,
    sku: { name: r.sku.name, capacity: r.sku.capacity },
    provisioningState: r.provisioningState ?? '',
    targetProvisioningState: r.targetProvisioningState ?? '',
    gatewayUrl: r.gatewayUrl,
    // ApiManagementServiceResource does not say whether workspaces exist (the port: unknown → false).
    hasWorkspaces: false,
    etag: r.etag,
  };
}

/**
 * Builds the production client from configuration (core section): the ARM endpoint, its scope,
 * an optional extra CA file, and `DefaultAzureCredential` (managed identity in Azure). A
 * credential may be injected (tests that do not go through managed identity).
 */
export function createApimClientFromConfig(
  core: Config['core'],
  credential: TokenCredential = new DefaultAzureCredential(),
): ApimClient {
  const caPem = readArmCa(core);
  return createApimClient({
    endpoint: core.armEndpoint,
    scope: core.armScope,
    credential,
    ...(caPem === undefined ? {} : { caPem }),
  });
}

/** A report record as plain JSON: strings and numbers kept, the timestamp as ISO text, the rest left out. */
function usageRecordOf(record: object): UsageRecord {
  const out: UsageRecord = {};
  for (const [key, value] of Object.entries(record)) {
    if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) out[key] = value;
    else if (value instanceof Date && !Number.isNaN(value.getTime())) out[key] = value.toISOString();
  }
  return out;
}

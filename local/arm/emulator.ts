import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { BlobServiceClient, RestError } from '@azure/storage-blob';
import { RealClock, type Clock } from '../clock';
import { createSelfSignedTls } from '../tls';
import {
  backupBlobSchema,
  createService,
  renderApi,
  renderNamedValue,
  renderProduct,
  renderServiceResource,
  serviceKey,
  serviceResourceId,
  type ApimConfiguration,
  type BackupBlob,
  type EmulatedService,
  type ServiceSpec,
} from './model';
import { errorBody, validateBackupRestoreBody, type ArmError, type BackupRestoreParams } from './validation';

/** A scripted failure for the next matching call(s). */
export type ArmFault =
  /** 409 ServiceLocked on a backup/restore POST. */
  | { kind: 'serviceLocked' }
  /** A one-off HTTP error answer (500, 503, 429...), with an optional Retry-After. */
  | { kind: 'http'; status: number; code?: string; message?: string; retryAfterSeconds?: number }
  /** The operation being polled fails for good; later polls repeat the same error. */
  | { kind: 'failOperation'; status?: number; code?: string; message?: string }
  /**
   * The next restore that succeeds leaves out one API (all its revisions): `api` by name, or the
   * first API of the backup. For verification-difference tests; `on` is ignored.
   */
  | { kind: 'dropApiOnRestore'; api?: string };

/** Which requests a fault applies to (`list`: the apis/products/namedValues list operations). */
export type FaultTarget = 'post' | 'poll' | 'get' | 'list' | 'any';

/** Scripting interface for faults. */
export interface ArmFaults {
  /** Makes the next `times` (default 1) requests of kind `on` fail with `fault`. */
  inject(fault: ArmFault, options?: { times?: number; on?: FaultTarget }): void;
  /** Scripted faults not yet used. */
  pending(): number;
  clear(): void;
}

/** Access to the emulated services, for seeding and assertions. */
export interface ArmServices {
  /** Adds (or replaces) a service; returns its ARM id. */
  add(spec: ServiceSpec): string;
  /** Changes fields of a service (e.g. provisioningState, sku, configuration). */
  update(
    resourceId: string,
    patch: Partial<Omit<ServiceSpec, 'name' | 'subscriptionId' | 'resourceGroup'>>,
  ): void;
  /** A deep copy of the service, or undefined. */
  get(resourceId: string): EmulatedService | undefined;
  /** The `ApiManagementServiceResource` JSON a GET would return. */
  resource(resourceId: string): Record<string, unknown> | undefined;
  list(): EmulatedService[];
}

/** The gateway of each service: answers the health path `/status-0123456789abcdef`. */
export interface ArmGateways {
  /** The gateway's URL (`https://127.0.0.1:{port}`, the service's `gatewayUrl`) once it listens. */
  url(resourceId: string): Promise<string>;
  /** Healthy (default): the health path answers 200; unhealthy: 503. */
  setHealthy(resourceId: string, healthy: boolean): void;
  /** How many health-path requests the service's gateway answered. */
  probes(resourceId: string): number;
}

/** Options for {@link startArmEmulator}. */
export interface ArmEmulatorOptions {
  /** Time source for operation durations and backup expiry (default: the wall clock). */
  clock?: Clock;
  /** Azurite (or any storage) connection string; backup blobs are written there. */
  storageConnectionString: string;
  /**
   * Maps the `storageAccount` name in a request to a connection string. Default: every name maps
   * to `storageConnectionString` (one Azurite account stands in for all storage accounts).
   */
  resolveStorageAccount?: (accountName: string) => string | undefined;
  /** Retry-After seconds on 202 answers (live: 60; tests: 0). */
  retryAfterSeconds?: number;
  /** How long operations take on the clock (default backup 10 min, restore 30 min). */
  durations?: { backupMs?: number; restoreMs?: number };
  /** Backups older than this are refused by restore (current docs: 30 days). */
  backupExpiryDays?: number;
  /** Services present at start. */
  services?: ServiceSpec[];
  /** The bearer token ARM accepts (default: random per start). */
  token?: string;
  /**
   * Items per page of the list operations when the request has no `$top` (and the most a `$top`
   * gets). The live default is not documented; 100 here.
   */
  listPageSize?: number;
}

/** A running emulator. */
export interface ArmEmulator {
  /** `https://127.0.0.1:{port}`: the ARM endpoint. */
  endpoint: string;
  /** The self-signed certificate to trust (tlsOptions.ca / NODE_EXTRA_CA_CERTS). */
  caPem: string;
  /** The bearer token ARM accepts (also what the identity endpoint issues). */
  token: string;
  /** App Service managed identity endpoint (IDENTITY_ENDPOINT / IDENTITY_HEADER protocol), plain http as on App Service. */
  identity: { endpoint: string; header: string };
  services: ArmServices;
  faults: ArmFaults;
  gateways: ArmGateways;
  /**
   * How long operations take on the clock; settable, read when a POST is accepted (so a test can
   * make one backup outlast the run's timeout).
   */
  durations: { backupMs: number; restoreMs: number };
  /**
   * What the final 200 of an operation poll adds to the service resource; settable. `endTime`:
   * the operation's completion time on the clock, as an ARM async-operation status would carry
   * it. Off by default, as live: APIM's final answer is the service resource alone (no completion
   * time; ../shared/reference/apim-backup-restore.md). For tests of a service that reports it.
   */
  finalAnswer: { endTime: boolean };
  /** Requests served so far, for assertions (method, path, status). */
  requests(): { method: string; path: string; status: number }[];
  stop(): Promise<void>;
}

interface Operation {
  id: string;
  kind: 'Backup' | 'Restore';
  serviceKey: string;
  apiVersion: string;
  params: BackupRestoreParams;
  dueAt: number;
  status: 'running' | 'succeeded' | 'failed';
  /** Snapshot taken when the backup was accepted (the blob reflects that moment). */
  snapshot: BackupBlob | undefined;
  finalResource: Record<string, unknown> | undefined;
  error: ArmError | undefined;
  finishing: Promise<void> | undefined;
  cancelTimer: () => void;
}

interface ScriptedFault {
  fault: ArmFault;
  on: FaultTarget | 'restoreResult';
  remaining: number;
}

interface Gateway {
  server: https.Server;
  ready: Promise<string>;
  url: string | undefined;
  healthy: boolean;
  probes: number;
}

/** The documented gateway health probe path (../shared/reference/recovery.md). */
export const GATEWAY_HEALTH_PATH = '/status-0123456789abcdef';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ROUTE =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ApiManagement\/service\/([^/]+)(?:\/(backup|restore|apis|products|namedValues|operationresults\/([^/]+)))?\/?$/i;
const LISTS = new Set(['apis', 'products', 'namedvalues']);
const NO_BACKUP_TIERS = new Set(['consumption', 'basicv2', 'standardv2', 'premiumv2']);
// Anything not settled is "transitioning": the live service answers 409 ServiceLocked then.
const SETTLED_STATES = new Set(['succeeded', 'failed']);
const MAX_BODY = 1_048_576;

/**
 * Starts a local HTTPS server answering the slice of Azure Resource Manager that Lifeboat uses for
 * API Management (GET service, POST backup/restore, operation results), with the live service's
 * long-running-operation contract and errors (../shared/reference/apim-backup-restore.md), and an
 * App Service managed identity endpoint issuing its token. See local/arm/README.md.
 */
export async function startArmEmulator(options: ArmEmulatorOptions): Promise<ArmEmulator> {
  const clock = options.clock ?? new RealClock();
  const retryAfterSeconds = options.retryAfterSeconds ?? 60;
  const durations = {
    backupMs: options.durations?.backupMs ?? 10 * 60_000,
    restoreMs: options.durations?.restoreMs ?? 30 * 60_000,
  };
  const finalAnswer = { endTime: false };
  const expiryMs = (options.backupExpiryDays ?? 30) * 86_400_000;
  const token = options.token ?? randomBytes(24).toString('base64url');
  const identityHeader = randomBytes(16).toString('hex');
  const resolveStorage = options.resolveStorageAccount ?? (() => options.storageConnectionString);
  const listPageSize = options.listPageSize ?? 100;
  if (!Number.isInteger(listPageSize) || listPageSize < 1)
    throw new RangeError('listPageSize must be a whole number of at least 1');
  const tls = await createSelfSignedTls({ commonName: 'lifeboat-arm-emulator' });
  const gateways = new Map<string, Gateway>();

  const services = new Map<string, EmulatedService>();
  const operations = new Map<string, Operation>();
  const scripted: ScriptedFault[] = [];
  const log: { method: string; path: string; status: number }[] = [];

  const keyOf = (resourceId: string) => resourceId.trim().replace(/\/+$/, '').toLowerCase();
  const mustGet = (resourceId: string) => {
    const s = services.get(keyOf(resourceId));
    if (!s) throw new RangeError(`no emulated service ${resourceId}`);
    return s;
  };

  const servicesApi: ArmServices = {
    add(spec) {
      const s = createService(spec, clock.now());
      services.set(serviceKey(s), s);
      startGateway(serviceKey(s));
      return serviceResourceId(s);
    },
    update(resourceId, patch) {
      const s = mustGet(resourceId);
      if (patch.location !== undefined) s.location = patch.location;
      if (patch.sku !== undefined)
        s.sku = { name: patch.sku.name, capacity: patch.sku.capacity ?? s.sku.capacity };
      if (patch.provisioningState !== undefined) s.provisioningState = patch.provisioningState;
      if (patch.workspaces !== undefined) s.workspaces = patch.workspaces;
      if (patch.tags !== undefined) s.tags = { ...patch.tags };
      if (patch.configuration !== undefined)
        s.configuration = { ...s.configuration, ...structuredClone(patch.configuration) };
      if (patch.identity !== undefined) {
        const fresh = createService({ name: s.name, identity: patch.identity }, clock.now()).identity;
        s.identity = { ...fresh, principalId: s.identity.principalId };
      }
      s.etagCounter++;
    },
    get: (resourceId) => {
      const s = services.get(keyOf(resourceId));
      return s === undefined ? undefined : structuredClone(s);
    },
    resource: (resourceId) => {
      const s = services.get(keyOf(resourceId));
      return s === undefined ? undefined : render(s);
    },
    list: () => [...services.values()].map((s) => structuredClone(s)),
  };
  for (const spec of options.services ?? []) servicesApi.add(spec);

  const faults: ArmFaults = {
    inject(fault, opts = {}) {
      const on =
        fault.kind === 'dropApiOnRestore'
          ? 'restoreResult'
          : (opts.on ??
            (fault.kind === 'serviceLocked' ? 'post' : fault.kind === 'failOperation' ? 'poll' : 'any'));
      scripted.push({ fault, on, remaining: opts.times ?? 1 });
    },
    pending: () => scripted.reduce((n, f) => n + f.remaining, 0),
    clear: () => {
      scripted.length = 0;
    },
  };

  function takeFault(kind: Exclude<FaultTarget, 'any'> | 'restoreResult'): ArmFault | undefined {
    const entry = scripted.find((f) => f.remaining > 0 && (f.on === kind || f.on === 'any'));
    if (!entry) return undefined;
    entry.remaining--;
    if (entry.remaining === 0) scripted.splice(scripted.indexOf(entry), 1);
    return entry.fault;
  }

  // ---- operations -------------------------------------------------------------------------

  async function finish(op: Operation): Promise<void> {
    const service = services.get(op.serviceKey);
    try {
      if (!service)
        throw new ArmFailure({
          status: 404,
          code: 'ResourceNotFound',
          message: 'The service was deleted during the operation.',
        });
      if (op.kind === 'Backup') await writeBackup(op);
      else await applyRestore(op, service);
      op.status = 'succeeded';
    } catch (error) {
      op.status = 'failed';
      op.error =
        error instanceof ArmFailure
          ? error.arm
          : { status: 500, code: 'InternalServerError', message: `The operation failed: ${String(error)}` };
    }
    if (service) {
      service.runningOperation = undefined;
      service.provisioningState = 'Succeeded';
      service.targetProvisioningState = '';
      service.etagCounter++;
      // Frozen at completion so repeated polls (a resumed poller may see it twice) are identical.
      if (op.status === 'succeeded') {
        await gateways.get(op.serviceKey)?.ready;
        op.finalResource = render(service);
      }
    }
  }

  function settle(op: Operation): Promise<void> {
    op.finishing ??= finish(op);
    return op.finishing;
  }

  async function writeBackup(op: Operation): Promise<void> {
    const container = containerClient(op.params);
    await container.createIfNotExists();
    const text = JSON.stringify(op.snapshot);
    await container.getBlockBlobClient(op.params.backupName).upload(text, Buffer.byteLength(text), {
      metadata: { createdat: op.snapshot?.createdAt ?? clock.now().toISOString() },
      blobHTTPHeaders: { blobContentType: 'application/octet-stream' },
    });
  }

  async function applyRestore(op: Operation, target: EmulatedService): Promise<void> {
    const { storageAccount, containerName, backupName } = op.params;
    const blob = containerClient(op.params).getBlobClient(backupName);
    let buffer: Buffer;
    let lastModified: Date | undefined;
    let createdAt: string | undefined;
    try {
      const props = await blob.getProperties();
      lastModified = props.lastModified;
      createdAt = props.metadata?.['createdat'];
      buffer = await blob.downloadToBuffer();
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) {
        throw restoreFailed(
          `Cannot restore: backup '${backupName}' was not found in container '${containerName}' of storage account '${storageAccount}'.`,
        );
      }
      throw error;
    }
    let parsed: BackupBlob;
    try {
      parsed = backupBlobSchema.parse(JSON.parse(buffer.toString('utf8')));
    } catch {
      throw restoreFailed('Cannot restore: the backup file is corrupt or not an API Management backup.');
    }
    // The emulator's clock may be virtual, so the blob's own time is the creation stamp the
    // emulator wrote (on the same clock); a blob written by someone else falls back to Last-Modified.
    const blobTime =
      createdAt !== undefined && !Number.isNaN(Date.parse(createdAt))
        ? Date.parse(createdAt)
        : lastModified?.getTime();
    if (blobTime !== undefined && clock.now().getTime() - blobTime > expiryMs)
      throw restoreFailed('Cannot restore: backup expired');
    if (parsed.sku.name.toLowerCase() !== target.sku.name.toLowerCase()) {
      throw restoreFailed(
        `Cannot restore: current SKU is '${target.sku.name}', backup SKU is '${parsed.sku.name}'`,
      );
    }
    const restored = structuredClone(parsed.configuration) as ApimConfiguration;
    const drop = takeFault('restoreResult');
    if (drop?.kind === 'dropApiOnRestore') {
      const name = drop.api ?? restored.apis[0]?.name.split(';rev=')[0];
      restored.apis = restored.apis.filter((a) => a.name.split(';rev=')[0] !== name);
    }
    target.configuration = restored;
  }

  // ---- gateways -----------------------------------------------------------------------------

  function render(s: EmulatedService): Record<string, unknown> {
    const url = gateways.get(serviceKey(s))?.url;
    return renderServiceResource(s, url === undefined ? {} : { gatewayUrl: url });
  }

  /** One HTTPS gateway per service on 127.0.0.1, port 0, with the emulator's certificate. */
  function startGateway(key: string): void {
    if (gateways.has(key)) return;
    const gateway: Gateway = {
      server: https.createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
        const path = (req.url ?? '/').split('?')[0];
        if (path === GATEWAY_HEALTH_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
          gateway.probes++;
          res.writeHead(gateway.healthy ? 200 : 503, { 'content-length': '0' });
          res.end();
          return;
        }
        // The gateway's answer for an operation it does not know.
        const text = JSON.stringify({ statusCode: 404, message: 'Resource not found' });
        res.writeHead(404, {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(text)),
        });
        res.end(text);
      }),
      ready: Promise.resolve(''),
      url: undefined,
      healthy: true,
      probes: 0,
    };
    gateway.ready = listen(gateway.server).then(() => {
      gateway.url = `https://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
      return gateway.url;
    });
    // A failed listen surfaces through url() and the next ARM request; never unhandled here.
    gateway.ready.catch(() => undefined);
    gateways.set(key, gateway);
  }

  const mustGateway = (resourceId: string) => {
    const g = gateways.get(keyOf(resourceId));
    if (!g) throw new RangeError(`no emulated service ${resourceId}`);
    return g;
  };
  const gatewaysApi: ArmGateways = {
    url: (resourceId) => mustGateway(resourceId).ready,
    setHealthy(resourceId, healthy) {
      mustGateway(resourceId).healthy = healthy;
    },
    probes: (resourceId) => mustGateway(resourceId).probes,
  };

  // ---- lists --------------------------------------------------------------------------------

  function parsePaging(url: URL): { top: number; skip: number } | ArmError {
    const read = (name: '$top' | '$skip', min: number): number | ArmError | undefined => {
      const text = url.searchParams.get(name);
      if (text === null) return undefined;
      const n = Number(text);
      if (text.trim() === '' || !Number.isInteger(n) || n < min)
        return {
          status: 400,
          code: 'ValidationError',
          message: `'${name}' must be a whole number of at least ${min}.`,
        };
      return n;
    };
    const top = read('$top', 1);
    const skip = read('$skip', 0);
    if (typeof top === 'object') return top;
    if (typeof skip === 'object') return skip;
    return { top: Math.min(top ?? listPageSize, listPageSize), skip: skip ?? 0 };
  }

  /**
   * A page of a collection as ARM lists it: `{ value, count, nextLink? }`. The next page's link
   * is absolute and carries the api-version (the SDK GETs it verbatim) with `$top`/`$skip`.
   */
  function listPage(
    s: EmulatedService,
    list: string,
    url: URL,
    apiVersion: string,
  ): { status: 200; body: unknown } | ArmError {
    const paging = parsePaging(url);
    if ('code' in paging) return paging;
    const items =
      list === 'apis'
        ? s.configuration.apis.map((a) => renderApi(s, a))
        : list === 'products'
          ? s.configuration.products.map((p) => renderProduct(s, p))
          : s.configuration.namedValues.map((nv) => renderNamedValue(s, nv));
    const { top, skip } = paging;
    const value = items.slice(skip, skip + top);
    const next = skip + top;
    const nextLink =
      next < items.length
        ? `${endpoint}${url.pathname}?api-version=${encodeURIComponent(apiVersion)}&%24top=${top}&%24skip=${next}`
        : undefined;
    return {
      status: 200,
      body: { value, count: items.length, ...(nextLink === undefined ? {} : { nextLink }) },
    };
  }

  function containerClient(params: BackupRestoreParams) {
    const conn = resolveStorage(params.storageAccount);
    if (conn === undefined) {
      throw new ArmFailure({
        status: 400,
        code: 'InvalidParameters',
        message: `Invalid parameter: storage account '${params.storageAccount}' was not found.\r\nParameter name: backupStorageAccount`,
      });
    }
    return BlobServiceClient.fromConnectionString(conn).getContainerClient(params.containerName);
  }

  // ---- HTTP ---------------------------------------------------------------------------------

  function send(
    res: ServerResponse,
    status: number,
    body?: unknown,
    headers: Record<string, string> = {},
  ): void {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      ...headers,
      'x-ms-request-id': randomBytes(8).toString('hex'),
      ...(body === undefined
        ? { 'content-length': '0' }
        : {
            'content-type': 'application/json; charset=utf-8',
            'content-length': String(Buffer.byteLength(text)),
          }),
    });
    res.end(text);
  }

  function sendError(res: ServerResponse, e: ArmError, headers: Record<string, string> = {}): void {
    send(res, e.status, errorBody(e), headers);
  }

  function faultAnswer(res: ServerResponse, fault: ArmFault, service: string): boolean {
    if (fault.kind === 'serviceLocked') {
      sendError(res, lockedError(service));
      return true;
    }
    if (fault.kind === 'http') {
      const code =
        fault.code ??
        (fault.status === 503
          ? 'ServiceUnavailable'
          : fault.status === 429
            ? 'TooManyRequests'
            : 'InternalServerError');
      sendError(
        res,
        { status: fault.status, code, message: fault.message ?? `Injected fault: ${code}.` },
        fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) },
      );
      return true;
    }
    return false;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const auth = req.headers.authorization;
    if (!auth?.startsWith('Bearer ')) {
      sendError(res, {
        status: 401,
        code: 'AuthenticationFailed',
        message: "Authentication failed. The 'Authorization' header is missing.",
      });
      return;
    }
    if (auth.slice('Bearer '.length).trim() !== token) {
      sendError(res, {
        status: 401,
        code: 'InvalidAuthenticationToken',
        message: 'The access token is invalid.',
      });
      return;
    }
    const apiVersion = url.searchParams.get('api-version');
    if (!apiVersion) {
      sendError(res, {
        status: 400,
        code: 'MissingApiVersionParameter',
        message: 'The api-version query parameter (?api-version=) is required for all requests.',
      });
      return;
    }
    const m = ROUTE.exec(url.pathname);
    if (!m) {
      sendError(res, {
        status: 404,
        code: 'NotFound',
        message: `The emulator does not serve ${method} ${url.pathname}.`,
      });
      return;
    }
    const [, sub = '', rg = '', name = '', action, opId] = m;
    if (!UUID.test(sub)) {
      sendError(res, {
        status: 400,
        code: 'InvalidSubscriptionId',
        message: `The provided subscription identifier '${sub}' is malformed or invalid.`,
      });
      return;
    }
    const key = serviceKey({ subscriptionId: sub.toLowerCase(), resourceGroup: rg, name });
    const service = services.get(key);
    const notFound: ArmError = {
      status: 404,
      code: 'ResourceNotFound',
      message: `The Resource 'Microsoft.ApiManagement/service/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    };

    if (action === undefined) {
      if (method !== 'GET') {
        sendError(res, {
          status: 405,
          code: 'MethodNotAllowed',
          message: `The emulator serves only GET on a service, not ${method}.`,
        });
        return;
      }
      const fault = takeFault('get');
      if (fault && faultAnswer(res, fault, name)) return;
      if (!service) sendError(res, notFound);
      else {
        await gateways.get(key)?.ready;
        send(res, 200, render(service));
      }
      return;
    }

    if (LISTS.has(action.toLowerCase())) {
      if (method !== 'GET') {
        sendError(res, {
          status: 405,
          code: 'MethodNotAllowed',
          message: `The emulator serves only GET on ${action}, not ${method}.`,
        });
        return;
      }
      const fault = takeFault('list');
      if (fault && faultAnswer(res, fault, name)) return;
      if (!service) {
        sendError(res, notFound);
        return;
      }
      const page = listPage(service, action.toLowerCase(), url, apiVersion);
      if ('body' in page) send(res, 200, page.body);
      else sendError(res, page);
      return;
    }

    if (opId !== undefined) {
      if (method !== 'GET') {
        sendError(res, {
          status: 405,
          code: 'MethodNotAllowed',
          message: 'Operation results are read with GET.',
        });
        return;
      }
      await answerPoll(res, opId, key, apiVersion, url.pathname, name);
      return;
    }

    if (method !== 'POST') {
      sendError(res, { status: 405, code: 'MethodNotAllowed', message: `${action} is a POST.` });
      return;
    }
    const text = await readBody(req);
    if (text === undefined) {
      sendError(res, {
        status: 413,
        code: 'RequestEntityTooLarge',
        message: 'The request body is too large.',
      });
      return;
    }
    const fault = takeFault('post');
    if (fault && faultAnswer(res, fault, name)) return;
    if (!service) {
      sendError(res, notFound);
      return;
    }
    let raw: unknown;
    try {
      raw = text.length === 0 ? undefined : JSON.parse(text);
    } catch {
      sendError(res, {
        status: 400,
        code: 'InvalidRequestContent',
        message: 'The request content was invalid and could not be deserialized.',
      });
      return;
    }
    const kind = action.toLowerCase() === 'backup' ? 'Backup' : 'Restore';
    const tier = service.sku.name;
    if (NO_BACKUP_TIERS.has(tier.toLowerCase())) {
      sendError(res, {
        status: 400,
        code: 'MethodNotAllowedInPricingTier',
        message: `${kind} is not supported in the '${tier}' pricing tier.`,
      });
      return;
    }
    if (service.workspaces) {
      sendError(res, {
        status: 400,
        code: 'MethodNotAllowedInPricingTier',
        message: `${kind} is not supported for a service with workspaces.`,
      });
      return;
    }
    const validated = validateBackupRestoreBody(raw, service, apiVersion);
    if (!validated.ok) {
      sendError(res, validated.error);
      return;
    }
    if (
      service.runningOperation !== undefined ||
      !SETTLED_STATES.has(service.provisioningState.toLowerCase())
    ) {
      sendError(res, lockedError(service.name));
      return;
    }
    const id = Buffer.from(
      `${service.location.toLowerCase().replace(/\s+/g, '')}_${service.name}_${kind}_${randomBytes(8).toString('hex')}`,
    ).toString('base64');
    const startedAt = clock.now();
    const { backupMs, restoreMs } = durations;
    const op: Operation = {
      id,
      kind,
      serviceKey: key,
      apiVersion,
      params: validated.value,
      dueAt: startedAt.getTime() + (kind === 'Backup' ? backupMs : restoreMs),
      status: 'running',
      snapshot:
        kind === 'Backup'
          ? {
              format: 'lifeboat-arm-emulator/apim-backup/1',
              service: { id: serviceResourceId(service), name: service.name, location: service.location },
              sku: { ...service.sku },
              createdAt: new Date(startedAt.getTime() + backupMs).toISOString(),
              configuration: structuredClone(service.configuration),
            }
          : undefined,
      finalResource: undefined,
      error: undefined,
      finishing: undefined,
      cancelTimer: () => undefined,
    };
    operations.set(id, op);
    service.runningOperation = id;
    service.provisioningState = 'Updating';
    service.targetProvisioningState = 'Succeeded';
    service.etagCounter++;
    op.cancelTimer = clock.schedule(new Date(op.dueAt), () => {
      void settle(op);
    });
    send(
      res,
      202,
      undefined,
      pollHeaders(url.pathname.replace(/\/(?:backup|restore)\/?$/i, ''), id, apiVersion),
    );
  }

  function pollHeaders(servicePath: string, id: string, apiVersion: string): Record<string, string> {
    return {
      location: `${endpoint}${servicePath}/operationresults/${encodeURIComponent(id)}?api-version=${encodeURIComponent(apiVersion)}`,
      'retry-after': String(retryAfterSeconds),
    };
  }

  async function answerPoll(
    res: ServerResponse,
    rawId: string,
    key: string,
    apiVersion: string,
    pathname: string,
    name: string,
  ): Promise<void> {
    const id = decodeURIComponent(rawId);
    const op = operations.get(id);
    if (!op || op.serviceKey !== key) {
      sendError(res, {
        status: 404,
        code: 'ResourceNotFound',
        message: `The operation '${id}' was not found.`,
      });
      return;
    }
    const fault = takeFault('poll');
    if (fault?.kind === 'failOperation' && op.status === 'running') {
      op.cancelTimer();
      op.finishing ??= Promise.resolve();
      op.status = 'failed';
      op.error = {
        status: fault.status ?? 500,
        code: fault.code ?? `${op.kind}Failed`,
        message: fault.message ?? `The ${op.kind.toLowerCase()} operation failed.`,
      };
      const service = services.get(op.serviceKey);
      if (service) {
        service.runningOperation = undefined;
        service.provisioningState = 'Succeeded';
        service.targetProvisioningState = '';
        service.etagCounter++;
      }
    } else if (fault && faultAnswer(res, fault, name)) {
      return;
    }
    // Due but its completion callback has not finished the storage work yet: finish it now, so a
    // poll after the clock passed the due time always sees the final state.
    if (op.status === 'running' && clock.now().getTime() >= op.dueAt) await settle(op);
    if (op.status === 'running') {
      send(
        res,
        202,
        undefined,
        pollHeaders(pathname.replace(/\/operationresults\/[^/]+\/?$/i, ''), id, apiVersion),
      );
    } else if (op.status === 'failed' && op.error) {
      sendError(res, op.error);
    } else {
      send(
        res,
        200,
        finalAnswer.endTime
          ? { ...op.finalResource, endTime: new Date(op.dueAt).toISOString() }
          : op.finalResource,
      );
    }
  }

  // ---- servers ------------------------------------------------------------------------------

  const server = https.createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    handle(req, res)
      .catch((error: unknown) => {
        if (!res.headersSent)
          sendError(res, {
            status: 500,
            code: 'InternalServerError',
            message: `Emulator error: ${String(error)}`,
          });
      })
      .finally(() => {
        log.push({
          method: req.method ?? '',
          path: (req.url ?? '').split('?')[0] ?? '',
          status: res.statusCode,
        });
      });
  });
  const identityServer = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.headers['x-identity-header'] !== identityHeader) {
      send(res, 401, {
        error: 'invalid_request',
        error_description: 'X-IDENTITY-HEADER is missing or wrong.',
      });
      return;
    }
    const resource = url.searchParams.get('resource');
    if (!resource) {
      send(res, 400, { error: 'invalid_request', error_description: 'resource is required.' });
      return;
    }
    // Token lifetime uses the wall clock: the SDK's token cache does, whatever the emulator's clock.
    const expiresOn = Math.floor(Date.now() / 1000) + 24 * 3600;
    send(res, 200, {
      access_token: token,
      expires_on: String(expiresOn),
      resource,
      token_type: 'Bearer',
      client_id: '00000000-0000-0000-0000-0000000000aa',
    });
  });
  await Promise.all([listen(server), listen(identityServer)]);
  const endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const identityEndpoint = `http://127.0.0.1:${(identityServer.address() as AddressInfo).port}/msi/token`;

  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    caPem: tls.certPem,
    token,
    identity: { endpoint: identityEndpoint, header: identityHeader },
    services: servicesApi,
    faults,
    gateways: gatewaysApi,
    durations,
    finalAnswer,
    requests: () => log.map((r) => ({ ...r })),
    stop() {
      stopping ??= (async () => {
        for (const op of operations.values()) op.cancelTimer();
        await Promise.all([
          close(server),
          close(identityServer),
          ...[...gateways.values()].map((g) =>
            g.ready.then(
              () => close(g.server),
              () => undefined,
            ),
          ),
        ]);
        // Let storage work already under way end before callers stop Azurite.
        await Promise.allSettled(
          [...operations.values()].flatMap((op) => (op.finishing ? [op.finishing] : [])),
        );
      })();
      return stopping;
    },
  };
}

function lockedError(name: string): ArmError {
  return {
    status: 409,
    code: 'ServiceLocked',
    message: `The API Service ${name} is transitioning at this time. Please try the request again later.`,
  };
}

/** An operation failure carrying the ARM error its poll answers with. */
class ArmFailure extends Error {
  constructor(readonly arm: ArmError) {
    super(arm.message);
  }
}

function restoreFailed(message: string): ArmFailure {
  return new ArmFailure({ status: 400, code: 'RestoreFailed', message });
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_BODY ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function listen(server: http.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

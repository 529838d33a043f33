import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * The small slice of an APIM service's configuration the emulator keeps, lists, backs up and
 * restores. Optional fields take the defaults the list operations render (see `renderApi`,
 * `renderProduct`, `renderNamedValue`), so a seed stays short.
 */
export interface ApimConfiguration {
  /**
   * APIs, one entry per revision. A revision that is not current is listed as `name;rev=N`, as
   * ARM names it (docs/reference/recovery.md); `apiRevision` defaults to "1", `isCurrent` to true.
   */
  apis: {
    name: string;
    path: string;
    displayName?: string;
    apiRevision?: string;
    isCurrent?: boolean;
    serviceUrl?: string;
  }[];
  /** Products; `state` defaults to "published", `subscriptionRequired` to true. */
  products: { name: string; displayName?: string; state?: string; subscriptionRequired?: boolean }[];
  /**
   * Named values. A `secret` one is listed without its value (as live); its value is still copied
   * by backup/restore, as the real blob holds it.
   */
  namedValues: { name: string; displayName?: string; value?: string; secret?: boolean; tags?: string[] }[];
}

export const apimConfigurationSchema = z.object({
  apis: z.array(
    z.object({
      name: z.string(),
      path: z.string(),
      displayName: z.string().optional(),
      apiRevision: z.string().optional(),
      isCurrent: z.boolean().optional(),
      serviceUrl: z.string().optional(),
    }),
  ),
  products: z.array(
    z.object({
      name: z.string(),
      displayName: z.string().optional(),
      state: z.string().optional(),
      subscriptionRequired: z.boolean().optional(),
    }),
  ),
  namedValues: z.array(
    z.object({
      name: z.string(),
      displayName: z.string().optional(),
      value: z.string().optional(),
      secret: z.boolean().optional(),
      tags: z.array(z.string()).optional(),
    }),
  ),
});

/** How a test describes a service to seed or add. Everything but the name has a default. */
export interface ServiceSpec {
  subscriptionId?: string;
  resourceGroup?: string;
  name: string;
  /** Display name of the region as ARM reports it, e.g. "West Europe". */
  location?: string;
  sku?: { name: string; capacity?: number };
  /** System-assigned identity on/off and user-assigned identities keyed by their ARM id. */
  identity?: {
    systemAssigned?: boolean;
    userAssigned?: Record<string, { clientId: string; principalId?: string }>;
  };
  provisioningState?: string;
  /** Workspace-enabled services refuse backup/restore. */
  workspaces?: boolean;
  configuration?: Partial<ApimConfiguration>;
  tags?: Record<string, string>;
  publisherEmail?: string;
  publisherName?: string;
  /** Premium multi-region: extra regions (display names) with their unit count. */
  additionalLocations?: { location: string; capacity?: number }[];
  /** Gateway traffic the usage reports aggregate (`reports/byApi|byOperation|byTime`). */
  usage?: UsageCall[];
}

/**
 * Calls through the gateway, as the reports see them: `count` calls to `api`'s `operation` at
 * `at` (ISO), of which `failed` and `blocked` (the rest succeeded), with `bandwidth` bytes and an
 * API time in ms. Not backed up or restored: usage analytics are not in backups (the documentation's
 * "what is not backed up"), which is why Lifeboat exports them.
 */
export interface UsageCall {
  at: string;
  api: string;
  operation: string;
  count: number;
  failed?: number;
  blocked?: number;
  bandwidth?: number;
  apiTimeMs?: number;
}

/** A service as the emulator holds it. Returned to tests as a deep copy. */
export interface EmulatedService {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  sku: { name: string; capacity: number };
  identity: {
    systemAssigned: boolean;
    principalId: string;
    tenantId: string;
    userAssigned: Record<string, { clientId: string; principalId: string }>;
  };
  provisioningState: string;
  targetProvisioningState: string;
  workspaces: boolean;
  configuration: ApimConfiguration;
  tags: Record<string, string>;
  publisherEmail: string;
  publisherName: string;
  createdAtUtc: string;
  additionalLocations: { location: string; capacity: number }[];
  etagCounter: number;
  /** The id of the backup/restore running on it, if any. */
  runningOperation: string | undefined;
  /** Gateway traffic the reports aggregate (never in a backup). */
  usage: UsageCall[];
}

export const DEFAULT_SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';
export const DEFAULT_RESOURCE_GROUP = 'rg1';
const TENANT = '00000000-86f1-0000-91ab-2d7cd011db47';

/** `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ApiManagement/service/{name}`. */
export function serviceResourceId(s: {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}): string {
  return `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroup}/providers/Microsoft.ApiManagement/service/${s.name}`;
}

/** ARM ids are case-insensitive: the emulator keys services by the lower-cased id. */
export function serviceKey(s: { subscriptionId: string; resourceGroup: string; name: string }): string {
  return serviceResourceId(s).toLowerCase();
}

/** The map key of a service from its ARM id (trimmed, no trailing slash, lower case). */
export const serviceKeyOf = (resourceId: string): string =>
  resourceId.trim().replace(/\/+$/, '').toLowerCase();

function guidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Fills defaults so every service looks like one ARM would return. */
export function createService(spec: ServiceSpec, now: Date): EmulatedService {
  const subscriptionId = (spec.subscriptionId ?? DEFAULT_SUBSCRIPTION).toLowerCase();
  const resourceGroup = spec.resourceGroup ?? DEFAULT_RESOURCE_GROUP;
  const userAssigned: EmulatedService['identity']['userAssigned'] = {};
  for (const [id, ua] of Object.entries(spec.identity?.userAssigned ?? {})) {
    userAssigned[id] = { clientId: ua.clientId, principalId: ua.principalId ?? guidFrom(`principal:${id}`) };
  }
  return {
    subscriptionId,
    resourceGroup,
    name: spec.name,
    location: spec.location ?? 'West Europe',
    sku: { name: spec.sku?.name ?? 'Developer', capacity: spec.sku?.capacity ?? 1 },
    identity: {
      systemAssigned: spec.identity?.systemAssigned ?? false,
      principalId: guidFrom(`system:${subscriptionId}/${resourceGroup}/${spec.name}`),
      tenantId: TENANT,
      userAssigned,
    },
    provisioningState: spec.provisioningState ?? 'Succeeded',
    targetProvisioningState: '',
    workspaces: spec.workspaces ?? false,
    usage: structuredClone(spec.usage ?? []),
    configuration: {
      apis: structuredClone(spec.configuration?.apis ?? []),
      products: structuredClone(spec.configuration?.products ?? []),
      namedValues: structuredClone(spec.configuration?.namedValues ?? []),
    },
    tags: { ...(spec.tags ?? {}) },
    publisherEmail: spec.publisherEmail ?? `${spec.name}@contoso.com`,
    publisherName: spec.publisherName ?? 'Contoso',
    createdAtUtc: now.toISOString(),
    additionalLocations: (spec.additionalLocations ?? []).map((l) => ({
      location: l.location,
      capacity: l.capacity ?? 1,
    })),
    etagCounter: 1,
    runningOperation: undefined,
  };
}

function etag(s: EmulatedService): string {
  // ARM etags for APIM look like base64 of a small counter ("AAAAAAAQM8o=").
  const buf = Buffer.alloc(8);
  buf.writeBigUInt64BE(BigInt(s.etagCounter));
  return buf.toString('base64');
}

function identityType(s: EmulatedService): string {
  const ua = Object.keys(s.identity.userAssigned).length > 0;
  if (s.identity.systemAssigned && ua) return 'SystemAssigned, UserAssigned';
  if (s.identity.systemAssigned) return 'SystemAssigned';
  if (ua) return 'UserAssigned';
  return 'None';
}

const V2_TIERS = new Set(['basicv2', 'standardv2', 'premiumv2']);

/**
 * Renders `ApiManagementServiceResource` in the shape of the conformance examples' 200 bodies.
 * `gatewayUrl` is the service's local gateway when it runs (`https://127.0.0.1:{port}`).
 */
export function renderServiceResource(
  s: EmulatedService,
  options: { gatewayUrl?: string } = {},
): Record<string, unknown> {
  const host = s.name.toLowerCase();
  const region = s.location.toLowerCase().replace(/\s+/g, '');
  const v2 = V2_TIERS.has(s.sku.name.toLowerCase());
  const identity: Record<string, unknown> = { type: identityType(s) };
  if (s.identity.systemAssigned) {
    identity['principalId'] = s.identity.principalId;
    identity['tenantId'] = s.identity.tenantId;
  }
  if (Object.keys(s.identity.userAssigned).length > 0)
    identity['userAssignedIdentities'] = structuredClone(s.identity.userAssigned);
  return {
    id: serviceResourceId(s),
    name: s.name,
    type: 'Microsoft.ApiManagement/service',
    tags: { ...s.tags },
    location: s.location,
    etag: etag(s),
    properties: {
      publisherEmail: s.publisherEmail,
      publisherName: s.publisherName,
      notificationSenderEmail: 'apimgmt-noreply@mail.windowsazure.com',
      provisioningState: s.provisioningState,
      targetProvisioningState: s.targetProvisioningState,
      createdAtUtc: s.createdAtUtc,
      gatewayUrl: options.gatewayUrl ?? `https://${host}.azure-api.net`,
      ...(v2 ? {} : { gatewayRegionalUrl: `https://${host}-${region}-01.regional.azure-api.net` }),
      ...(v2 ? {} : { portalUrl: `https://${host}.portal.azure-api.net` }),
      developerPortalUrl: `https://${host}.developer.azure-api.net`,
      ...(v2
        ? {}
        : {
            managementApiUrl: `https://${host}.management.azure-api.net`,
            scmUrl: `https://${host}.scm.azure-api.net`,
          }),
      hostnameConfigurations: [
        {
          type: 'Proxy',
          hostName: `${host}.azure-api.net`,
          negotiateClientCertificate: false,
          defaultSslBinding: true,
          certificateSource: 'BuiltIn',
        },
      ],
      publicIPAddresses: v2 ? [] : ['20.0.0.1'],
      ...(s.additionalLocations.length === 0
        ? {}
        : {
            additionalLocations: s.additionalLocations.map((l) => ({
              location: l.location,
              sku: { name: s.sku.name, capacity: l.capacity },
              publicIPAddresses: ['20.0.0.2'],
              gatewayRegionalUrl: `https://${host}-${l.location.toLowerCase().replace(/\s+/g, '')}-01.regional.azure-api.net`,
              disableGateway: false,
            })),
          }),
      apiVersionConstraint: { minApiVersion: '2019-01-01' },
      customProperties: {
        'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls10': 'False',
        'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls11': 'False',
        'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Ssl30': 'False',
      },
      virtualNetworkType: 'None',
      disableGateway: false,
      publicNetworkAccess: 'Enabled',
      platformVersion: v2 ? 'mtv1' : 'stv2',
    },
    sku: { name: s.sku.name, capacity: s.sku.capacity },
    // ARM omits `identity` for a service without one.
    ...(identity['type'] === 'None' ? {} : { identity }),
    systemData: {
      lastModifiedBy: 'lifeboat-emulator',
      lastModifiedByType: 'Application',
      lastModifiedAt: s.createdAtUtc,
    },
  };
}

/** The backup blob's content (the real format is undocumented; this one is opaque JSON). */
export const backupBlobSchema = z.object({
  format: z.literal('lifeboat-arm-emulator/apim-backup/1'),
  service: z.object({ id: z.string(), name: z.string(), location: z.string() }),
  sku: z.object({ name: z.string(), capacity: z.number() }),
  createdAt: z.string(),
  configuration: apimConfigurationSchema,
});
export type BackupBlob = z.infer<typeof backupBlobSchema>;

type Api = ApimConfiguration['apis'][number];
type Product = ApimConfiguration['products'][number];
type NamedValue = ApimConfiguration['namedValues'][number];

/** The ARM name of an API revision: `name` when current, `name;rev=N` otherwise (unless already so). */
export function apiArmName(api: Api): string {
  if (api.isCurrent !== false || api.name.includes(';rev=')) return api.name;
  return `${api.name};rev=${api.apiRevision ?? '1'}`;
}

/**
 * An item of `GET {service}/apis`, shaped like ApiManagementListApis.json (2024-05-01 examples of
 * Azure/azure-rest-api-specs): `{ id, type, name, properties: { displayName, apiRevision,
 * serviceUrl?, path, protocols, isCurrent } }`.
 */
export function renderApi(s: EmulatedService, api: Api): Record<string, unknown> {
  const name = apiArmName(api);
  return {
    id: `${serviceResourceId(s)}/apis/${name}`,
    type: 'Microsoft.ApiManagement/service/apis',
    name,
    properties: {
      displayName: api.displayName ?? api.name,
      apiRevision: api.apiRevision ?? '1',
      ...(api.serviceUrl === undefined ? {} : { serviceUrl: api.serviceUrl }),
      path: api.path,
      protocols: ['https'],
      isCurrent: api.isCurrent ?? true,
    },
  };
}

/**
 * An item of `GET {service}/products`, shaped like ApiManagementListProducts.json: `{ id, type,
 * name, properties: { displayName, subscriptionRequired, state } }`.
 */
export function renderProduct(s: EmulatedService, product: Product): Record<string, unknown> {
  return {
    id: `${serviceResourceId(s)}/products/${product.name}`,
    type: 'Microsoft.ApiManagement/service/products',
    name: product.name,
    properties: {
      displayName: product.displayName ?? product.name,
      subscriptionRequired: product.subscriptionRequired ?? true,
      state: product.state ?? 'published',
    },
  };
}

/**
 * An item of `GET {service}/namedValues`, shaped like ApiManagementListNamedValues.json: `{ id,
 * type, name, properties: { displayName, value?, tags?, secret } }`. A secret named value has no
 * `value` (reading it needs `listValue`), as live.
 */
export function renderNamedValue(s: EmulatedService, nv: NamedValue): Record<string, unknown> {
  const secret = nv.secret ?? false;
  return {
    id: `${serviceResourceId(s)}/namedValues/${nv.name}`,
    type: 'Microsoft.ApiManagement/service/namedValues',
    name: nv.name,
    properties: {
      displayName: nv.displayName ?? nv.name,
      ...(secret || nv.value === undefined ? {} : { value: nv.value }),
      ...(nv.tags === undefined ? {} : { tags: [...nv.tags] }),
      secret,
    },
  };
}

import type { TokenCredential } from '@azure/core-auth';
import type { CdnManagementClient } from '@azure/arm-cdn';
import type { TrafficManagerManagementClient } from '@azure/arm-trafficmanager';
import type { Config } from '../config';
import { readArmCa } from '../config/armCa';
import { NonRetryableError } from '../errors';
import { classifyApimError } from '../apim/errors';
import type { RoutingChange, RoutingEntry, RoutingSnapshot, TrafficTarget } from './contracts';
import type { FrontDoorEndpoint, TrafficRouting } from './port';

/**
 * The {@link TrafficRouting} port over `@azure/arm-cdn` 9.x (Front Door Standard/Premium:
 * `afdOrigins.listByOriginGroup`, `afdOrigins.beginUpdate`, `afdEndpoints.listByProfile`,
 * `routes.listByEndpoint`, api-version 2024-02-01) and
 * `@azure/arm-trafficmanager` 6.x (`profiles.get`, `endpoints.update`, api-version 2022-04-01).
 * Each SDK loads on first use (like shared/apim/client.ts), so a plan without a traffic step never
 * loads it. Errors are classified once (HTTP 408/429/5xx and no answer: transient; else not).
 * Tolerant reads: every property the services may leave out is optional here.
 */

export interface TrafficClientOptions {
  endpoint: string;
  scope: string;
  credential: TokenCredential;
  caPem?: string;
  maxRetries?: number;
}

/** `/subscriptions/{sub}/resourceGroups/{rg}/providers/{type}/{name}` → its parts. */
export function parseProfileId(id: string): { subscriptionId: string; resourceGroup: string; name: string } {
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/[^/]+\/[^/]+\/([^/]+)$/i.exec(
    id.trim(),
  );
  if (m === null)
    throw new NonRetryableError(`${id} is not a profile's ARM id`, { code: 'InvalidProfileId' });
  return { subscriptionId: m[1] ?? '', resourceGroup: m[2] ?? '', name: m[3] ?? '' };
}

export function createTrafficClient(options: TrafficClientOptions): TrafficRouting {
  const endpoint = options.endpoint.replace(/\/+$/, '');
  const clientOptions = {
    endpoint,
    credentialScopes: [options.scope],
    ...(options.caPem === undefined ? {} : { tlsOptions: { ca: options.caPem } }),
    ...(options.maxRetries === undefined ? {} : { retryOptions: { maxRetries: options.maxRetries } }),
  };
  const cdn = new Map<string, Promise<CdnManagementClient>>();
  const tm = new Map<string, Promise<TrafficManagerManagementClient>>();
  const cdnFor = (sub: string) => {
    let c = cdn.get(sub);
    if (c === undefined) {
      c = import('@azure/arm-cdn').then(
        (m) => new m.CdnManagementClient(options.credential, sub, clientOptions),
      );
      cdn.set(sub, c);
    }
    return c;
  };
  const tmFor = (sub: string) => {
    let c = tm.get(sub);
    if (c === undefined) {
      c = import('@azure/arm-trafficmanager').then(
        (m) => new m.TrafficManagerManagementClient(options.credential, sub, clientOptions),
      );
      tm.set(sub, c);
    }
    return c;
  };

  async function guarded<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (error) {
      throw classifyApimError(error, what);
    }
  }

  return {
    async frontDoorEndpoints(target) {
      const p = parseProfileId(target.profile);
      const client = await cdnFor(p.subscriptionId);
      return guarded(`reading the endpoints of ${p.name}`, async () => {
        const out: FrontDoorEndpoint[] = [];
        for await (const e of client.afdEndpoints.listByProfile(p.resourceGroup, p.name)) {
          const name = e.name ?? '';
          const routes: FrontDoorEndpoint['routes'] = [];
          for await (const r of client.routes.listByEndpoint(p.resourceGroup, p.name, name))
            if ((r.enabledState ?? 'Enabled') === 'Enabled' && r.originGroup?.id !== undefined)
              routes.push({
                originGroup: r.originGroup.id.split('/').at(-1) ?? '',
                // The service's default when a route names none.
                patternsToMatch: r.patternsToMatch ?? ['/*'],
              });
          out.push({
            name,
            hostName: e.hostName ?? '',
            enabled: (e.enabledState ?? 'Enabled') === 'Enabled',
            routes,
          });
        }
        return out;
      });
    },

    async read(target, now) {
      const p = parseProfileId(target.profile);
      if (target.provider === 'frontDoor') {
        const client = await cdnFor(p.subscriptionId);
        const entries: RoutingEntry[] = await guarded(
          `reading origins of ${p.name}/${target.originGroup}`,
          async () => {
            const out: RoutingEntry[] = [];
            for await (const o of client.afdOrigins.listByOriginGroup(
              p.resourceGroup,
              p.name,
              target.originGroup,
            ))
              out.push({
                name: o.name ?? '',
                enabled: (o.enabledState ?? 'Enabled') === 'Enabled',
                ...(o.priority === undefined ? {} : { priority: o.priority }),
                ...(o.weight === undefined ? {} : { weight: o.weight }),
                ...(o.hostName === undefined ? {} : { hostName: o.hostName }),
                ...(o.httpsPort === undefined ? {} : { httpsPort: o.httpsPort }),
                ...(o.provisioningState === undefined ? {} : { provisioningState: o.provisioningState }),
                ...(o.deploymentStatus === undefined ? {} : { deploymentStatus: o.deploymentStatus }),
              });
            return out;
          },
        );
        return snapshot(target, target.originGroup, entries, now);
      }
      const client = await tmFor(p.subscriptionId);
      const profile = await guarded(`reading Traffic Manager profile ${p.name}`, () =>
        client.profiles.get(p.resourceGroup, p.name),
      );
      if (profile.trafficRoutingMethod !== undefined && profile.trafficRoutingMethod !== 'Priority')
        throw new NonRetryableError(
          `Traffic Manager profile ${p.name} routes by ${profile.trafficRoutingMethod}, not Priority: a failover switch needs priority routing`,
          { code: 'NotPriorityRouting' },
        );
      const type = `Microsoft.Network/trafficManagerProfiles/${target.endpointType}`.toLowerCase();
      const entries: RoutingEntry[] = (profile.endpoints ?? [])
        .filter((e) => e.type === undefined || e.type.toLowerCase() === type)
        .map((e) => ({
          name: e.name ?? '',
          enabled: (e.endpointStatus ?? 'Enabled') === 'Enabled',
          ...(e.priority === undefined ? {} : { priority: e.priority }),
          ...(e.weight === undefined ? {} : { weight: e.weight }),
          ...(e.target === undefined ? {} : { hostName: e.target }),
          ...(e.endpointMonitorStatus === undefined ? {} : { monitorStatus: e.endpointMonitorStatus }),
        }));
      return snapshot(target, target.endpointType, entries, now);
    },

    async apply(target, change) {
      const p = parseProfileId(target.profile);
      if (target.provider === 'frontDoor') {
        const client = await cdnFor(p.subscriptionId);
        await guarded(`updating origin ${change.entry} of ${p.name}/${target.originGroup}`, () =>
          client.afdOrigins.beginUpdate(
            p.resourceGroup,
            p.name,
            target.originGroup,
            change.entry,
            {
              ...(change.enabled === undefined
                ? {}
                : { enabledState: change.enabled ? 'Enabled' : 'Disabled' }),
              ...(change.priority === undefined ? {} : { priority: change.priority }),
            },
            // Begun, not awaited: the caller reads back on durable timers.
            { updateIntervalInMs: 0 },
          ),
        );
        return;
      }
      const client = await tmFor(p.subscriptionId);
      await guarded(`updating endpoint ${change.entry} of ${p.name}`, () =>
        client.endpoints.update(p.resourceGroup, p.name, sdkEndpointType(target.endpointType), change.entry, {
          ...(change.enabled === undefined
            ? {}
            : { endpointStatus: change.enabled ? 'Enabled' : 'Disabled' }),
          ...(change.priority === undefined ? {} : { priority: change.priority }),
        }),
      );
    },
  };
}

/** The SDK names the path segment with a capital (`AzureEndpoints`); ARM paths compare case-insensitively. */
function sdkEndpointType(t: 'azureEndpoints' | 'externalEndpoints' | 'nestedEndpoints') {
  return `${t.charAt(0).toUpperCase()}${t.slice(1)}` as
    'AzureEndpoints' | 'ExternalEndpoints' | 'NestedEndpoints';
}

function snapshot(target: TrafficTarget, group: string, entries: RoutingEntry[], now: Date): RoutingSnapshot {
  return { provider: target.provider, profile: target.profile, group, entries, readAt: now.toISOString() };
}

/** The client from configuration: the ARM endpoint, scope and CA of the core section. */
export async function createTrafficClientFromConfig(
  core: Config['core'],
  credential?: TokenCredential,
): Promise<TrafficRouting> {
  const caPem = readArmCa(core);
  const cred = credential ?? new (await import('@azure/identity')).DefaultAzureCredential();
  return createTrafficClient({
    endpoint: core.armEndpoint,
    scope: core.armScope,
    credential: cred,
    ...(caPem === undefined ? {} : { caPem }),
  });
}

export type { RoutingChange };

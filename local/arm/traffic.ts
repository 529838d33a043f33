import type { Clock } from '../clock';
import type { LocalTlsIdentity } from '../tls';
import { edgePatternMatches, startEdge, type Edge, type EdgeRequest } from './edge';

/**
 * The emulator's routing profiles (issue 23): Azure Front Door Standard/Premium profiles (origin
 * groups and their origins, `Microsoft.Cdn/profiles`) and Traffic Manager profiles (endpoints,
 * `Microsoft.Network/trafficManagerProfiles`), with a count of the writes each profile received
 * (a drill must leave it at zero), and the scripting API tests use. Handlers:
 * ./resources/cdn/origins.ts, ./resources/cdn/endpoints.ts, ./resources/network/trafficManager.ts.
 * Each Front Door endpoint has an edge server (./edge.ts) that forwards requests to the origin the
 * deployed configuration prefers: the public endpoint a traffic switch probes.
 */

/** An origin as a test describes it; everything but the name and host has a default. */
export interface OriginSpec {
  name: string;
  hostName: string;
  httpPort?: number;
  httpsPort?: number;
  originHostHeader?: string;
  /** 1-5, lower is used first (default 1). */
  priority?: number;
  /** 1-1000 (default 1000). */
  weight?: number;
  enabled?: boolean;
}

/** A Front Door route: the paths it matches (default `/*`) and the origin group it sends them to. */
export interface AfdRouteSpec {
  name: string;
  originGroup: string;
  patternsToMatch?: string[];
}

/** A Front Door endpoint and its routes. */
export interface AfdEndpointSpec {
  name: string;
  routes: AfdRouteSpec[];
}

/** A Front Door profile with its origin groups and endpoints. */
export interface FrontDoorSpec {
  subscriptionId?: string;
  resourceGroup?: string;
  name: string;
  /** Default `Standard_AzureFrontDoor`. */
  sku?: string;
  originGroups: { name: string; origins: OriginSpec[] }[];
  /** Default: one endpoint named after the profile, its route `default` to the first origin group. */
  endpoints?: AfdEndpointSpec[];
}

/** A Traffic Manager endpoint as a test describes it. */
export interface EndpointSpec {
  name: string;
  /** Default `azureEndpoints`. */
  type?: 'azureEndpoints' | 'externalEndpoints' | 'nestedEndpoints';
  target: string;
  priority?: number;
  weight?: number;
  enabled?: boolean;
  /** `endpointMonitorStatus` when enabled (default Online; a disabled endpoint reads Disabled). */
  monitorStatus?: string;
}

export interface TrafficManagerSpec {
  subscriptionId?: string;
  resourceGroup?: string;
  name: string;
  /** Default `Priority`. */
  routingMethod?: string;
  endpoints: EndpointSpec[];
}

export interface EmulatedOrigin {
  name: string;
  hostName: string;
  httpPort: number;
  httpsPort: number;
  originHostHeader: string;
  priority: number;
  weight: number;
  enabledState: 'Enabled' | 'Disabled';
  provisioningState: string;
  deploymentStatus: string;
  /** When the change under way reaches the edge, on the clock. */
  deployedAt: number | undefined;
  /** The configuration the edge routes with: the last deployed one (./edge.ts). */
  edge: { enabledState: 'Enabled' | 'Disabled'; priority: number; weight: number };
}

/** A Front Door endpoint: its routes and its edge server (the public host clients reach). */
export interface EmulatedAfdEndpoint {
  name: string;
  routes: { name: string; originGroup: string; patternsToMatch: string[] }[];
  edge: Edge;
}

export interface EmulatedFrontDoor {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  sku: string;
  originGroups: Map<string, { name: string; origins: Map<string, EmulatedOrigin> }>;
  endpoints: Map<string, EmulatedAfdEndpoint>;
  writes: number;
}

export interface EmulatedEndpoint {
  name: string;
  type: 'azureEndpoints' | 'externalEndpoints' | 'nestedEndpoints';
  target: string;
  priority: number;
  weight: number;
  endpointStatus: 'Enabled' | 'Disabled';
  monitorStatus: string;
}

export interface EmulatedTrafficManager {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  routingMethod: string;
  endpoints: Map<string, EmulatedEndpoint>;
  writes: number;
}

/** A Front Door update under way (its Azure-AsyncOperation URL answers from here). */
export interface CdnOperation {
  id: string;
  profileKey: string;
  group: string;
  origin: string;
  startedAt: string;
}

/** The routing state one emulator holds. */
export interface TrafficState {
  frontDoors: Map<string, EmulatedFrontDoor>;
  trafficManagers: Map<string, EmulatedTrafficManager>;
  operations: Map<string, CdnOperation>;
  /** How long a Front Door origin change takes to reach the edge, on the clock (settable). */
  deployment: { ms: number };
}

/** The scripting API: add profiles, read them back, count writes. */
export interface ArmTraffic {
  /** Adds (or replaces) a Front Door profile; returns its ARM id. */
  addFrontDoor(spec: FrontDoorSpec): string;
  /** Adds (or replaces) a Traffic Manager profile; returns its ARM id. */
  addTrafficManager(spec: TrafficManagerSpec): string;
  /** A copy of one origin group's origins (settled on the clock), by name. */
  origins(profileId: string, group: string): Record<string, Omit<EmulatedOrigin, 'deployedAt'>>;
  /** A copy of a Traffic Manager profile's endpoints, by name. */
  endpoints(profileId: string): Record<string, EmulatedEndpoint>;
  /** Writes (PATCH/PUT) the profile received, accepted or not. */
  writes(profileId: string): number;
  /** A Front Door endpoint's public URL (`https://127.0.0.1:{port}`), once its edge listens. */
  edgeUrl(profileId: string, endpoint?: string): Promise<string>;
  /** The requests a Front Door endpoint's edge served, and the origin each went to. */
  edgeRequests(profileId: string, endpoint?: string): EdgeRequest[];
  /** Settable: how long a Front Door change takes to deploy (default 2 minutes). */
  deployment: { ms: number };
}

export const DEFAULT_TRAFFIC_SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';

/** Profiles are keyed by their lower-cased ARM id. */
export const profileKey = (id: string) => id.trim().replace(/\/+$/, '').toLowerCase();

export function frontDoorId(sub: string, rg: string, name: string): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Cdn/profiles/${name}`;
}
export function trafficManagerId(sub: string, rg: string, name: string): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/trafficManagerProfiles/${name}`;
}

/** Finishes a deployment that is due on the clock (reads settle lazily: no timers to cancel). */
export function settle(origin: EmulatedOrigin, clock: Clock): EmulatedOrigin {
  if (origin.deployedAt !== undefined && clock.now().getTime() >= origin.deployedAt) {
    origin.provisioningState = 'Succeeded';
    origin.deploymentStatus = 'Succeeded';
    origin.deployedAt = undefined;
    origin.edge = { enabledState: origin.enabledState, priority: origin.priority, weight: origin.weight };
  }
  return origin;
}

export function createTrafficState(): TrafficState {
  return {
    frontDoors: new Map(),
    trafficManagers: new Map(),
    operations: new Map(),
    deployment: { ms: 120_000 },
  };
}

/** Stops every edge server (the emulator's stop). */
export async function stopEdges(state: TrafficState): Promise<void> {
  await Promise.all(
    [...state.frontDoors.values()].flatMap((p) => [...p.endpoints.values()].map((e) => e.edge.stop())),
  );
}

export function createTrafficApi(state: TrafficState, clock: Clock, tls: LocalTlsIdentity): ArmTraffic {
  const mustFrontDoor = (id: string) => {
    const p = state.frontDoors.get(profileKey(id));
    if (p === undefined) throw new RangeError(`no emulated Front Door profile ${id}`);
    return p;
  };
  const mustEndpoint = (id: string, name: string | undefined) => {
    const p = mustFrontDoor(id);
    const e = name === undefined ? p.endpoints.values().next().value : p.endpoints.get(name.toLowerCase());
    if (e === undefined) throw new RangeError(`no endpoint ${name ?? '(any)'} in ${id}`);
    return e;
  };
  return {
    addFrontDoor(spec) {
      const sub = (spec.subscriptionId ?? DEFAULT_TRAFFIC_SUBSCRIPTION).toLowerCase();
      const rg = spec.resourceGroup ?? 'rg1';
      const id = frontDoorId(sub, rg, spec.name);
      const replaced = state.frontDoors.get(profileKey(id));
      if (replaced !== undefined) for (const e of replaced.endpoints.values()) void e.edge.stop();
      const profile: EmulatedFrontDoor = {
        id,
        subscriptionId: sub,
        resourceGroup: rg,
        name: spec.name,
        sku: spec.sku ?? 'Standard_AzureFrontDoor',
        endpoints: new Map(),
        originGroups: new Map(
          spec.originGroups.map((g) => [
            g.name.toLowerCase(),
            {
              name: g.name,
              origins: new Map(
                g.origins.map((o) => [
                  o.name.toLowerCase(),
                  {
                    name: o.name,
                    hostName: o.hostName,
                    httpPort: o.httpPort ?? 80,
                    httpsPort: o.httpsPort ?? 443,
                    originHostHeader: o.originHostHeader ?? o.hostName,
                    priority: o.priority ?? 1,
                    weight: o.weight ?? 1000,
                    enabledState: o.enabled === false ? 'Disabled' : 'Enabled',
                    provisioningState: 'Succeeded',
                    deploymentStatus: 'NotStarted',
                    deployedAt: undefined,
                    edge: {
                      enabledState: o.enabled === false ? ('Disabled' as const) : ('Enabled' as const),
                      priority: o.priority ?? 1,
                      weight: o.weight ?? 1000,
                    },
                  },
                ]),
              ),
            },
          ]),
        ),
        writes: 0,
      };
      const first = spec.originGroups[0]?.name;
      const endpoints =
        spec.endpoints ??
        (first === undefined ? [] : [{ name: spec.name, routes: [{ name: 'default', originGroup: first }] }]);
      for (const ep of endpoints) {
        const routes = ep.routes.map((r) => ({ ...r, patternsToMatch: r.patternsToMatch ?? ['/*'] }));
        const edge = startEdge({
          tls,
          clock,
          origins: (path) => {
            const route = routes.find((r) => r.patternsToMatch.some((p) => edgePatternMatches(p, path)));
            if (route === undefined) return undefined;
            const g = profile.originGroups.get(route.originGroup.toLowerCase());
            return g === undefined ? [] : [...g.origins.values()].map((o) => settle(o, clock));
          },
        });
        profile.endpoints.set(ep.name.toLowerCase(), { name: ep.name, routes, edge });
      }
      state.frontDoors.set(profileKey(id), profile);
      return id;
    },
    addTrafficManager(spec) {
      const sub = (spec.subscriptionId ?? DEFAULT_TRAFFIC_SUBSCRIPTION).toLowerCase();
      const rg = spec.resourceGroup ?? 'rg1';
      const id = trafficManagerId(sub, rg, spec.name);
      state.trafficManagers.set(profileKey(id), {
        id,
        subscriptionId: sub,
        resourceGroup: rg,
        name: spec.name,
        routingMethod: spec.routingMethod ?? 'Priority',
        endpoints: new Map(
          spec.endpoints.map((e, i) => [
            e.name.toLowerCase(),
            {
              name: e.name,
              type: e.type ?? 'azureEndpoints',
              target: e.target,
              priority: e.priority ?? i + 1,
              weight: e.weight ?? 1,
              endpointStatus: e.enabled === false ? 'Disabled' : 'Enabled',
              // The endpoint's health when enabled (a disabled one renders `Disabled`).
              monitorStatus: e.monitorStatus ?? 'Online',
            },
          ]),
        ),
        writes: 0,
      });
      return id;
    },
    origins(profileId, group) {
      const g = mustFrontDoor(profileId).originGroups.get(group.toLowerCase());
      if (g === undefined) throw new RangeError(`no origin group ${group} in ${profileId}`);
      return Object.fromEntries(
        [...g.origins.values()].map((o) => {
          const { deployedAt: _, ...rest } = settle(o, clock);
          return [o.name, { ...rest }];
        }),
      );
    },
    endpoints(profileId) {
      const p = state.trafficManagers.get(profileKey(profileId));
      if (p === undefined) throw new RangeError(`no emulated Traffic Manager profile ${profileId}`);
      return Object.fromEntries([...p.endpoints.values()].map((e) => [e.name, { ...e }]));
    },
    writes(profileId) {
      const key = profileKey(profileId);
      const p = state.frontDoors.get(key) ?? state.trafficManagers.get(key);
      if (p === undefined) throw new RangeError(`no emulated routing profile ${profileId}`);
      return p.writes;
    },
    async edgeUrl(profileId, endpoint) {
      return `https://${await mustEndpoint(profileId, endpoint).edge.ready}`;
    },
    edgeRequests(profileId, endpoint) {
      return mustEndpoint(profileId, endpoint).edge.log.map((r) => ({ ...r }));
    },
    deployment: state.deployment,
  };
}

import type { EmulatorContext } from '../../context';
import { readBody, send, sendError } from '../../respond';
import { armPath, type ArmRequest, type ArmRoute } from '../../route';
import {
  profileKey,
  trafficManagerId,
  type EmulatedEndpoint,
  type EmulatedTrafficManager,
} from '../../traffic';

/**
 * Traffic Manager (issue 23), in the shapes of the REST examples `Profile-GET-WithEndpoints.json`,
 * `Endpoint-GET-External.json` and `Endpoint-PATCH-External-Target.json`
 * (specification/trafficmanager/resource-manager/Microsoft.Network/stable/2022-04-01/examples/):
 * - `GET .../trafficManagerProfiles/{p}` → the profile with its `endpoints`;
 * - `GET` / `PATCH .../trafficManagerProfiles/{p}/{type}/{e}` → the endpoint; PATCH is synchronous
 *   (200 with the endpoint), as the SDK's `endpoints.update` expects.
 * Inferred (not documented): the status and code of a priority already used by another endpoint
 * (400 `BadRequest` here; the service requires unique priorities) and of a bad `endpointStatus`.
 */

const PROFILE = 'Microsoft\\.Network/trafficManagerProfiles/(?<profile>[^/]+)';

function findProfile(ctx: EmulatorContext, request: ArmRequest): EmulatedTrafficManager | undefined {
  const { subscriptionId, resourceGroup, profile = '' } = request.params;
  const p = ctx.traffic.trafficManagers.get(
    profileKey(trafficManagerId(subscriptionId, resourceGroup, profile)),
  );
  if (p === undefined)
    sendError(request.res, {
      status: 404,
      code: 'ResourceNotFound',
      message: `The Resource 'Microsoft.Network/trafficManagerProfiles/${profile}' under resource group '${resourceGroup}' was not found.`,
    });
  return p;
}

function renderEndpoint(p: EmulatedTrafficManager, e: EmulatedEndpoint): Record<string, unknown> {
  return {
    id: `${p.id}/${e.type}/${e.name}`,
    name: e.name,
    type: `Microsoft.Network/trafficManagerProfiles/${e.type}`,
    properties: {
      endpointStatus: e.endpointStatus,
      endpointMonitorStatus: e.endpointStatus === 'Disabled' ? 'Disabled' : e.monitorStatus,
      target: e.target,
      weight: e.weight,
      priority: e.priority,
      ...(e.type === 'externalEndpoints' ? { endpointLocation: 'North Europe' } : {}),
    },
  };
}

/** `GET .../trafficManagerProfiles/{p}`. */
export const trafficManagerProfile: ArmRoute = {
  name: 'traffic manager profile',
  pattern: armPath(PROFILE),
  method: 'GET',
  wrongMethod: (method) => `The emulator serves only GET on a Traffic Manager profile, not ${method}.`,
  handle(ctx, request) {
    const p = findProfile(ctx, request);
    if (p !== undefined)
      send(request.res, 200, {
        id: p.id,
        name: p.name,
        type: 'Microsoft.Network/trafficManagerProfiles',
        location: 'global',
        tags: {},
        properties: {
          profileStatus: 'Enabled',
          trafficRoutingMethod: p.routingMethod,
          dnsConfig: { relativeName: p.name, fqdn: `${p.name}.trafficmanager.net`, ttl: 30 },
          monitorConfig: {
            profileMonitorStatus: 'Online',
            protocol: 'HTTPS',
            port: 443,
            path: '/status-0123456789abcdef',
            intervalInSeconds: 30,
            toleratedNumberOfFailures: 3,
            timeoutInSeconds: 10,
          },
          endpoints: [...p.endpoints.values()].map((e) => renderEndpoint(p, e)),
          trafficViewEnrollmentStatus: 'Disabled',
        },
      });
    return Promise.resolve();
  },
};

const ENDPOINT = `${PROFILE}/(?<type>azureEndpoints|externalEndpoints|nestedEndpoints)/(?<endpoint>[^/]+)`;

function findEndpoint(ctx: EmulatorContext, request: ArmRequest) {
  const p = findProfile(ctx, request);
  if (p === undefined) return undefined;
  const name = request.params['endpoint'] ?? '';
  const e = p.endpoints.get(name.toLowerCase());
  if (e === undefined || e.type.toLowerCase() !== (request.params['type'] ?? '').toLowerCase()) {
    sendError(request.res, {
      status: 404,
      code: 'NotFound',
      message: `Endpoint ${name} was not found in Traffic Manager profile ${p.name}.`,
    });
    return undefined;
  }
  return { profile: p, endpoint: e };
}

/** `GET .../trafficManagerProfiles/{p}/{type}/{e}`. */
export const trafficManagerEndpointGet: ArmRoute = {
  name: 'traffic manager endpoint',
  pattern: armPath(ENDPOINT),
  method: 'GET',
  wrongMethod: (method) => `The emulator serves GET and PATCH on an endpoint, not ${method}.`,
  handle(ctx, request) {
    const found = findEndpoint(ctx, request);
    if (found !== undefined) send(request.res, 200, renderEndpoint(found.profile, found.endpoint));
    return Promise.resolve();
  },
};

/** `PATCH .../trafficManagerProfiles/{p}/{type}/{e}`: synchronous. */
export const trafficManagerEndpointUpdate: ArmRoute = {
  ...trafficManagerEndpointGet,
  name: 'traffic manager endpoint update',
  method: 'PATCH',
  async handle(ctx, request) {
    const { res } = request;
    const text = await readBody(request.req);
    const found = findEndpoint(ctx, request);
    if (found === undefined) return;
    found.profile.writes++;
    let body: { properties?: Record<string, unknown> };
    try {
      body = JSON.parse(text ?? '') as { properties?: Record<string, unknown> };
    } catch {
      sendError(res, { status: 400, code: 'BadRequest', message: 'The request body is not valid JSON.' });
      return;
    }
    const { endpointStatus, priority } = body.properties ?? {};
    const bad = (message: string) => sendError(res, { status: 400, code: 'BadRequest', message });
    if (endpointStatus !== undefined && endpointStatus !== 'Enabled' && endpointStatus !== 'Disabled')
      return bad("Property 'endpointStatus' must be 'Enabled' or 'Disabled'.");
    if (priority !== undefined) {
      if (!Number.isInteger(priority) || (priority as number) < 1 || (priority as number) > 1000)
        return bad("Property 'priority' must be between 1 and 1000.");
      const clash = [...found.profile.endpoints.values()].find(
        (e) => e !== found.endpoint && e.priority === priority,
      );
      if (clash !== undefined)
        return bad(
          `Priority ${clash.priority} is already used by endpoint ${clash.name}: priorities must be unique.`,
        );
    }
    if (endpointStatus !== undefined) found.endpoint.endpointStatus = endpointStatus;
    if (priority !== undefined) found.endpoint.priority = priority as number;
    send(res, 200, renderEndpoint(found.profile, found.endpoint));
  },
};

import https from 'node:https';
import type { TokenCredential } from '@azure/core-auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import { createTrafficClient } from '../../../shared/traffic/client';
import { trafficTargetSchema } from '../../../shared/traffic/contracts';
import type { TrafficRouting } from '../../../shared/traffic/port';
import { startAzureStack, type AzureStack } from '../../helpers/azure';

/**
 * The traffic port's SDK implementation (`@azure/arm-cdn`, `@azure/arm-trafficmanager`) against the
 * ARM emulator's Front Door and Traffic Manager resources: reads, the long-running origin PATCH
 * deploying on the emulator's clock, the synchronous endpoint PATCH, and errors that say whether
 * retrying helps.
 */
const SUB = '11111111-2222-3333-4444-555555555555';
let stack: AzureStack;
let clock: VirtualClock;
let client: TrafficRouting;
let afdId: string;
let tmId: string;
let tmWeightedId: string;

beforeAll(async () => {
  clock = new VirtualClock(new Date('2026-03-01T00:00:00Z'));
  stack = await startAzureStack({ clock, retryAfterSeconds: 0 });
  afdId = stack.arm.traffic.addFrontDoor({
    subscriptionId: SUB,
    resourceGroup: 'rg-edge',
    name: 'afd',
    originGroups: [
      {
        name: 'apim',
        origins: [
          { name: 'primary', hostName: 'primary.example', priority: 1 },
          { name: 'standby', hostName: 'standby.example', priority: 2, enabled: false },
        ],
      },
    ],
  });
  tmId = stack.arm.traffic.addTrafficManager({
    subscriptionId: SUB,
    resourceGroup: 'rg-edge',
    name: 'tm',
    endpoints: [
      { name: 'weu', target: 'weu.example', priority: 1 },
      { name: 'neu', target: 'neu.example', priority: 2, enabled: false },
    ],
  });
  tmWeightedId = stack.arm.traffic.addTrafficManager({
    subscriptionId: SUB,
    resourceGroup: 'rg-edge',
    name: 'tm-weighted',
    routingMethod: 'Weighted',
    endpoints: [{ name: 'a', target: 'a.example' }],
  });
  const credential: TokenCredential = {
    getToken: () => Promise.resolve({ token: stack.arm.token, expiresOnTimestamp: Date.now() + 3_600_000 }),
  };
  client = createTrafficClient({
    endpoint: stack.arm.endpoint,
    scope: `${stack.arm.endpoint}/.default`,
    credential,
    caPem: stack.arm.caPem,
    maxRetries: 0,
  });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

const now = new Date('2026-03-01T00:00:00Z');

/** A raw ARM GET (the wire shape is what is under test, not the SDK's model). */
function fetchJson(pathAndQuery: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(pathAndQuery, stack.arm.endpoint),
      { method: 'GET', ca: stack.arm.caPem, headers: { authorization: `Bearer ${stack.arm.token}` } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('Front Door (afdOrigins)', () => {
  const target = () =>
    trafficTargetSchema.parse({
      provider: 'frontDoor',
      profile: afdId,
      originGroup: 'apim',
      primary: 'primary',
      standby: 'standby',
    });

  it('reads the origin group, and a PATCH is accepted and deploys on the clock', async () => {
    const read = await client.read(target(), now);
    expect(read.entries).toEqual([
      expect.objectContaining({
        name: 'primary',
        enabled: true,
        priority: 1,
        hostName: 'primary.example',
        httpsPort: 443,
      }),
      expect.objectContaining({
        name: 'standby',
        enabled: false,
        priority: 2,
        deploymentStatus: 'NotStarted',
      }),
    ]);
    stack.arm.traffic.deployment.ms = 5 * 60_000;
    await client.apply(target(), { entry: 'standby', enabled: true, priority: 1 });
    expect((await client.read(target(), now)).entries[1]).toMatchObject({
      enabled: true,
      priority: 1,
      provisioningState: 'Updating',
      deploymentStatus: 'InProgress',
    });
    clock.advance(5 * 60_000);
    expect((await client.read(target(), now)).entries[1]).toMatchObject({
      provisioningState: 'Succeeded',
      deploymentStatus: 'Succeeded',
    });
    expect(stack.arm.traffic.writes(afdId)).toBe(1);
    const patch = stack.arm.requests().find((r) => r.method === 'PATCH');
    expect(patch).toMatchObject({ status: 202 });
    expect(patch?.path).toContain('/providers/Microsoft.Cdn/profiles/afd/originGroups/apim/origins/standby');
  });

  it('reads the endpoints and the origin groups their routes serve (the public side)', async () => {
    const t = target();
    if (t.provider !== 'frontDoor') throw new TypeError('a Front Door target');
    const endpoints = await client.frontDoorEndpoints(t);
    const edge = new URL(await stack.arm.traffic.edgeUrl(afdId));
    // The emulated endpoint's host name carries its edge's port (Azure's is {endpoint}-{hash}.z01.azurefd.net).
    expect(endpoints).toEqual([
      {
        name: 'afd',
        hostName: edge.host,
        enabled: true,
        routes: [{ originGroup: 'apim', patternsToMatch: ['/*'] }],
      },
    ]);
  });

  it('reads route patterns; the edge answers 404 for a path no route matches', async () => {
    const apiOnly = stack.arm.traffic.addFrontDoor({
      subscriptionId: SUB,
      resourceGroup: 'rg-edge',
      name: 'afd-api-only',
      originGroups: [{ name: 'apim', origins: [{ name: 'primary', hostName: 'primary.example' }] }],
      endpoints: [
        { name: 'api', routes: [{ name: 'api', originGroup: 'apim', patternsToMatch: ['/api/*'] }] },
      ],
    });
    const t = trafficTargetSchema.parse({ ...target(), profile: apiOnly });
    if (t.provider !== 'frontDoor') throw new TypeError('a Front Door target');
    expect((await client.frontDoorEndpoints(t))[0]?.routes).toEqual([
      { originGroup: 'apim', patternsToMatch: ['/api/*'] },
    ]);
    const status = await new Promise<number>((resolve, reject) => {
      stack.arm.traffic.edgeUrl(apiOnly).then((url) => {
        const req = https.get(new URL('/status-0123456789abcdef', url), { ca: stack.arm.caPem }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
      }, reject);
    });
    expect(status).toBe(404);
    expect(stack.arm.traffic.edgeRequests(apiOnly)).toMatchObject([{ origin: undefined, status: 404 }]);
  });

  it('an unknown origin group is a non-retryable 404', async () => {
    const bad = trafficTargetSchema.parse({ ...target(), originGroup: 'nope' });
    await expect(client.read(bad, now)).rejects.toMatchObject({ name: 'NonRetryableError' });
  });

  it('a priority out of range is refused by the service (400, not retried)', async () => {
    await expect(client.apply(target(), { entry: 'standby', priority: 9 })).rejects.toMatchObject({
      name: 'NonRetryableError',
      message: expect.stringContaining("'priority' must be between 1 and 5") as unknown,
    });
  });
});

describe('conformance: the shapes of the REST examples', () => {
  it('GET origin answers the properties of AFDOrigins_Get.json (2024-02-01 examples)', async () => {
    // specification/cdn/resource-manager/Microsoft.Cdn/stable/2024-02-01/examples/AFDOrigins_Get.json:
    // { id, type: 'Microsoft.Cdn/profiles/origingroups/origins', name, properties: { hostName,
    // httpPort, httpsPort, originHostHeader, priority, weight, enabledState, provisioningState,
    // deploymentStatus, originGroupName, sharedPrivateLinkResource, enforceCertificateNameCheck } }.
    const res = await fetchJson(`${afdId}/originGroups/apim/origins/primary?api-version=2024-02-01`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['id', 'name', 'properties', 'type']);
    expect(res.body['type']).toBe('Microsoft.Cdn/profiles/origingroups/origins');
    expect(Object.keys(res.body['properties'] as object).sort()).toEqual(
      [
        'hostName',
        'httpPort',
        'httpsPort',
        'originHostHeader',
        'priority',
        'weight',
        'enabledState',
        'provisioningState',
        'deploymentStatus',
        'originGroupName',
        'sharedPrivateLinkResource',
        'enforceCertificateNameCheck',
      ].sort(),
    );
  });
});

describe('conformance: Front Door endpoints and routes', () => {
  it('GET afdEndpoints answers the shape of AFDEndpoints_ListByProfile.json', async () => {
    const res = await fetchJson(`${afdId}/afdEndpoints?api-version=2024-02-01`);
    expect(res.status).toBe(200);
    const [endpoint] = res.body['value'] as Record<string, unknown>[];
    expect(endpoint).toMatchObject({
      name: 'afd',
      type: 'Microsoft.Cdn/profiles/afdendpoints',
      location: 'Global',
    });
    expect(Object.keys(endpoint?.['properties'] as object).sort()).toEqual(
      [
        'profileName',
        'hostName',
        'enabledState',
        'autoGeneratedDomainNameLabelScope',
        'provisioningState',
        'deploymentStatus',
      ].sort(),
    );
  });

  it('GET routes answers the shape of Routes_ListByEndpoint.json, pointing at the origin group', async () => {
    const res = await fetchJson(`${afdId}/afdEndpoints/afd/routes?api-version=2024-02-01`);
    expect(res.status).toBe(200);
    const [route] = res.body['value'] as Record<string, unknown>[];
    expect(route).toMatchObject({
      name: 'default',
      type: 'Microsoft.Cdn/profiles/afdendpoints/routes',
      properties: {
        originGroup: { id: `${afdId}/originGroups/apim` },
        patternsToMatch: ['/*'],
        enabledState: 'Enabled',
        linkToDefaultDomain: 'Enabled',
      },
    });
    const missing = await fetchJson(`${afdId}/afdEndpoints/nope/routes?api-version=2024-02-01`);
    expect(missing.status).toBe(404);
  });
});

describe('Traffic Manager (profiles, endpoints)', () => {
  const target = () =>
    trafficTargetSchema.parse({ provider: 'trafficManager', profile: tmId, primary: 'weu', standby: 'neu' });

  it('reads the endpoints, and a PATCH is applied synchronously', async () => {
    expect((await client.read(target(), now)).entries).toEqual([
      {
        name: 'weu',
        enabled: true,
        priority: 1,
        weight: 1,
        hostName: 'weu.example',
        monitorStatus: 'Online',
      },
      {
        name: 'neu',
        enabled: false,
        priority: 2,
        weight: 1,
        hostName: 'neu.example',
        monitorStatus: 'Disabled',
      },
    ]);
    await client.apply(target(), { entry: 'neu', enabled: true });
    expect(stack.arm.traffic.endpoints(tmId)['neu']).toMatchObject({ endpointStatus: 'Enabled' });
    expect((await client.read(target(), now)).entries[1]).toMatchObject({
      enabled: true,
      monitorStatus: 'Online',
    });
  });

  it('refuses a priority another endpoint has (unique priorities)', async () => {
    await expect(client.apply(target(), { entry: 'neu', priority: 1 })).rejects.toMatchObject({
      name: 'NonRetryableError',
    });
  });

  it('refuses a profile that does not route by priority', async () => {
    const weighted = trafficTargetSchema.parse({
      provider: 'trafficManager',
      profile: tmWeightedId,
      primary: 'a',
      standby: 'b',
    });
    await expect(client.read(weighted, now)).rejects.toMatchObject({ code: 'NotPriorityRouting' });
  });
});

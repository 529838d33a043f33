import { describe, expect, it } from 'vitest';
import {
  trafficTargetSchema,
  type RoutingSnapshot,
  type TrafficTarget,
} from '../../../shared/traffic/contracts';
import {
  desiredOf,
  drillFindings,
  failoverChanges,
  frontDoorPublicHost,
  putBackChanges,
  routePatternMatches,
  routingApplied,
  trafficManagerAnswer,
} from '../../../shared/traffic/decide';

const AFD =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Cdn/profiles/afd';
const TM =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/trafficManagerProfiles/tm';

const frontDoor: TrafficTarget = trafficTargetSchema.parse({
  provider: 'frontDoor',
  profile: AFD,
  originGroup: 'apim',
  primary: 'primary',
  standby: 'standby',
});
const trafficManager: TrafficTarget = trafficTargetSchema.parse({
  provider: 'trafficManager',
  profile: TM,
  primary: 'weu',
  standby: 'neu',
});

const afd = (entries: Partial<RoutingSnapshot['entries'][number]>[]): RoutingSnapshot => ({
  provider: 'frontDoor',
  profile: AFD,
  group: 'apim',
  readAt: '2026-01-01T00:00:00.000Z',
  entries: entries.map((e) => ({
    name: 'x',
    enabled: true,
    hostName: 'h',
    provisioningState: 'Succeeded',
    deploymentStatus: 'Succeeded',
    ...e,
  })),
});

const before = afd([
  { name: 'primary', enabled: true, priority: 1 },
  { name: 'standby', enabled: false, priority: 2 },
]);

describe('failoverChanges', () => {
  it('enables and prefers the standby first, then disables the primary', () => {
    expect(failoverChanges(frontDoor, before)).toEqual({
      changes: [
        { entry: 'standby', enabled: true, priority: 1 },
        { entry: 'primary', enabled: false },
      ],
    });
  });
  it('changes nothing when the switch is already made (a retry is safe)', () => {
    const made = afd([
      { name: 'primary', enabled: false, priority: 1 },
      { name: 'standby', enabled: true, priority: 1 },
    ]);
    expect(failoverChanges(frontDoor, made)).toEqual({ changes: [] });
  });
  it('leaves Traffic Manager priorities alone (they must be unique in a profile)', () => {
    const tm: RoutingSnapshot = {
      provider: 'trafficManager',
      profile: TM,
      group: 'azureEndpoints',
      readAt: '2026-01-01T00:00:00.000Z',
      entries: [
        { name: 'weu', enabled: true, priority: 1 },
        { name: 'neu', enabled: false, priority: 2 },
      ],
    };
    expect(failoverChanges(trafficManager, tm)).toEqual({
      changes: [
        { entry: 'neu', enabled: true },
        { entry: 'weu', enabled: false },
      ],
    });
  });
  it('refuses, changing nothing, when the standby is missing', () => {
    const r = failoverChanges(frontDoor, afd([{ name: 'primary', priority: 1 }]));
    expect(r).toMatchObject({ error: { code: 'StandbyNotFound' } });
  });
});

describe('putBackChanges and desiredOf', () => {
  const changes = [
    { entry: 'standby', enabled: true, priority: 1 },
    { entry: 'primary', enabled: false },
  ];
  const after = afd([
    { name: 'primary', enabled: false, priority: 1 },
    { name: 'standby', enabled: true, priority: 1 },
  ]);
  it('puts back only what the switch changed, re-enabling the primary first', () => {
    expect(putBackChanges(before, changes, after)).toEqual([
      { entry: 'primary', enabled: true },
      { entry: 'standby', enabled: false, priority: 2 },
    ]);
  });
  it('sends nothing when the routing is already as recorded', () => {
    expect(putBackChanges(before, changes, before)).toEqual([]);
  });
  it('waits for the recorded values of the changed fields', () => {
    expect(desiredOf(before, changes)).toEqual([
      { entry: 'standby', enabled: false, priority: 2 },
      { entry: 'primary', enabled: true },
    ]);
  });
});

describe('routingApplied', () => {
  const desired = [{ entry: 'standby', enabled: true }];
  it('waits until Front Door has deployed the change to the edge', () => {
    const deploying = afd([
      { name: 'standby', enabled: true, provisioningState: 'Updating', deploymentStatus: 'InProgress' },
    ]);
    expect(routingApplied(deploying, desired)).toMatchObject({ state: 'pending' });
    expect(routingApplied(afd([{ name: 'standby', enabled: true }]), desired)).toEqual({ state: 'applied' });
  });
  it('waits while the read does not show the change yet', () => {
    expect(routingApplied(afd([{ name: 'standby', enabled: false }]), desired)).toMatchObject({
      state: 'pending',
    });
  });
  it('fails at once on a failed deployment (waiting will not help)', () => {
    const failed = afd([{ name: 'standby', enabled: true, deploymentStatus: 'Failed' }]);
    expect(routingApplied(failed, desired)).toMatchObject({
      state: 'failed',
      error: { code: 'DeploymentFailed' },
    });
  });
});

describe('drillFindings', () => {
  it('finds nothing on a ready standby', () => {
    expect(drillFindings(frontDoor, before)).toEqual([]);
  });
  it('reports a missing standby and an unhealthy Traffic Manager endpoint', () => {
    expect(drillFindings(frontDoor, afd([{ name: 'primary' }]))).toEqual([
      'the standby origin standby is not in origin group apim',
    ]);
    const tm: RoutingSnapshot = {
      provider: 'trafficManager',
      profile: TM,
      group: 'azureEndpoints',
      readAt: '2026-01-01T00:00:00.000Z',
      entries: [
        { name: 'weu', enabled: true, priority: 1, hostName: 'a' },
        { name: 'neu', enabled: true, priority: 2, hostName: 'b', monitorStatus: 'Degraded' },
      ],
    };
    expect(drillFindings(trafficManager, tm)).toEqual(['Traffic Manager reports the standby neu Degraded']);
  });
});

describe('trafficTargetSchema', () => {
  it('names the field and the rule', () => {
    const r = trafficTargetSchema.safeParse({
      provider: 'frontDoor',
      profile: 'afd',
      originGroup: 'g',
      primary: 'a',
      standby: 'a',
    });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain("must be the profile's ARM id");
  });
  it('refuses a standby equal to the primary', () => {
    const r = trafficTargetSchema.safeParse({
      provider: 'frontDoor',
      profile: AFD,
      originGroup: 'g',
      primary: 'a',
      standby: 'A',
    });
    expect(r.error?.issues[0]).toMatchObject({
      path: ['standby'],
      message: 'primary and standby must be different',
    });
  });
});

describe('frontDoorPublicHost', () => {
  const HEALTH = '/status-0123456789abcdef';
  const ep = (
    name: string,
    originGroups: string[],
    enabled = true,
    hostName = `${name}.z01.azurefd.net`,
    patternsToMatch = ['/*'],
  ) => ({
    name,
    hostName,
    enabled,
    routes: originGroups.map((originGroup) => ({ originGroup, patternsToMatch })),
  });

  it('is the first enabled endpoint whose routes send the health path to the origin group', () => {
    expect(
      frontDoorPublicHost(
        'APIM',
        [ep('web', ['web']), ep('off', ['apim'], false), ep('api', ['apim'])],
        HEALTH,
      ),
    ).toEqual({ host: 'api.z01.azurefd.net', endpoint: 'api' });
    expect(
      frontDoorPublicHost(
        'apim',
        [ep('exact', ['apim'], true, 'x.net', ['/STATUS-0123456789abcdef'])],
        HEALTH,
      ),
    ).toEqual({ host: 'x.net', endpoint: 'exact' });
  });

  it('says what to do when no endpoint routes to the group, no route matches the path, or none is usable', () => {
    expect(frontDoorPublicHost('apim', [ep('web', ['web'])], HEALTH)).toMatchObject({
      error: { code: 'NoPublicEndpoint', message: expect.stringContaining('publicEndpoint') as unknown },
    });
    expect(
      frontDoorPublicHost('apim', [ep('api', ['apim'], true, 'api.net', ['/orders/*', '/billing'])], HEALTH),
    ).toMatchObject({
      error: {
        code: 'NoPublicEndpoint',
        message: expect.stringContaining(`no route of api to origin group apim matches ${HEALTH}`) as unknown,
      },
    });
    expect(
      frontDoorPublicHost('apim', [ep('off', ['apim'], false), ep('bare', ['apim'], true, '')], HEALTH),
    ).toMatchObject({
      error: { code: 'NoPublicEndpoint', message: expect.stringContaining('off, bare') as unknown },
    });
  });
});

describe('routePatternMatches', () => {
  it('matches everything, a prefix or the path itself, case-insensitively', () => {
    expect(routePatternMatches('/*', '/status-0123456789abcdef')).toBe(true);
    expect(routePatternMatches('/Status-*', '/status-0123456789abcdef')).toBe(true);
    expect(routePatternMatches('/status-0123456789abcdef', '/status-0123456789ABCDEF')).toBe(true);
    expect(routePatternMatches('/api/*', '/status-0123456789abcdef')).toBe(false);
    expect(routePatternMatches('/status', '/status-0123456789abcdef')).toBe(false);
  });
});

describe('trafficManagerAnswer', () => {
  const tmSnapshot = (entries: RoutingSnapshot['entries']): RoutingSnapshot => ({
    provider: 'trafficManager',
    profile: TM,
    group: 'azureEndpoints',
    readAt: '2026-01-01T00:00:00.000Z',
    entries,
  });

  it('is the enabled, healthy endpoint with the lowest priority', () => {
    const s = tmSnapshot([
      { name: 'weu', enabled: false, priority: 1, monitorStatus: 'Disabled' },
      { name: 'neu', enabled: true, priority: 2, monitorStatus: 'Online' },
      { name: 'uks', enabled: true, priority: 3, monitorStatus: 'Online' },
    ]);
    expect(trafficManagerAnswer(s)?.name).toBe('neu');
  });

  it('skips a degraded endpoint, but answers with all when every enabled one is unhealthy', () => {
    expect(
      trafficManagerAnswer(
        tmSnapshot([
          { name: 'weu', enabled: true, priority: 1, monitorStatus: 'Degraded' },
          { name: 'neu', enabled: true, priority: 2, monitorStatus: 'CheckingEndpoint' },
        ]),
      )?.name,
    ).toBe('neu');
    expect(
      trafficManagerAnswer(
        tmSnapshot([
          { name: 'neu', enabled: true, priority: 2, monitorStatus: 'Stopped' },
          { name: 'weu', enabled: true, priority: 1, monitorStatus: 'Degraded' },
        ]),
      )?.name,
    ).toBe('weu');
  });

  it('is undefined when no endpoint is enabled', () => {
    expect(trafficManagerAnswer(tmSnapshot([{ name: 'weu', enabled: false, priority: 1 }]))).toBeUndefined();
  });
});

describe('publicEndpoint (step param)', () => {
  it('takes an https URL of a host and port', () => {
    expect(
      trafficTargetSchema.parse({ ...frontDoor, publicEndpoint: 'https://api.contoso.com' }),
    ).toMatchObject({ publicEndpoint: 'https://api.contoso.com' });
    expect(
      trafficTargetSchema.parse({ ...trafficManager, publicEndpoint: 'https://api.contoso.com:8443/' }),
    ).toMatchObject({ publicEndpoint: 'https://api.contoso.com:8443/' });
  });

  it('refuses http, a path or a non-URL, naming the field', () => {
    for (const bad of ['http://api.contoso.com', 'https://api.contoso.com/status', 'api.contoso.com']) {
      const r = trafficTargetSchema.safeParse({ ...frontDoor, publicEndpoint: bad });
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]).toMatchObject({
        path: ['publicEndpoint'],
        message: expect.stringContaining('https URL') as unknown,
      });
    }
  });
});

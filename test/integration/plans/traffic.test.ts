import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contosoFrontDoor, FRONT_DOOR, SUBSCRIPTION } from '../../../local/fixtures';
import type { RunReport } from '../../../shared/plans/report';
import { as } from '../../helpers/people';
import { PRIMARY, STANDBY, startPlansWorld, type PlansWorld } from './world';

/**
 * Moving the traffic (issue 23) through the real app, the local host and the ARM emulator's Front
 * Door profile in front of the primary's and the standby's gateways: a drill reads and changes
 * nothing; a failover's switch is checked through the profile's public endpoint (the emulated edge
 * forwards to the origin the deployed routing prefers: the standby); a failover cancelled while its
 * switch deploys puts the routing back (cleanup), and the report shows before and after.
 */
let world: PlansWorld;
let dir: string;

const plan = {
  name: 'edge',
  description: 'Move the users to the standby gateway.',
  rtoMinutes: 120,
  rpoMinutes: 1440,
  approval: 'auto',
  groups: [
    {
      name: 'Traffic',
      steps: [
        {
          id: 'traffic',
          kind: 'traffic.switch',
          timeoutMinutes: 600,
          params: {
            provider: 'frontDoor',
            profile: FRONT_DOOR,
            originGroup: 'apim',
            primary: 'primary',
            standby: 'standby',
          },
        },
      ],
    },
  ],
};

/** A Priority-routed Traffic Manager profile in front of the same gateways (added once they listen). */
const TRAFFIC_MANAGER = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-edge/providers/Microsoft.Network/trafficManagerProfiles/contoso-tm`;
/** A Front Door profile whose origin group no endpoint routes to (a drill finds it). */
const UNROUTED = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-edge/providers/Microsoft.Cdn/profiles/contoso-unrouted`;
const dnsPlan = {
  ...plan,
  name: 'dns',
  groups: [
    {
      name: 'Traffic',
      steps: [
        {
          id: 'traffic',
          kind: 'traffic.switch',
          timeoutMinutes: 600,
          params: {
            provider: 'trafficManager',
            profile: TRAFFIC_MANAGER,
            endpointType: 'externalEndpoints',
            primary: 'weu',
            standby: 'neu',
          },
        },
      ],
    },
  ],
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lifeboat-traffic-plans-'));
  await writeFile(path.join(dir, 'edge.json'), JSON.stringify(plan));
  await writeFile(path.join(dir, 'dns.json'), JSON.stringify(dnsPlan));
  await writeFile(
    path.join(dir, 'noroute.json'),
    JSON.stringify({
      ...plan,
      name: 'noroute',
      groups: [
        {
          name: 'Traffic',
          steps: [
            {
              ...plan.groups[0]!.steps[0]!,
              params: { ...plan.groups[0]!.steps[0]!.params, profile: UNROUTED },
            },
          ],
        },
      ],
    }),
  );
  world = await startPlansWorld({
    plansDir: dir,
    settings: { LIFEBOAT_TRAFFIC_POLL_SECONDS: '60', LIFEBOAT_TRAFFIC_APPLY_TIMEOUT_MINUTES: '120' },
  });
  // Locally an endpoint's target carries its gateway's port (Azure's is a host name or an address).
  const host = async (id: string) => new URL(await world.stack.arm.gateways.url(id)).host;
  const unrouted = contosoFrontDoor({
    primary: await world.stack.arm.gateways.url(PRIMARY),
    standby: await world.stack.arm.gateways.url(STANDBY),
  });
  world.stack.arm.traffic.addFrontDoor({ ...unrouted, name: 'contoso-unrouted', endpoints: [] });
  world.stack.arm.traffic.addTrafficManager({
    subscriptionId: SUBSCRIPTION,
    resourceGroup: 'rg-edge',
    name: 'contoso-tm',
    endpoints: [
      { name: 'weu', type: 'externalEndpoints', target: await host(PRIMARY), priority: 1 },
      { name: 'neu', type: 'externalEndpoints', target: await host(STANDBY), priority: 2, enabled: false },
    ],
  });
}, 300_000);
afterAll(async () => {
  await world?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const arm = () => world.stack.arm;
const origins = () => arm().traffic.origins(FRONT_DOOR, 'apim');
const patches = () =>
  arm()
    .requests()
    .filter((r) => r.method !== 'GET' && r.path.includes('/Microsoft.Cdn/'));
/** A client's GET of the health path (the emulator's CA trusted), answering the status. */
const getHealth = (base: string) =>
  new Promise<number>((resolve, reject) => {
    const req = https.get(new URL('/status-0123456789abcdef', base), { ca: arm().caPem }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
const step = (r: RunReport) => r.groups.flatMap((g) => g.steps).find((s) => s.id === 'traffic');

describe('traffic.switch', () => {
  it('a drill reads and validates the Front Door profile and changes nothing', async () => {
    const probes = arm().gateways.probes(STANDBY);
    const start = await world.post('/api/drills', { plan: 'edge' }, as(world, 'olivia'));
    expect(start.status, JSON.stringify(start.json)).toBe(202);
    const runId = String(start.json['runId']);
    const end = await world.waitFor(runId);
    expect(end.output, JSON.stringify(end.output)).toMatchObject({ outcome: 'succeeded' });

    const report = (await world.get(`/api/runs/${runId}`)).json as unknown as RunReport;
    expect(step(report)).toMatchObject({
      outcome: 'succeeded',
      evidence: {
        before: 'primary: enabled, priority 1; standby: disabled, priority 2',
        changes: [],
        gatewayCheck: 'passed',
        // A drill asks the standby's gateway itself: the public endpoint still leads to the primary.
        healthVia: 'origin',
      },
    });
    expect(report.cleanup).toEqual([]);
    // No write reached the profile: the emulator counted none and served no PATCH.
    expect(arm().traffic.writes(FRONT_DOOR)).toBe(0);
    expect(patches()).toEqual([]);
    expect(arm().gateways.probes(STANDBY)).toBeGreaterThan(probes);
    expect(origins()['primary']).toMatchObject({ enabledState: 'Enabled', priority: 1 });
    expect(origins()['standby']).toMatchObject({ enabledState: 'Disabled', priority: 2 });
  });

  it('a failover cancelled while its switch deploys puts the routing back', async () => {
    // The change takes an hour to reach the edge, so the cancel arrives while the step waits.
    arm().traffic.deployment.ms = 60 * 60_000;
    const edge = await arm().traffic.edgeUrl(FRONT_DOOR);
    const start = await world.post(
      '/api/failovers',
      { plan: 'edge', reason: 'primary region down' },
      as(world, 'olivia'),
    );
    expect(start.status, JSON.stringify(start.json)).toBe(202);
    const runId = String(start.json['runId']);
    await world.waitForReport(runId, () => arm().traffic.writes(FRONT_DOOR) >= 2);
    // The switch is made (standby enabled and preferred, primary disabled) and still deploying.
    expect(origins()['standby']).toMatchObject({
      enabledState: 'Enabled',
      priority: 1,
      deploymentStatus: 'InProgress',
    });
    expect(origins()['primary']).toMatchObject({ enabledState: 'Disabled' });
    // Until the change reaches the edge, clients going through the public endpoint still reach the primary.
    expect(await getHealth(edge)).toBe(200);
    expect(arm().traffic.edgeRequests(FRONT_DOOR).at(-1)).toMatchObject({ origin: 'primary', status: 200 });
    const edgeBefore = arm().traffic.edgeRequests(FRONT_DOOR).length;
    const [primaryProbes, standbyProbes] = [arm().gateways.probes(PRIMARY), arm().gateways.probes(STANDBY)];

    const cancel = await world.post(
      `/api/runs/${runId}/cancel`,
      { reason: 'false alarm' },
      as(world, 'alex'),
    );
    expect(cancel.status, JSON.stringify(cancel.json)).toBe(202);
    const end = await world.waitFor(runId);
    expect(end.output, JSON.stringify(end.output)).toMatchObject({ state: 'cancelled' });

    const report = (await world.get(`/api/runs/${runId}`)).json as unknown as RunReport;
    // The step finished its switch (a cancel waits for the steps in flight); the report shows before and after.
    expect(step(report)).toMatchObject({
      outcome: 'succeeded',
      evidence: {
        before: 'primary: enabled, priority 1; standby: disabled, priority 2',
        after: 'primary: disabled, priority 1; standby: enabled, priority 1',
        gatewayCheck: 'passed',
        healthVia: 'frontDoorEndpoint',
        healthUrl: `${edge}/status-0123456789abcdef`,
      },
    });
    // The check went in through the public endpoint, which (the change deployed) sent it to the standby.
    const probed = arm().traffic.edgeRequests(FRONT_DOOR).slice(edgeBefore);
    expect(probed).toMatchObject([{ path: '/status-0123456789abcdef', origin: 'standby', status: 200 }]);
    expect(arm().gateways.probes(PRIMARY)).toBe(primaryProbes);
    expect(arm().gateways.probes(STANDBY)).toBe(standbyProbes + 1);
    // The cleanup put back what the switch recorded before it changed anything.
    expect(report.cleanup).toHaveLength(1);
    expect(report.cleanup[0]).toMatchObject({
      id: 'traffic:traffic',
      status: 'ended',
      outcome: 'succeeded',
      detail: 'put back to primary: enabled, priority 1; standby: disabled, priority 2 (2 change(s) applied)',
    });
    expect(origins()['primary']).toMatchObject({
      enabledState: 'Enabled',
      priority: 1,
      deploymentStatus: 'Succeeded',
    });
    expect(origins()['standby']).toMatchObject({
      enabledState: 'Disabled',
      priority: 2,
      deploymentStatus: 'Succeeded',
    });
    expect(arm().traffic.writes(FRONT_DOOR)).toBe(4);
  });

  it('a Traffic Manager failover is checked at the endpoint its DNS now answers: the standby', async () => {
    const [primaryProbes, standbyProbes] = [arm().gateways.probes(PRIMARY), arm().gateways.probes(STANDBY)];
    const start = await world.post(
      '/api/failovers',
      { plan: 'dns', reason: 'primary region down' },
      as(world, 'olivia'),
    );
    expect(start.status, JSON.stringify(start.json)).toBe(202);
    const runId = String(start.json['runId']);
    const end = await world.waitFor(runId);
    expect(end.output, JSON.stringify(end.output)).toMatchObject({ state: 'completed' });

    const report = (await world.get(`/api/runs/${runId}`)).json as unknown as RunReport;
    expect(step(report)).toMatchObject({
      outcome: 'succeeded',
      evidence: {
        before: 'weu: enabled, priority 1; neu: disabled, priority 2',
        after: 'weu: disabled, priority 1; neu: enabled, priority 2',
        gatewayCheck: 'passed',
        healthVia: 'trafficManagerAnswer',
        answeredBy: 'neu',
      },
    });
    expect(arm().traffic.endpoints(TRAFFIC_MANAGER)).toMatchObject({
      weu: { endpointStatus: 'Disabled' },
      neu: { endpointStatus: 'Enabled' },
    });
    expect(arm().gateways.probes(STANDBY)).toBe(standbyProbes + 1);
    expect(arm().gateways.probes(PRIMARY)).toBe(primaryProbes);
  });

  it('a drill finds a Front Door origin group that no endpoint routes to, and changes nothing', async () => {
    const start = await world.post('/api/drills', { plan: 'noroute' }, as(world, 'olivia'));
    expect(start.status, JSON.stringify(start.json)).toBe(202);
    const runId = String(start.json['runId']);
    await world.waitFor(runId);
    const report = (await world.get(`/api/runs/${runId}`)).json as unknown as RunReport;
    expect(step(report)).toMatchObject({
      outcome: 'failed',
      error: { code: 'DrillFindings' },
      evidence: { changes: [], gatewayCheck: 'passed' },
    });
    expect(String(step(report)?.evidence?.['findings'])).toContain(
      'no endpoint of the profile routes to origin group apim',
    );
    expect(arm().traffic.writes(UNROUTED)).toBe(0);
  });
});

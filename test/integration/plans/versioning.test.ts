import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventType } from '../../../local/host/durable/history';
import type { PlanInput } from '../../../shared/plans/plan';
import type { RunReport } from '../../../shared/plans/report';
import { as } from '../../helpers/people';
import { startPlansWorld, type PlansWorld } from './world';

/**
 * Deploying while plan runs are in flight (issue 24), through the real app on the local host:
 * a run started on orchestration version 1.0 keeps 1.0's path after the app is restarted on 2.0
 * (whose planRun adds the sites check), whether it was waiting for approval or in the middle of a
 * VM fan-out; a run started on 2.0 takes 2.0's path. The version comes from host.json's
 * `extensions.durableTask.defaultVersion`, overridden per start by the app setting the real host
 * reads (`AzureFunctionsJobHost__extensions__durableTask__defaultVersion`).
 */

const VERSION = 'AzureFunctionsJobHost__extensions__durableTask__defaultVersion';
const vms = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}`);
const plan = (name: string, approval: 'required' | 'auto', names: string[]): PlanInput => ({
  name,
  description: `versioning test plan ${name}`,
  rtoMinutes: 240,
  rpoMinutes: 1440,
  approval,
  groups: [
    {
      name: 'VMs',
      steps: [
        {
          id: 'vms',
          kind: 'hyperv.failback',
          timeoutMinutes: 180,
          params: { site: 'dc1', vms: names, concurrency: 2 },
        },
      ],
    },
  ],
});

let world: PlansWorld;
let dir: string;
const all = [...vms('a', 2), ...vms('b', 2), ...vms('c', 6)];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lifeboat-versioning-'));
  for (const p of [
    plan('ver-a', 'required', vms('a', 2)),
    plan('ver-b', 'auto', vms('b', 2)),
    plan('ver-c', 'auto', vms('c', 6)),
  ])
    await writeFile(path.join(dir, `${p.name}.json`), JSON.stringify(p, null, 2));
  world = await startPlansWorld({
    plansDir: dir,
    settings: { [VERSION]: '1.0' },
    site: {
      hyperv: {
        vms: all.map((name) => ({ name, replicationState: 'FailedOver', failbackDurationMs: 10 * 60_000 })),
      },
    },
  });
}, 300_000);
afterAll(async () => {
  await world?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const restartOn = async (version: string) => {
  await world.world.restartHost({ settings: { [VERSION]: version } });
};
const report = async (runId: string) => (await world.get(`/api/runs/${runId}`)).json as unknown as RunReport;
const scheduled = (instanceId: string) =>
  world.host
    .getHistory(instanceId)
    .filter((e) => e.EventType === EventType.TaskScheduled)
    .map((e) => e['Name']);
const startedVersion = (instanceId: string) =>
  world.host.getHistory(instanceId).find((e) => e.EventType === EventType.ExecutionStarted)?.['Version'];

describe('deploying while plan runs are in flight', () => {
  it('a failover waiting for approval on 1.0 finishes on 1.0 after a restart on 2.0; a new run takes 2.0', async () => {
    const start = await world.post(
      '/api/failovers',
      { plan: 'ver-a', reason: 'versioning' },
      as(world, 'olivia'),
    );
    expect(start.status, JSON.stringify(start.json)).toBe(202);
    const old = String(start.json['runId']);
    await world.waitForReport(old, (r) => r.state === 'pendingApproval');

    await restartOn('2.0');
    const ok = await world.post(`/api/failovers/${old}/approve`, {}, as(world, 'alex'));
    expect(ok.status, JSON.stringify(ok.json)).toBe(202);
    const end = await world.waitFor(old);
    expect(end.output).toMatchObject({ outcome: 'succeeded', orchestrationVersion: '1.0' });
    const oldReport = await report(old);
    expect(oldReport.orchestrationVersion).toBe('1.0');
    expect(oldReport.sitesCheck).toBeUndefined();
    expect(startedVersion(old)).toBe('1.0');
    expect(scheduled(old)).not.toContain('checkPlanSites');

    const next = await world.post(
      '/api/failovers',
      { plan: 'ver-b', reason: 'versioning' },
      as(world, 'olivia'),
    );
    expect(next.status, JSON.stringify(next.json)).toBe(202);
    const fresh = String(next.json['runId']);
    const freshEnd = await world.waitFor(fresh);
    expect(freshEnd.output).toMatchObject({ outcome: 'succeeded', orchestrationVersion: '2.0' });
    const freshReport = await report(fresh);
    expect(freshReport.orchestrationVersion).toBe('2.0');
    expect(freshReport.sitesCheck?.sites.map((s) => s.site)).toEqual(['dc1']);
    expect(scheduled(fresh)).toContain('checkPlanSites');
  }, 300_000);

  it('a run in the middle of its VM fan-out on 1.0 finishes on 1.0 after a restart on 2.0', async () => {
    await restartOn('1.0'); // nothing in flight: back to 1.0 to start the run there
    const calls = () => world.site.simulated.calls.initiateFailback;
    const before = calls();
    const start = await world.post(
      '/api/failovers',
      { plan: 'ver-c', reason: 'versioning' },
      as(world, 'olivia'),
    );
    expect(start.status, JSON.stringify(start.json)).toBe(202);
    const runId = String(start.json['runId']);
    await world.world.until(() => calls() - before >= 2, { what: 'two VM failbacks started' });
    expect(calls() - before).toBeLessThan(6);

    await restartOn('2.0');
    const end = await world.waitFor(runId);
    expect(end.output).toMatchObject({ outcome: 'succeeded', orchestrationVersion: '1.0' });
    expect(calls() - before).toBeGreaterThanOrEqual(6);
    const r = await report(runId);
    expect(r.orchestrationVersion).toBe('1.0');
    expect(r.sitesCheck).toBeUndefined();
    expect(r.groups[0]?.steps[0]?.outcome).toBe('succeeded');
    expect(scheduled(runId)).not.toContain('checkPlanSites');
  }, 300_000);
});

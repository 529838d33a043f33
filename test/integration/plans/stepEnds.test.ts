import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SITE } from '../../../local/site';
import type { RunReport } from '../../../shared/plans/report';
import type { StoppedFlow } from '../../../shared/plans/stopWork';
import { as } from '../../helpers/people';
import { startPlansWorld, type PlansWorld } from './world';

/**
 * How a step ends when its work does not (issue 21 items 3 and 4), through the real app, the
 * agent and the simulated site: a step that times out terminates its child flow and every flow
 * under it and says what it could not cancel; a drill of a VM that is not at the site ends with
 * the cause (`NotFound`), and no cleanup problem is claimed for a test VM that never existed.
 */
let world: PlansWorld;

const plan = (name: string, approval: 'auto' | 'required', steps: unknown[]) => ({
  name,
  description: `${name}: a test plan`,
  rtoMinutes: 60,
  rpoMinutes: 1440,
  approval,
  groups: [{ name: 'dc1', steps }],
});

beforeAll(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'lifeboat-plans-'));
  await writeFile(
    path.join(dir, 'stop-slow.json'),
    JSON.stringify(
      plan('stop-slow', 'auto', [
        { id: 'slow', kind: 'hyperv.failback', timeoutMinutes: 3, params: { site: 'dc1', vms: ['slow-01'] } },
      ]),
    ),
  );
  await writeFile(
    path.join(dir, 'drill-nope.json'),
    JSON.stringify(
      plan('drill-nope', 'required', [
        { id: 'vms', kind: 'hyperv.failback', timeoutMinutes: 30, params: { site: 'dc1', vms: ['nope-99'] } },
      ]),
    ),
  );
  world = await startPlansWorld({
    plansDir: dir,
    site: {
      ...DEMO_SITE,
      hyperv: {
        vms: [
          ...(DEMO_SITE.hyperv?.vms ?? []),
          // A failback that takes ten hours: the step's three minutes end first.
          { name: 'slow-01', replicationState: 'FailedOver', failbackDurationMs: 10 * 3600_000 },
        ],
      },
    },
  });
}, 300_000);
afterAll(async () => {
  await world?.stop();
});

describe('a step that times out', () => {
  it('terminates its child flow and the flows under it, and says what it stopped and what goes on', async () => {
    const start = await world.post(
      '/api/failovers',
      { plan: 'stop-slow', reason: 'dc1 lost' },
      as(world, 'olivia'),
    );
    expect(start.status, JSON.stringify(start.json)).toBe(202);
    const runId = String(start.json['runId']);
    const end = await world.waitFor(runId, 240_000);
    expect(end.output).toMatchObject({ outcome: 'failed', error: { code: 'StepTimedOut' } });

    const report = (await world.get(`/api/runs/${runId}`)).json as unknown as RunReport;
    const step = report.groups[0]!.steps[0]!;
    expect(step).toMatchObject({ status: 'ended', outcome: 'timedOut', error: { code: 'StepTimedOut' } });
    const stop = step.evidence?.['stop'] as {
      child: string;
      terminated: StoppedFlow[];
      notCancelled: string[];
    };
    const childId = `${runId}-step-slow-work`;
    expect(stop.child).toBe('terminated');
    expect(stop.terminated[0]).toMatchObject({ instanceId: childId, flow: 'vmFailback' });
    const vm = stop.terminated.find((f) => f.flow === 'failbackVm');
    expect(vm?.instanceId.startsWith(`${childId}-`)).toBe(true);
    expect(step.summary).toContain(`terminated vmFailback ${childId}`);
    expect(stop.notCancelled.join('\n')).toContain(
      'Hyper-V failback jobs already started at dc1 could not be cancelled: the agent has no cancel command',
    );

    // Every flow it stopped ended Terminated, and stays so while the failback goes on at the site.
    for (const f of stop.terminated)
      expect(world.host.getStatus(f.instanceId)?.runtimeStatus, f.instanceId).toBe('Terminated');
    const calls = { ...world.site.simulated.calls };
    expect(calls.initiateFailback).toBe(1);
    world.clock.advance(30 * 60_000);
    await world.world.settle();
    expect(world.site.simulated.calls).toEqual(calls);
    expect(world.host.getStatus(childId)?.runtimeStatus).toBe('Terminated');
    // The step itself ended with its result, not as a failed flow.
    expect(world.host.getStatus(`${runId}-step-slow`)?.runtimeStatus).toBe('Completed');
  }, 300_000);
});

describe('a drill of a VM that is not at the site', () => {
  it('ends with the cause NotFound, and claims no cleanup problem for a test VM that never existed', async () => {
    const start = await world.post('/api/drills', { plan: 'drill-nope' }, as(world, 'olivia'));
    expect(start.status, JSON.stringify(start.json)).toBe(202);
    const runId = String(start.json['runId']);
    const end = await world.waitFor(runId, 240_000);
    expect(end.output).toMatchObject({ outcome: 'failed', error: { code: 'NotFound' } });
    expect(end.output.error?.message).toContain('nope-99 failed (NotFound: not a replica VM at this site)');

    const report = (await world.get(`/api/runs/${runId}`)).json as unknown as RunReport;
    const step = report.groups[0]!.steps[0]!;
    expect(step).toMatchObject({ outcome: 'failed', error: { code: 'NotFound' } });
    expect(JSON.stringify(report)).not.toContain('TestVmNotRemoved');
    expect(report.cleanup).toHaveLength(1);
    expect(report.cleanup[0]).toMatchObject({ outcome: 'succeeded', status: 'ended' });
    expect(report.cleanup[0]?.detail).toContain('nothing to remove');
    expect(report.error?.code).toBe('NotFound');
    expect(world.site.simulated.testVms()).toEqual([]);
  }, 300_000);
});

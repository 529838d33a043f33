import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCommandType, isStateChanging } from '../../../shared/contracts';
import type { VmFailbackResult } from '../../../shared/onprem/contracts';
import { relayApp } from './app';
import { startRelayWorld, type RelayWorld } from './helpers';

/**
 * The Hyper-V drill variant end to end (issue 10): vmFailback with `action: 'testFailover'` in the
 * local host, a real agent and the simulated site on one virtual clock. Each VM: Start-VMFailover
 * -AsTest, a replication state read, then Stop-VMFailover whatever happened before it.
 */

const timeouts = { deliveryMs: 120_000, executionMs: 300_000, maxAttempts: 2 };
const VMS = ['app-01', 'app-02', 'sql-01'];

let world: RelayWorld;

beforeAll(async () => {
  world = await startRelayWorld({ app: relayApp, site: 'dc1' });
  await world.startAgent(
    {
      hyperv: {
        vms: [
          ...VMS.map((name) => ({ name, replicationState: 'FailedOver' as const })),
          { name: 'web-01', replicationState: 'Replicating' as const, fail: 'stopTestFailover' as const },
          { name: 'old-01', replicationState: 'Replicating' as const },
        ],
      },
    },
    { idleMaxMs: 200 },
  );
});

afterAll(async () => {
  await world?.stop();
});

const drill = async (vms: string[], concurrency = 2): Promise<VmFailbackResult> => {
  const id = await world.host.startOrchestration('vmFailback', {
    site: world.site,
    vms,
    mode: 'drill',
    action: 'testFailover',
    concurrency,
    pollMs: 30_000,
    timeoutMs: 3600_000,
    timeouts,
  });
  const status = await world.waitFor(id, 120_000);
  expect(status.runtimeStatus).toBe('Completed');
  return status.output as VmFailbackResult;
};

describe('Hyper-V test failover (the drill variant of failback)', () => {
  it('test-fails-over three VMs and stops every test VM, with zero state-changing commands and replication untouched', async () => {
    const site = world.agent!.site;
    const before = VMS.map((vm) => site.replicationState(vm).replicationState);
    const result = await drill(VMS);

    expect(result).toMatchObject({ outcome: 'succeeded', mode: 'drill', action: 'testFailover' });
    expect(result.counts).toEqual({ succeeded: 3, failed: 0, refused: 0, timedOut: 0 });
    expect(result.vms.map((v) => v.vm)).toEqual(VMS);
    for (const v of result.vms)
      expect(v).toMatchObject({
        outcome: 'succeeded',
        action: 'testFailover',
        replicationState: 'FailedOver',
        testVm: { name: `${v.vm} - Test`, created: true, removed: true },
      });
    // Every test VM is gone and replication is as it was.
    expect(site.testVms()).toEqual([]);
    expect(VMS.map((vm) => site.replicationState(vm).replicationState)).toEqual(before);
    expect(site.calls).toMatchObject({
      initiateFailback: 0,
      backupSync: 0,
      createEndpoint: 0,
      startTestFailover: 3,
      stopTestFailover: 3,
    });
    // What the agent executed: only reads and test failovers, all in drill mode.
    const executed = world.agent!.audit.filter((e) => e.event === 'executing');
    expect(executed.map((e) => e.type).sort()).toEqual(
      [
        ...Array<string>(3).fill('hyperv.replicationState'),
        ...Array<string>(3).fill('hyperv.startTestFailover'),
        ...Array<string>(3).fill('hyperv.stopTestFailover'),
      ].sort(),
    );
    expect(executed.every((e) => e.mode === 'drill')).toBe(true);
    expect(executed.filter((e) => isCommandType(e.type) && isStateChanging(e.type))).toEqual([]);
  });

  it('reports a test VM that Stop-VMFailover could not remove as failed, naming the VM, and still tests the others', async () => {
    const site = world.agent!.site;
    const stopsBefore = site.calls.stopTestFailover;
    const result = await drill(['app-01', 'web-01']);

    expect(result.outcome).toBe('partial');
    expect(result.counts).toEqual({ succeeded: 1, failed: 1, refused: 0, timedOut: 0 });
    const web = result.vms.find((v) => v.vm === 'web-01');
    expect(web).toMatchObject({
      outcome: 'failed',
      replicationState: 'Replicating',
      testVm: { name: 'web-01 - Test', created: true, removed: null },
      error: { code: 'TestVmNotRemoved' },
    });
    expect(web?.error?.message).toMatch(/^test VM web-01 - Test still exists: Stop-VMFailover failed/);
    expect(result.error?.message).toMatch(/web-01 failed \(TestVmNotRemoved\)/);
    expect(result.vms.find((v) => v.vm === 'app-01')).toMatchObject({ outcome: 'succeeded' });
    expect(site.calls.stopTestFailover - stopsBefore).toBe(2);
    // The simulated site really still holds it: the report tells the truth.
    expect(site.testVms()).toEqual(['web-01 - Test']);
    expect(site.calls.initiateFailback).toBe(0);
  });

  it('stops the test VM even when the start failed (a test VM left over from an earlier drill)', async () => {
    const site = world.agent!.site;
    site.startTestFailover('old-01');
    const result = await drill(['old-01']);

    expect(result.outcome).toBe('failed');
    expect(result.vms[0]).toMatchObject({
      vm: 'old-01',
      outcome: 'failed',
      error: { code: 'TestVmExists' },
      testVm: { name: 'old-01 - Test', removed: true },
    });
    // No replication read without a test VM; the stop ran and removed the leftover.
    expect(result.vms[0]?.replicationState).toBeUndefined();
    expect(site.testVms()).not.toContain('old-01 - Test');
  });

  it('a plain failback in drill mode is still refused by the agent (the default action)', async () => {
    const id = await world.host.startOrchestration('vmFailback', {
      site: world.site,
      vms: ['app-02'],
      mode: 'drill',
      concurrency: 1,
      pollMs: 30_000,
      timeoutMs: 3600_000,
      timeouts,
    });
    const result = (await world.waitFor(id, 60_000)).output as VmFailbackResult;
    expect(result).toMatchObject({ outcome: 'refused', action: 'failback' });
    expect(world.agent!.site.calls.initiateFailback).toBe(0);
  });
});

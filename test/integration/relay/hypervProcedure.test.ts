import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VmFailbackResult } from '../../../shared/onprem/contracts';
import { startAsLifeboat } from '../../helpers/tickets';
import { relayApp } from './app';
import { startRelayWorld, type RelayWorld } from './helpers';

/**
 * Issue 22 items 6, 7 and 8 through the local host, Azurite and an agent on the simulated site:
 * a finished job Hyper-V removed is not a failure, temporary WMI codes are retried or re-read,
 * and the VM is checked before InitiateFailback is called.
 */

let world: RelayWorld;
const options = {
  mode: 'failover',
  concurrency: 5,
  pollMs: 30_000,
  timeoutMs: 3600_000,
  timeouts: { deliveryMs: 120_000, executionMs: 300_000, maxAttempts: 2 },
};

beforeAll(async () => {
  world = await startRelayWorld({ app: relayApp });
  await world.startAgent(
    {
      hyperv: {
        // Finished jobs disappear 10 s after they end (Hyper-V: CIM_Job.TimeBeforeRemoval).
        jobRetentionMs: 10_000,
        vms: [
          // Ends at 40 s, removed at 50 s: the 60 s poll finds no job.
          { name: 'gone-01', failbackDurationMs: 40_000 },
          { name: 'busy-01', failbackDurationMs: 20_000, returnCodes: [32774, 32777] },
          { name: 'busy-02', returnCode: 32774 },
          { name: 'unknown-01', failbackDurationMs: 20_000, returnCodes: [32771] },
          { name: 'timeout-01', returnCodes: [32772] },
          { name: 'primary-01', replicationMode: 'Primary' },
          { name: 'repl-01', replicationState: 'Replicating' },
        ],
      },
    },
    { idleMaxMs: 200 },
  );
});
afterAll(async () => {
  await world?.stop();
});

async function failBack(vms: string[], extra: Record<string, unknown> = {}): Promise<VmFailbackResult> {
  // A failover-mode flow runs only when Lifeboat starts it (its ticket first: issue 20).
  const id = await startAsLifeboat(world.host, world.azurite.connectionString, 'vmFailback', {
    site: world.site,
    vms,
    ...options,
    ...extra,
  });
  return (await world.waitFor(id, 120_000)).output as VmFailbackResult;
}

describe('Hyper-V Replica failback as the procedure does it', () => {
  it('item 6: a finished job that Hyper-V removed is read through the replication state, not a failure', async () => {
    const result = await failBack(['gone-01']);
    expect(result.vms[0]).toMatchObject({
      vm: 'gone-01',
      outcome: 'succeeded',
      replicationState: 'FailbackCompleted',
      returnCode: 4096,
    });
  });

  it('item 7: 32774 and 32777 are retried with backoff; 32771 is re-read; a code that stays is reported at the deadline', async () => {
    const before = world.agent!.site.calls.initiateFailback;
    const result = await failBack(['busy-01', 'unknown-01']);
    const byVm = new Map(result.vms.map((v) => [v.vm, v]));
    expect(byVm.get('busy-01')).toMatchObject({
      outcome: 'succeeded',
      replicationState: 'FailbackCompleted',
    });
    // 32771 with the VM still FailedOver: the call did not take effect; reported, not retried blindly.
    expect(byVm.get('unknown-01')).toMatchObject({ outcome: 'failed', error: { code: 'wmi-32771' } });
    expect(world.agent!.site.calls.initiateFailback - before).toBe(3 + 1);

    const stuck = await failBack(['busy-02'], { timeoutMs: 600_000 });
    expect(stuck.vms[0]).toMatchObject({ outcome: 'failed', error: { code: 'wmi-32774' } });
    expect(stuck.vms[0]?.error?.message).toMatch(/retries at the deadline/);
  });

  it('item 7: 32772 re-reads the state before reporting; the read is in the reason', async () => {
    const before = world.agent!.site.calls.initiateFailback;
    const result = await failBack(['timeout-01']);
    expect(result.vms[0]).toMatchObject({
      vm: 'timeout-01',
      outcome: 'failed',
      error: { code: 'wmi-32772' },
    });
    expect(result.vms[0]?.error?.message).toMatch(/Timeout \(replication state FailedOver\)/);
    expect(world.agent!.site.calls.initiateFailback - before).toBe(1);
  });

  it('item 8: unknown, not-a-replica and wrong-state VMs are refused with their reason, nothing called', async () => {
    const before = world.agent!.site.calls.initiateFailback;
    const result = await failBack(['no-such-vm', 'primary-01', 'repl-01']);
    const byVm = new Map(result.vms.map((v) => [v.vm, v]));
    expect(byVm.get('no-such-vm')).toMatchObject({ outcome: 'failed', error: { code: 'NotFound' } });
    expect(byVm.get('primary-01')).toMatchObject({ outcome: 'refused', error: { code: 'NotReplica' } });
    expect(byVm.get('primary-01')?.error?.message).toContain('Primary');
    expect(byVm.get('repl-01')).toMatchObject({ outcome: 'refused', error: { code: 'WrongState' } });
    expect(byVm.get('repl-01')?.error?.message).toContain('Replicating');
    expect(world.agent!.site.calls.initiateFailback).toBe(before);
  });

  it('item 8: a drill on an unknown VM reports NotFound, not TestVmNotRemoved; a primary is refused', async () => {
    const result = await failBack(['no-such-vm', 'primary-01'], { mode: 'drill', action: 'testFailover' });
    const byVm = new Map(result.vms.map((v) => [v.vm, v]));
    expect(byVm.get('no-such-vm')).toMatchObject({
      outcome: 'failed',
      error: { code: 'NotFound' },
      testVm: { created: false, removed: false },
    });
    expect(byVm.get('primary-01')).toMatchObject({ outcome: 'refused', error: { code: 'NotReplica' } });
    expect(world.agent!.site.testVms()).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandEnvelope } from '../../../shared/contracts';
import type { VmFailbackResult } from '../../../shared/onprem/contracts';
import { startAsLifeboat } from '../../helpers/tickets';
import { relayApp } from './app';
import { startRelayWorld, type RelayWorld } from './helpers';

/**
 * Issue 22 item 9 through the local host, Azurite and an agent on a simulated two-node failover
 * cluster (HVC01: HV01, where the agent runs, and HV02). The agent's site setting names the
 * cluster; each Hyper-V call goes to the node that owns the VM's role, and a VM whose role moves
 * during its failback is reported (VmMoved, both nodes) and followed to its new owner.
 */

let world: RelayWorld;
/** Called after the agent executed a command (a move between two commands of one step). */
let onExecuted: ((command: CommandEnvelope) => void) | undefined;
const options = {
  mode: 'failover',
  concurrency: 5,
  pollMs: 30_000,
  timeoutMs: 3600_000,
  timeouts: { deliveryMs: 120_000, executionMs: 300_000, maxAttempts: 2 },
};
const description = {
  hyperv: {
    cluster: { name: 'HVC01', nodes: ['HV01', 'HV02'], localNode: 'HV01' },
    vms: [
      { name: 'app-01', ownerNode: 'HV02', failbackDurationMs: 40_000 },
      { name: 'app-02', ownerNode: 'HV01', failbackDurationMs: 40_000 },
      { name: 'moves-at-call', ownerNode: 'HV02', failbackDurationMs: 40_000 },
      { name: 'moves-in-job', ownerNode: 'HV02', failbackDurationMs: 90_000 },
      { name: 'moves-in-read', ownerNode: 'HV02', failbackDurationMs: 40_000 },
      { name: 'drill-01', ownerNode: 'HV02' },
    ],
  },
};

beforeAll(async () => {
  world = await startRelayWorld({ app: relayApp });
  await world.startAgent(description, { idleMaxMs: 200 }, { afterExecute: (c) => onExecuted?.(c) });
});
afterAll(async () => {
  await world?.stop();
});

async function failBack(vms: string[], extra: Record<string, unknown> = {}): Promise<VmFailbackResult> {
  const id = await startAsLifeboat(world.host, world.azurite.connectionString, 'vmFailback', {
    site: world.site,
    vms,
    ...options,
    ...extra,
  });
  return (await world.waitFor(id, 120_000)).output as VmFailbackResult;
}

const callsOf = (vm: string) => world.agent!.site.wmiCalls.filter((c) => c.vm === vm);

describe('Hyper-V Replica failback on a failover cluster', () => {
  it('calls InitiateFailback and polls its job on the node that owns each VM', async () => {
    const result = await failBack(['app-01', 'app-02']);
    expect(result.outcome).toBe('succeeded');
    const byVm = new Map(result.vms.map((v) => [v.vm, v]));
    for (const vm of ['app-01', 'app-02'])
      expect(byVm.get(vm)).toMatchObject({
        outcome: 'succeeded',
        returnCode: 4096,
        replicationState: 'FailbackCompleted',
      });
    expect(byVm.get('app-01')?.vmMoved).toBeUndefined();
    // Every call reached the owner; none was refused by a node without the VM.
    for (const [vm, owner] of [
      ['app-01', 'HV02'],
      ['app-02', 'HV01'],
    ] as const) {
      const calls = callsOf(vm);
      expect(calls.filter((c) => c.operation === 'initiateFailback')).toEqual([
        { operation: 'initiateFailback', vm, node: owner },
      ]);
      expect(calls.some((c) => c.operation === 'jobStatus')).toBe(true);
      expect(calls.every((c) => c.node === owner && c.refused === undefined)).toBe(true);
    }
  });

  it('a VM that moves right after InitiateFailback: VmMoved, sent again to the new owner, which answers already done', async () => {
    world.agent!.site.moveDuring('moves-at-call', 'afterInitiateFailback', 'HV01');
    const result = await failBack(['moves-at-call']);
    expect(result.vms[0]).toMatchObject({
      vm: 'moves-at-call',
      outcome: 'succeeded',
      alreadyDone: true,
      replicationState: 'FailbackCompleted',
      vmMoved: { code: 'VmMoved' },
    });
    expect(result.vms[0]?.vmMoved?.message).toMatch(/from node HV02 to node HV01/);
    // Called once, on the old owner; everything after the move went to the new owner.
    const calls = callsOf('moves-at-call');
    expect(calls.filter((c) => c.operation === 'initiateFailback')).toEqual([
      { operation: 'initiateFailback', vm: 'moves-at-call', node: 'HV02' },
    ]);
    const afterCall = calls.slice(calls.findIndex((c) => c.operation === 'initiateFailback') + 1);
    expect(afterCall.length).toBeGreaterThan(0);
    expect(afterCall.every((c) => c.node === 'HV01')).toBe(true);
  });

  it('a VM that moves while its failback job runs: the job poll reports VmMoved, the state is read on the new owner', async () => {
    onExecuted = (c) => {
      if (c.type === 'hyperv.initiateFailback' && (c.params as { vm: string }).vm === 'moves-in-job') {
        onExecuted = undefined;
        world.agent!.site.moveVm('moves-in-job', 'HV01');
      }
    };
    const result = await failBack(['moves-in-job']);
    expect(result.vms[0]).toMatchObject({
      vm: 'moves-in-job',
      outcome: 'succeeded',
      returnCode: 4096,
      replicationState: 'FailbackCompleted',
      vmMoved: { code: 'VmMoved' },
    });
    expect(result.vms[0]?.alreadyDone).toBeUndefined();
    expect(result.vms[0]?.vmMoved?.message).toMatch(/from node HV02 to node HV01 while its failback job/);
    const calls = callsOf('moves-in-job');
    expect(calls.find((c) => c.operation === 'initiateFailback')?.node).toBe('HV02');
    // The job was never read on a node that did not run it; the state was read on the new owner.
    expect(calls.filter((c) => c.operation === 'jobStatus')).toEqual([]);
    expect(calls.filter((c) => c.operation === 'replicationState').at(-1)?.node).toBe('HV01');
  });

  it('a VM that moves while its replication state is read: read again on the new owner, not a failure', async () => {
    onExecuted = (c) => {
      // Once the failback is under way, the next state read (after the job) sees the role move.
      if (c.type === 'hyperv.initiateFailback' && (c.params as { vm: string }).vm === 'moves-in-read') {
        onExecuted = undefined;
        world.agent!.site.moveDuring('moves-in-read', 'afterStateRead', 'HV01');
      }
    };
    const result = await failBack(['moves-in-read']);
    expect(result.vms[0]).toMatchObject({
      vm: 'moves-in-read',
      outcome: 'succeeded',
      returnCode: 4096,
      replicationState: 'FailbackCompleted',
      vmMoved: { code: 'VmMoved' },
    });
    expect(result.vms[0]?.vmMoved?.message).toMatch(
      /from node HV02 to node HV01 during the replication state read/,
    );
    const reads = callsOf('moves-in-read').filter((c) => c.operation === 'replicationState');
    expect(reads.at(-1)?.node).toBe('HV01');
  });

  it('a drill starts and stops the test VM on the owner node', async () => {
    const result = await failBack(['drill-01'], { mode: 'drill', action: 'testFailover' });
    expect(result.vms[0]).toMatchObject({ outcome: 'succeeded', testVm: { created: true, removed: true } });
    const calls = callsOf('drill-01').filter((c) => c.operation !== 'replicationState');
    expect(calls.map((c) => [c.operation, c.node])).toEqual([
      ['startTestFailover', 'HV02'],
      ['stopTestFailover', 'HV02'],
    ]);
  });

  it('an agent not told that its site is a cluster reaches only its own node: NotFound for a VM HV02 owns', async () => {
    const agent = await world.world.startAgent(world.site, {
      description,
      poll: { idleMaxMs: 200 },
      hypervCluster: null,
    });
    const result = await failBack(['app-01']);
    expect(result.vms[0]).toMatchObject({ outcome: 'failed', error: { code: 'NotFound' } });
    expect(result.vms[0]?.error?.message).toContain('HV01');
    expect(agent.simulated.calls.initiateFailback).toBe(0);
    expect(agent.simulated.wmiCalls).toEqual([
      { operation: 'replicationState', vm: 'app-01', node: 'HV01', refused: true },
    ]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LyncConferenceRestoreResult, VmFailbackResult } from '../../../shared/onprem/contracts';
import type { RunAgentCommandOutcome } from '../../../shared/relay/contracts';
import { relayApp } from './app';
import { startRelayWorld, type RelayWorld } from './helpers';
import { startAsLifeboat } from '../../helpers/tickets';

/**
 * End to end: the relay functions in the local host, Azurite queues and blobs, and a real agent
 * in-process with the simulated site, on one virtual clock (issue 5, "Tests").
 */

const VMS = Array.from({ length: 20 }, (_, i) => `vm-${String(i + 1).padStart(2, '0')}`);
const timeouts = { deliveryMs: 120_000, executionMs: 300_000, maxAttempts: 2 };

let world: RelayWorld;

beforeAll(async () => {
  world = await startRelayWorld({ app: relayApp });
  await world.startAgent(
    {
      lync: {
        pools: [
          { fqdn: 'pool2.contoso.com', pairedWith: 'pool1.contoso.com', syncDurationMs: 95_000 },
          // Not paired with anything: the procedure cannot restore from it.
          { fqdn: 'pool3.contoso.com' },
          // The Backup Service picks a sync up 40 s later: a steady reading at 30 s is from before it.
          {
            fqdn: 'pool4.contoso.com',
            pairedWith: 'pool5.contoso.com',
            syncLagMs: 40_000,
            syncDurationMs: 50_000,
          },
          // Never seen running: steady throughout (a sync too short to see, or not yet picked up).
          { fqdn: 'pool6.contoso.com', pairedWith: 'pool7.contoso.com', syncLagMs: 86_400_000 },
        ],
      },
      hyperv: {
        vms: VMS.map((name) => ({
          name,
          failbackDurationMs: 60_000,
          ...(name === 'vm-07'
            ? { fail: 'initiate' as const }
            : name === 'vm-13'
              ? { fail: 'job' as const }
              : {}),
        })),
      },
    },
    { idleMaxMs: 200 },
  );
});

afterAll(async () => {
  await world?.stop();
});

describe('relay end to end', () => {
  it('lyncConferenceRestore syncs, polls on durable timers and reaches done', async () => {
    const id = await startAsLifeboat(world.host, world.azurite.connectionString, 'lyncConferenceRestore', {
      site: world.site,
      poolFqdn: 'pool2.contoso.com',
      lostPoolFqdn: 'pool1.contoso.com',
      mode: 'failover',
      pollMs: 30_000,
      timeoutMs: 3600_000,
      timeouts,
    });
    const status = await world.waitFor(id);
    expect(status.runtimeStatus).toBe('Completed');
    const result = status.output as LyncConferenceRestoreResult;
    expect(result.outcome).toBe('succeeded');
    expect(result.lastStatus).toEqual({ exportStatus: 'SteadyState', importStatus: 'NormalState' });
    // 95 s of sync at 30 s polls: in progress at 30, 60 and 90 s, done at 120 s.
    expect(result.polls).toBe(4);
    expect(world.agent!.site.calls.backupSync).toBe(1);
  });

  const restore = (poolFqdn: string, lostPoolFqdn: string, timeoutMs = 3600_000) =>
    startAsLifeboat(world.host, world.azurite.connectionString, 'lyncConferenceRestore', {
      site: world.site,
      poolFqdn,
      lostPoolFqdn,
      mode: 'failover',
      pollMs: 30_000,
      timeoutMs,
      timeouts,
    });

  it('item 1: pools that are not a pair are refused (NotPaired, both named) and nothing is synced', async () => {
    const before = world.agent!.site.calls.backupSync;
    for (const [pool, lost] of [
      ['pool3.contoso.com', 'pool1.contoso.com'],
      ['pool2.contoso.com', 'pool5.contoso.com'],
    ] as const) {
      const result = (await world.waitFor(await restore(pool, lost))).output as LyncConferenceRestoreResult;
      expect(result).toMatchObject({ outcome: 'refused', error: { code: 'NotPaired' } });
      expect(result.error?.message).toContain(pool);
      expect(result.error?.message).toContain(lost);
      expect(result.polls).toBe(0);
    }
    // The pool that lost the data is never the pool synced: refused before any command.
    const same = (await world.waitFor(await restore('pool2.contoso.com', 'POOL2.contoso.com')))
      .output as LyncConferenceRestoreResult;
    expect(same).toMatchObject({ outcome: 'refused', error: { code: 'InvalidInput' } });
    expect(same.error?.message).toMatch(/lostPoolFqdn: must differ from poolFqdn/);
    expect(world.agent!.site.calls.backupSync).toBe(before);
  });

  it('item 3: a steady reading before the Backup Service moved is not done; done after it ran', async () => {
    const result = (await world.waitFor(await restore('pool4.contoso.com', 'pool5.contoso.com')))
      .output as LyncConferenceRestoreResult;
    // 30 s: SteadyState from before the sync (not done); 60 s: NonSteadyState; 90 s: steady after it.
    expect(result).toMatchObject({ outcome: 'succeeded', polls: 3, movedAfterSync: true });
    // Steady throughout: not done before a full Backup Service cycle (2 minutes) since the sync...
    const early = (await world.waitFor(await restore('pool6.contoso.com', 'pool7.contoso.com', 100_000)))
      .output as LyncConferenceRestoreResult;
    expect(early).toMatchObject({
      outcome: 'timedOut',
      movedAfterSync: false,
      lastStatus: { exportStatus: 'SteadyState', importStatus: 'NormalState' },
    });
    expect(early.error?.message).toMatch(/not yet shown to follow the sync/);
    // ...and done at the first steady reading a cycle after it (30, 60, 90 s not; 120 s yes).
    const later = (await world.waitFor(await restore('pool6.contoso.com', 'pool7.contoso.com')))
      .output as LyncConferenceRestoreResult;
    expect(later).toMatchObject({ outcome: 'succeeded', polls: 4, movedAfterSync: false });
  });

  it('vmFailback over 20 VMs with two failing reports partial with every VM', async () => {
    const id = await startAsLifeboat(world.host, world.azurite.connectionString, 'vmFailback', {
      site: world.site,
      vms: VMS,
      mode: 'failover',
      concurrency: 5,
      pollMs: 30_000,
      timeoutMs: 3600_000,
      timeouts,
    });
    const status = await world.waitFor(id, 120_000);
    expect(status.runtimeStatus).toBe('Completed');
    const result = status.output as VmFailbackResult;
    expect(result.outcome).toBe('partial');
    expect(result.vms.map((v) => v.vm)).toEqual(VMS);
    expect(result.counts).toEqual({ succeeded: 18, failed: 2, refused: 0, timedOut: 0 });
    const byVm = new Map(result.vms.map((v) => [v.vm, v]));
    expect(byVm.get('vm-07')).toMatchObject({ outcome: 'failed', error: { code: 'wmi-32768' } });
    expect(byVm.get('vm-13')).toMatchObject({ outcome: 'failed', error: { code: 'job-Exception' } });
    for (const vm of VMS.filter((v) => v !== 'vm-07' && v !== 'vm-13')) {
      expect(byVm.get(vm)).toMatchObject({
        outcome: 'succeeded',
        replicationState: 'FailbackCompleted',
        returnCode: 4096,
      });
    }
    // Exactly one InitiateFailback per VM: nothing was re-sent.
    expect(world.agent!.site.calls.initiateFailback).toBe(20);
  });

  it('a drill-mode failback is refused by the agent (refused, refusedInDrill) and changes nothing', async () => {
    const before = world.agent!.site.calls.initiateFailback;
    const id = await world.host.startOrchestration('runAgentCommand', {
      site: world.site,
      type: 'hyperv.initiateFailback',
      params: { vm: 'vm-01' },
      mode: 'drill',
      timeouts,
    });
    const status = await world.waitFor(id);
    const outcome = status.output as RunAgentCommandOutcome;
    expect(outcome.outcome).toBe('refused');
    expect(outcome.error?.code).toBe('refusedInDrill');
    expect(outcome.attempts).toBe(1);
    expect(world.agent!.site.calls.initiateFailback).toBe(before);
  });
});

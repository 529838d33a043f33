import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LyncConferenceRestoreResult, VmFailbackResult } from '../../../shared/onprem/contracts';
import { relayApp } from './app';
import { startRelayWorld, type RelayWorld } from './helpers';
import { startAsLifeboat } from '../../helpers/tickets';

/**
 * Issue 14, defect 2: an agent that stops between executing a command and answering it answers
 * the redelivered command `interrupted`; the flows then read state and continue from what they
 * find (agent/README.md), instead of ending `failed` with nothing read.
 */
let world: RelayWorld;
const killedOnce = new Set<string>();

beforeAll(async () => {
  world = await startRelayWorld({ app: relayApp });
  await world.startAgent(
    {
      // No lag: the status read right after the interrupted sync shows it running (this test's point).
      lync: {
        pools: [
          {
            fqdn: 'pool2.contoso.com',
            pairedWith: 'pool1.contoso.com',
            syncLagMs: 0,
            syncDurationMs: 95_000,
          },
        ],
      },
      hyperv: { vms: [{ name: 'vm-01', failbackDurationMs: 60_000 }] },
    },
    // Redelivered a second after the "crash", not after ten minutes.
    { visibilityTimeoutSeconds: 1 },
    {
      // Stands for the agent's process killed after executing, before answering: once per type.
      afterExecute: (command) => {
        if (command.type !== 'lync.backupSync' && command.type !== 'hyperv.initiateFailback') return;
        if (killedOnce.has(command.type)) return;
        killedOnce.add(command.type);
        throw new Error('killed');
      },
    },
  );
});
afterAll(async () => {
  await world?.stop();
});

describe('interrupted commands', () => {
  it('a Lync sync interrupted after it ran: the flow reads status, finds it running, and waits for it', async () => {
    const id = await startAsLifeboat(world.host, world.azurite.connectionString, 'lyncConferenceRestore', {
      site: world.site,
      poolFqdn: 'pool2.contoso.com',
      lostPoolFqdn: 'pool1.contoso.com',
      mode: 'failover',
      pollMs: 30_000,
      timeoutMs: 3600_000,
      timeouts: { deliveryMs: 60_000, executionMs: 60_000, maxAttempts: 2 },
    });
    const result = (await world.waitFor(id, 120_000)).output as LyncConferenceRestoreResult;
    expect(result).toMatchObject({ outcome: 'succeeded', lastStatus: { exportStatus: 'SteadyState' } });
    expect(result.polls).toBeGreaterThan(0);
    // The sync ran once: the state read showed it running, so it was not sent again.
    expect(world.agent!.site.calls.backupSync).toBe(1);
  });

  it('a failback interrupted after InitiateFailback: the replication state shows it applied, and the VM is failed back once', async () => {
    const id = await startAsLifeboat(world.host, world.azurite.connectionString, 'vmFailback', {
      site: world.site,
      vms: ['vm-01'],
      mode: 'failover',
      concurrency: 1,
      pollMs: 30_000,
      timeoutMs: 3600_000,
      timeouts: { deliveryMs: 60_000, executionMs: 60_000, maxAttempts: 2 },
    });
    const result = (await world.waitFor(id, 120_000)).output as VmFailbackResult;
    expect(result).toMatchObject({ outcome: 'succeeded', counts: { succeeded: 1 } });
    expect(result.vms[0]).toMatchObject({
      vm: 'vm-01',
      outcome: 'succeeded',
      replicationState: 'FailbackCompleted',
    });
    expect(world.agent!.site.calls.initiateFailback).toBe(1);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VmFailbackResult } from '../../../shared/onprem/contracts';
import { relayApp } from './app';
import { startRelayWorld, type RelayWorld } from './helpers';
import { startAsLifeboat } from '../../helpers/tickets';

/**
 * Issue 14, defect 6: Hyper-V VM names are case-insensitive, so `app-01` and `APP-01` are one VM
 * and get one InitiateFailback; a list that names VMs both by name and by id is refused before any
 * failback (it could name one VM twice).
 */
let world: RelayWorld;
const VM_ID = '6f1c3a52-3c2e-4b7e-9a55-0d3f7e2b9c11';

beforeAll(async () => {
  world = await startRelayWorld({ app: relayApp });
  await world.startAgent({ hyperv: { vms: [{ name: 'app-01', id: VM_ID, failbackDurationMs: 60_000 }] } });
});
afterAll(async () => {
  await world?.stop();
});

const options = {
  mode: 'failover',
  concurrency: 5,
  pollMs: 30_000,
  timeoutMs: 3600_000,
  timeouts: { deliveryMs: 60_000, executionMs: 60_000, maxAttempts: 2 },
};

describe('VM names in a failback', () => {
  it('one VM named in two cases is failed back once and listed once', async () => {
    const id = await startAsLifeboat(world.host, world.azurite.connectionString, 'vmFailback', {
      site: world.site,
      vms: ['app-01', 'APP-01'],
      ...options,
    });
    const result = (await world.waitFor(id)).output as VmFailbackResult;
    expect(result.outcome).toBe('succeeded');
    expect(result.vms.map((v) => v.vm)).toEqual(['app-01']);
    expect(world.agent!.site.calls.initiateFailback).toBe(1);
  });

  it('a list naming VMs by name and by id is refused before any failback, with the field named', async () => {
    const before = world.agent!.site.calls.initiateFailback;
    const id = await world.host.startOrchestration('vmFailback', {
      site: world.site,
      vms: ['app-01', VM_ID],
      ...options,
    });
    const status = await world.waitFor(id);
    expect(status.output).toMatchObject({
      outcome: 'refused',
      error: { code: 'InvalidInput', message: expect.stringMatching(/vms: .*by name or every VM by id/) },
    });
    expect(world.agent!.site.calls.initiateFailback).toBe(before);
    const res = await world.host.fetch('/api/onprem/vm-failback', {
      method: 'POST',
      body: JSON.stringify({ site: world.site, vms: ['app-01', VM_ID], mode: 'drill' }),
    });
    expect(res.status).toBe(400);
  });
});

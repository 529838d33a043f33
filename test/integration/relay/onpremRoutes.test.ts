import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '../../../shared/steps/runs';
import { relayApp } from './app';
import { startRelayWorld, type RelayWorld } from './helpers';
import { startAsLifeboat } from '../../helpers/tickets';

/**
 * Operators start on-premises flows through Lifeboat's own route, which validates before starting
 * anything, and read runs through GET /api/runs/{id} (issue 8, item 9).
 */
let world: RelayWorld;

beforeAll(async () => {
  world = await startRelayWorld({ app: relayApp });
  await world.startAgent({
    lync: { pools: [{ fqdn: 'pool2.contoso.com', pairedWith: 'pool1.contoso.com', syncDurationMs: 60_000 }] },
  });
});
afterAll(async () => {
  await world?.stop();
});

async function post(flow: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await world.host.fetch(`/api/onprem/${flow}`, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('POST /api/onprem/{flow}', () => {
  it('refuses before starting anything: failover 403, bad field 400, unknown site or flow 404', async () => {
    const before = world.agent!.site.calls.initiateFailback;
    expect(await post('vm-failback', { site: world.site, vms: ['vm-01'], mode: 'failover' })).toMatchObject({
      status: 403,
      json: { error: { code: 'FailoverNeedsPlan' } },
    });
    expect(await post('vm-failback', { site: world.site, vms: [], mode: 'drill' })).toMatchObject({
      status: 400,
      json: { error: { code: 'InvalidInput', message: expect.stringMatching(/^vms: /) } },
    });
    expect(await post('vm-failback', { site: 'nowhere', vms: ['vm-01'], mode: 'drill' })).toMatchObject({
      status: 404,
      json: { error: { code: 'UnknownSite' } },
    });
    expect(await post('teleport', {})).toMatchObject({ status: 404, json: { error: { code: 'NotFound' } } });
    expect(world.agent!.site.calls.initiateFailback).toBe(before);
  });

  it('starts a drill and GET /api/runs/{id} shows it as an operator reads it: a correct refusal, not a failure', async () => {
    const started = await post('lync-restore', {
      site: world.site,
      poolFqdn: 'pool2.contoso.com',
      lostPoolFqdn: 'pool1.contoso.com',
      mode: 'drill',
    });
    expect(started.status).toBe(202);
    const id = String(started.json['instanceId']);
    expect(started.json['statusUri']).toBe(`/api/runs/${id}`);
    await world.waitFor(id);
    const res = await world.host.fetch(`/api/runs/${id}`);
    expect(res.status).toBe(200);
    const run = (await res.json()) as RunView;
    expect(run).toMatchObject({
      instanceId: id,
      flow: 'lyncConferenceRestore',
      runtimeStatus: 'Completed',
      outcome: 'refused',
      error: { code: 'refusedInDrill' },
      progress: { phase: 'finished', outcome: 'refused' },
    });
    const missing = await world.host.fetch('/api/runs/no-such-run');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'NotFound' } });
  });
});

describe('errors from a failing activity', () => {
  it('vmFailback at a site commands cannot go to: every VM failed with code and message, no stack or path', async () => {
    const id = await startAsLifeboat(world.host, world.azurite.connectionString, 'vmFailback', {
      site: 'site-z',
      vms: ['vm-01', 'vm-02'],
      mode: 'failover',
      concurrency: 2,
      pollMs: 30_000,
      timeoutMs: 3600_000,
      timeouts: { deliveryMs: 60_000, executionMs: 60_000, maxAttempts: 1 },
    });
    const status = await world.waitFor(id);
    expect(status.output).toMatchObject({ outcome: 'failed', counts: { failed: 2 } });
    const text = JSON.stringify([status.output, status.customStatus]);
    for (const leak of [
      /\bat \S+ \(/,
      /\\n\s+at /,
      /\/(?:dist|functions|shared)\//,
      /\.[cm]?[jt]s:\d+/,
      /\[nonRetryable\]/,
    ])
      expect(text).not.toMatch(leak);
    expect(
      (status.output as { vms: { error?: { code: string; message: string } }[] }).vms[0]?.error,
    ).toMatchObject({
      code: 'sendFailed',
      message: expect.stringMatching(/site-z/),
    });
  });
});

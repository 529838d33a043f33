import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RestoreRunResult } from '../../../shared/restore/run';
import { postJson, restorePosts, startRestoreWorld, type RestoreWorld } from './helpers';

/**
 * Issue 9, the restore's gaps: the restore POST is sent at most once per run (a begin delivered
 * twice, poll errors after the accepted POST), a 403 on its polls makes the run watch the target
 * instead of failing, and the timings say what the service reported about the completion.
 */

let w: RestoreWorld;
let atBackup: unknown;

const configuration = {
  apis: [
    { name: 'orders', path: 'orders' },
    { name: 'billing', path: 'billing' },
  ],
  products: [{ name: 'starter' }],
  namedValues: [{ name: 'backend-key', value: 'secret-value', secret: true }],
};

beforeAll(async () => {
  w = await startRestoreWorld(
    [
      { name: 'prod', sku: { name: 'Developer' }, location: 'West Europe', configuration },
      { name: 'prod-standby', sku: { name: 'Developer' }, location: 'North Europe' },
      { name: 'prod-drill', sku: { name: 'Developer' }, location: 'North Europe' },
    ],
    [{ service: 'prod', standby: 'prod-standby', drillTargets: ['prod-drill'] }],
  );
  const started = await postJson(w.host, '/api/backups', { services: ['prod'] });
  expect(started.status).toBe(202);
  const done = await w.host.waitForInstance('backup-prod');
  expect(done.output).toMatchObject({ outcome: 'succeeded', manifest: { outcome: 'succeeded' } });
  atBackup = w.stack.arm.services.get(w.ids['prod']!)!.configuration;
}, 120_000);
afterEach(() => {
  w.stack.arm.faults.clear();
  w.host.host.durable.duplicateActivities = undefined;
});
afterAll(async () => {
  await w?.stop();
});

async function restore(body: Record<string, unknown>): Promise<{ id: string; out: RestoreRunResult }> {
  const started = await postJson(w.host, '/api/restores', body);
  expect(started.status).toBe(202);
  const id = started.json['instanceId'] as string;
  const done = await w.host.waitForInstance(id, { timeoutMs: 60_000 });
  expect(done.runtimeStatus).toBe('Completed');
  return { id, out: done.output as RestoreRunResult };
}

/** Clears the target's lists, so only a restore that took effect can verify. */
function wipe(name: string): void {
  w.stack.arm.services.update(w.ids[name]!, { configuration: { apis: [], products: [], namedValues: [] } });
}

describe('the restore POST is sent at most once per run', () => {
  it('a begin activity delivered twice (at-least-once) starts one restore', async () => {
    wipe('prod-standby');
    const before = restorePosts(w.stack, 'prod-standby');
    w.host.host.durable.duplicateActivities = (name) => name === 'beginApimRestore';
    const { out } = await restore({ service: 'prod' });
    expect(out.outcome).toBe('succeeded');
    expect(out.verification?.equal).toBe(true);
    expect(restorePosts(w.stack, 'prod-standby') - before).toBe(1);
    expect(w.stack.arm.services.get(w.ids['prod-standby']!)!.configuration).toEqual(atBackup);
  });

  it('5xx on the polls after the accepted POST are retried as polls, not as a new restore', async () => {
    wipe('prod-drill');
    const before = restorePosts(w.stack, 'prod-drill');
    // The SDK's immediate poll after the POST spends four (1 + 3 pipeline retries), the next poll
    // four more (the run retries it), the one after that two.
    w.stack.arm.faults.inject({ kind: 'http', status: 500 }, { times: 10, on: 'poll' });
    const { out } = await restore({ service: 'prod', target: 'prod-drill', mode: 'drill' });
    expect(out.outcome).toBe('succeeded');
    expect(out.retries).toBeGreaterThanOrEqual(1);
    expect(w.stack.arm.faults.pending()).toBe(0);
    expect(restorePosts(w.stack, 'prod-drill') - before).toBe(1);
    expect(w.stack.arm.services.get(w.ids['prod-drill']!)!.configuration).toEqual(atBackup);
  });
});

describe('a restore whose operation cannot be read (403 on its polls)', () => {
  it('watches the target until it is back from Updating, then verifies', async () => {
    wipe('prod-drill');
    const before = restorePosts(w.stack, 'prod-drill');
    w.stack.arm.faults.inject(
      { kind: 'http', status: 403, code: 'AuthorizationFailed', message: 'Injected: no read on operations' },
      { times: 10_000, on: 'poll' },
    );
    const targetGets = () =>
      w.stack.arm.requests().filter((r) => r.method === 'GET' && /\/service\/prod-drill\/?$/i.test(r.path))
        .length;
    const getsBefore = targetGets();
    const { out } = await restore({ service: 'prod', target: 'prod-drill', mode: 'drill' });
    expect(out.outcome).toBe('succeeded');
    expect(out.verification).toEqual({ equal: true, differences: [], differenceCount: 0 });
    expect(out.timings.completedAtSource).toBe('unknown');
    // Detected only once the emulator's 30-minute restore had ended.
    expect(Date.parse(out.timings.detectedAt!) - Date.parse(out.timings.acceptedAt!)).toBeGreaterThanOrEqual(
      30 * 60_000,
    );
    // Watched: one GET of the target per poll of the 30-minute restore (Retry-After 60 s).
    expect(targetGets() - getsBefore).toBeGreaterThanOrEqual(30);
    expect(restorePosts(w.stack, 'prod-drill') - before).toBe(1);
    expect(w.stack.arm.services.get(w.ids['prod-drill']!)!.configuration).toEqual(atBackup);
  });

  it('a watched restore that never ends times out, with the reason', async () => {
    const before = restorePosts(w.stack, 'prod-drill');
    w.stack.arm.durations.restoreMs = 10 * 3_600_000;
    try {
      w.stack.arm.faults.inject(
        { kind: 'http', status: 403, code: 'AuthorizationFailed' },
        { times: 10_000, on: 'poll' },
      );
      const { out } = await restore({ service: 'prod', target: 'prod-drill', mode: 'drill' });
      expect(out.outcome).toBe('timedOut');
      expect(out.error?.code).toBe('RestoreTimeout');
      expect(out.error?.message).toContain('403 on its poll');
      expect(out.error?.message).toContain('still Updating');
      expect(restorePosts(w.stack, 'prod-drill') - before).toBe(1);
    } finally {
      w.stack.arm.durations.restoreMs = 30 * 60_000;
      // Let the long restore end before the next test uses the target.
      w.clock.advance(10 * 3_600_000);
    }
  });
});

describe('restore timings', () => {
  it('say the service did not report a completion time, and GET /api/restores/{id} shows them', async () => {
    const { id, out } = await restore({ service: 'prod', target: 'prod-drill', mode: 'drill' });
    expect(out.outcome).toBe('succeeded');
    // Live APIM's final answer is the service resource, with no completion time (nor the emulator's).
    expect(out.timings.completedAtSource).toBe('unknown');
    expect(out.timings.completedAt).toBeUndefined();
    const view = (await (await w.host.fetch(`/api/restores/${id}`)).json()) as { result: RestoreRunResult };
    expect(view.result.timings).toMatchObject({
      acceptedAt: out.timings.acceptedAt,
      completedAtSource: 'unknown',
      detectedAt: out.timings.detectedAt,
      verifiedAt: out.timings.verifiedAt,
    });
  });

  it('carry the completion time when the final answer reports one (endTime)', async () => {
    w.stack.arm.finalAnswer.endTime = true;
    try {
      const { id, out } = await restore({ service: 'prod', target: 'prod-drill', mode: 'drill' });
      expect(out.outcome).toBe('succeeded');
      expect(out.timings.completedAtSource).toBe('operation');
      // The emulator's restore takes 30 minutes on the clock from the accepted POST.
      expect(out.timings.completedAt).toBe(
        new Date(Date.parse(out.timings.acceptedAt!) + 30 * 60_000).toISOString(),
      );
      expect(Date.parse(out.timings.detectedAt!)).toBeGreaterThanOrEqual(
        Date.parse(out.timings.completedAt!),
      );
      const view = (await (await w.host.fetch(`/api/restores/${id}`)).json()) as { result: RestoreRunResult };
      expect(view.result.timings.completedAt).toBe(out.timings.completedAt);
    } finally {
      w.stack.arm.finalAnswer.endTime = false;
    }
  });
});

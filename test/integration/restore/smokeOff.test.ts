import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, restorePosts, startRestoreWorld, type RestoreWorld } from './helpers';

let w: RestoreWorld;

beforeAll(async () => {
  w = await startRestoreWorld(
    [
      {
        name: 'shop',
        sku: { name: 'Basic' },
        location: 'West Europe',
        configuration: { apis: [{ name: 'cart', path: 'cart' }] },
      },
      { name: 'shop-standby', sku: { name: 'Basic' }, location: 'North Europe' },
    ],
    [{ service: 'shop', standby: 'shop-standby' }],
    { LIFEBOAT_RESTORE_SMOKE_CHECK: 'false' },
  );
}, 120_000);
afterAll(async () => {
  await w?.stop();
});

describe('restore settings', () => {
  it('without a backup the restore is refused; with the smoke check off, an unhealthy gateway is not probed', async () => {
    const none = await postJson(w.host, '/api/restores', { service: 'shop' });
    expect(none.status).toBe(202);
    const refused = await w.host.waitForInstance(none.json['instanceId'] as string);
    expect(refused.output).toMatchObject({ outcome: 'refused', error: { code: 'NoVerifiedBackup' } });
    expect(restorePosts(w.stack, 'shop-standby')).toBe(0);

    await postJson(w.host, '/api/backups', { services: ['shop'] });
    expect((await w.host.waitForInstance('backup-shop')).output).toMatchObject({ outcome: 'succeeded' });
    const standby = w.ids['shop-standby']!;
    w.stack.arm.gateways.setHealthy(standby, false);
    const probes = w.stack.arm.gateways.probes(standby);
    const started = await postJson(w.host, '/api/restores', { service: 'shop', target: 'standby' });
    const done = await w.host.waitForInstance(started.json['instanceId'] as string, { timeoutMs: 60_000 });
    expect(done.output).toMatchObject({
      outcome: 'succeeded',
      verification: { equal: true },
      smokeCheck: { status: 'skipped' },
    });
    expect(w.stack.arm.gateways.probes(standby)).toBe(probes);
  });
});

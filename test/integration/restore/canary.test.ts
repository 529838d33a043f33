import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceBackupReport } from '../../../shared/backups/report';
import type { RestoreCanaryResult } from '../../../shared/restore/canary';
import { restoreInstanceId } from '../../../shared/restore/run';
import { postJson, restorePosts, startRestoreWorld, type RestoreWorld } from './helpers';

/** The restore canary (issue 9) through the local host, Azurite and the emulator, on a virtual clock. */
let w: RestoreWorld;
let backupName: string;
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
      { name: 'shop', sku: { name: 'Developer' }, location: 'West Europe', configuration },
      { name: 'shop-drill', sku: { name: 'Developer' }, location: 'North Europe' },
      { name: 'shop-drill-2', sku: { name: 'Developer' }, location: 'North Europe' },
      { name: 'lonely', sku: { name: 'Developer' }, location: 'West Europe' },
    ],
    [{ service: 'shop', drillTargets: ['shop-drill', 'shop-drill-2'] }, { service: 'lonely' }],
    // Timers armed (fired by hand below) on schedules the virtual clock never reaches here.
    { LIFEBOAT_BACKUP_SCHEDULE: '0 0 0 1 7 *', LIFEBOAT_RESTORE_CANARY_SCHEDULE: '0 0 0 1 7 *' },
    { timers: true },
  );
  const started = await postJson(w.host, '/api/backups', { services: ['shop'] });
  expect(started.status).toBe(202);
  const done = await w.host.waitForInstance('backup-shop');
  const out = done.output as { outcome: string; blobName: string };
  expect(out.outcome).toBe('succeeded');
  backupName = out.blobName;
  atBackup = w.stack.arm.services.get(w.ids['shop']!)!.configuration;
}, 120_000);
afterAll(async () => {
  await w?.stop();
});

async function runCanary(): Promise<RestoreCanaryResult> {
  await w.host.fireTimer('scheduledRestoreCanary');
  const done = await w.host.waitForInstance('restore-canary', { timeoutMs: 60_000 });
  expect(done.runtimeStatus).toBe('Completed');
  return done.output as RestoreCanaryResult;
}

async function report(service: string): Promise<ServiceBackupReport> {
  const res = await w.host.fetch('/api/backups');
  expect(res.status).toBe(200);
  const body = (await res.json()) as { services: ServiceBackupReport[] };
  const found = body.services.find((s) => s.service === service);
  expect(found).toBeDefined();
  return found!;
}

async function markOnBlob(): Promise<Record<string, string>> {
  return (await w.container.getBlobClient(backupName).getProperties()).metadata ?? {};
}

describe('the restore canary through the local host', () => {
  it('restores the newest verified backup into the first drill target, verifies it and marks the blob', async () => {
    const out = await runCanary();
    expect(out.outcome).toBe('succeeded');
    const shop = out.services.find((s) => s.serviceName === 'shop');
    expect(shop).toMatchObject({
      outcome: 'succeeded',
      target: 'shop-drill',
      instanceId: restoreInstanceId(w.ids['shop-drill']!),
      backup: { name: backupName },
      mark: { recorded: true, restoreVerified: true },
    });
    expect(shop?.error).toBeUndefined();
    // Into the first drill target only, in drill mode, with the backup's lists.
    expect(restorePosts(w.stack, 'shop-drill')).toBe(1);
    expect(restorePosts(w.stack, 'shop-drill-2')).toBe(0);
    expect(restorePosts(w.stack, 'shop')).toBe(0);
    expect(w.stack.arm.services.get(w.ids['shop-drill']!)!.configuration).toEqual(atBackup);
    const child = w.host.getStatus(restoreInstanceId(w.ids['shop-drill']!));
    expect(child?.output).toMatchObject({
      mode: 'drill',
      outcome: 'succeeded',
      verification: { equal: true },
    });

    const meta = await markOnBlob();
    expect(meta['restoreoutcome']).toBe('succeeded');
    expect(meta['restoretarget']).toBe('shop-drill');
    const r = await report('shop');
    expect(r.lastRestoreVerification).toMatchObject({
      blobName: backupName,
      target: 'shop-drill',
      outcome: 'succeeded',
    });
  });

  it('skips a service without a drill target and reports it', async () => {
    const out = w.host.getStatus('restore-canary')?.output as RestoreCanaryResult;
    expect(out.services.find((s) => s.serviceName === 'lonely')).toEqual({
      serviceName: 'lonely',
      outcome: 'refused',
      error: { code: 'NoDrillTarget', message: expect.stringContaining('no drill target') as string },
      skipped: true,
    });
    expect(restorePosts(w.stack, 'lonely')).toBe(0);
    expect((await report('lonely')).lastRestoreVerification).toBeNull();
  });

  it('a failing verification records a failed mark that does not count', async () => {
    w.stack.arm.faults.inject({ kind: 'dropApiOnRestore', api: 'billing' });
    try {
      const out = await runCanary();
      expect(out.outcome).toBe('failed');
      const shop = out.services.find((s) => s.serviceName === 'shop');
      expect(shop).toMatchObject({
        outcome: 'failed',
        error: { code: 'VerificationFailed' },
        backup: { name: backupName },
        mark: { recorded: true, restoreVerified: false },
      });
      expect(shop?.error?.message).toContain("API 'billing' is missing from the target");
      expect((await markOnBlob())['restoreoutcome']).toBe('failed');
      const r = await report('shop');
      expect(r.lastRestoreVerification).toMatchObject({
        blobName: backupName,
        target: 'shop-drill',
        outcome: 'failed',
      });
    } finally {
      w.stack.arm.faults.clear();
    }
  });

  it('a canary meeting a restore of the same target started elsewhere refuses TargetBusy, naming that run', async () => {
    const started = await postJson(w.host, '/api/restores', {
      service: 'shop',
      target: 'shop-drill',
      mode: 'drill',
    });
    expect(started.status).toBe(202);
    const elsewhere = started.json['instanceId'] as string;
    const out = await runCanary();
    const shop = out.services.find((s) => s.serviceName === 'shop');
    expect(shop).toMatchObject({ outcome: 'refused', error: { code: 'TargetBusy' } });
    expect(shop?.error?.message).toContain(elsewhere);
    const done = await w.host.waitForInstance(elsewhere, { timeoutMs: 60_000 });
    expect((done.output as { outcome: string }).outcome).toBe('succeeded');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceBackupReport } from '../../../shared/backups/report';
import type { BackupRunResult } from '../../../shared/backups/run';
import { startBackupWorld, type BackupWorld } from './helpers';

const HOUR = 3600_000;
let w: BackupWorld;

beforeAll(async () => {
  w = await startBackupWorld(
    [
      { name: 'omega', sku: { name: 'Developer' }, location: 'West Europe' },
      { name: 'sigma', sku: { name: 'Basic' }, location: 'North Europe' },
    ],
    {},
    { timers: false },
  );
});
afterAll(async () => {
  await w?.stop();
});

async function run(service: string): Promise<BackupRunResult> {
  const res = await w.host.fetch('/api/backups', {
    method: 'POST',
    body: JSON.stringify({ services: [service] }),
    headers: { 'content-type': 'application/json' },
  });
  expect(res.status).toBe(202);
  const done = await w.host.waitForInstance(`backup-${service}`);
  expect(done.output).toMatchObject({ outcome: 'succeeded' });
  return done.output as BackupRunResult;
}

async function report(service: string, fresh = false): Promise<ServiceBackupReport> {
  const res = await w.host.fetch(`/api/backups${fresh ? '?fresh=true' : ''}`);
  const body = (await res.json()) as { services: ServiceBackupReport[] };
  return body.services.find((s) => s.service === service)!;
}

describe('backups deleted outside Lifeboat (issue 14, defect 7)', () => {
  it('the default answer never claims a backup that is gone, and says how old its summary is', async () => {
    const first = await run('omega');
    await run('sigma');
    w.clock.advance(6 * HOUR);
    const second = await run('omega');

    // Both present: the summary answers, checked, with its time and age.
    let r = await report('omega');
    expect(r.newestVerified?.name).toBe(second.blobName);
    expect(r.count).toBe(2);
    expect(r.catalog).toMatchObject({ source: 'summary', asOf: expect.any(String) });
    expect(r.catalog?.ageSeconds).toEqual(expect.any(Number));
    expect(new Date(r.catalog!.asOf).getTime()).toBeGreaterThanOrEqual(new Date(second.takenAt!).getTime());

    // The newest verified is deleted by hand: the answer falls back to a listing for that service
    // (and only that one) and names the older backup.
    await w.container.getBlobClient(second.blobName!).delete();
    r = await report('omega');
    expect(r.newestVerified?.name).toBe(first.blobName);
    expect(r.count).toBe(1);
    expect(r.catalog?.source).toBe('listing');
    expect((await report('sigma')).catalog?.source).toBe('summary');

    // The only backup left is deleted too: no backup is claimed, as a fresh listing says. (The RPO
    // is measured from the wall clock, not the world's virtual one, so it is not asserted here:
    // with no newest verified backup it is breached by definition, see the unit tests.)
    await w.container.getBlobClient(first.blobName!).delete();
    r = await report('omega');
    const fresh = await report('omega', true);
    expect(r).toMatchObject({ newestVerified: null, count: 0, verifiedCount: 0 });
    expect(fresh).toMatchObject({ newestVerified: null, count: 0, verifiedCount: 0 });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupBlobName } from '../../../shared/backups/naming';
import { summaryBlobName } from '../../../shared/backups/store';
import type { ServiceBackupReport } from '../../../shared/backups/report';
import type { BackupRunResult } from '../../../shared/backups/run';
import { listBlobs, startBackupWorld, type BackupWorld } from './helpers';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
let w: BackupWorld;

beforeAll(async () => {
  w = await startBackupWorld(
    [{ name: 'gamma', sku: { name: 'Developer' }, location: 'West Europe' }],
    { LIFEBOAT_BACKUP_RETENTION_DAYS: '7', LIFEBOAT_BACKUP_KEEP_NEWEST: '2' },
    { timers: false },
  );
});
afterAll(async () => {
  await w?.stop();
});

async function run(): Promise<BackupRunResult> {
  const res = await w.host.fetch('/api/backups', {
    method: 'POST',
    body: JSON.stringify({ services: ['gamma'] }),
    headers: { 'content-type': 'application/json' },
  });
  expect(res.status).toBe(202);
  const done = await w.host.waitForInstance('backup-gamma');
  expect(done.runtimeStatus).toBe('Completed');
  return done.output as BackupRunResult;
}

async function report(fresh = false): Promise<ServiceBackupReport> {
  const res = await w.host.fetch(`/api/backups${fresh ? '?fresh=true' : ''}`);
  const body = (await res.json()) as { services: ServiceBackupReport[] };
  return body.services.find((s) => s.service === 'gamma')!;
}

describe('a prune that cannot delete everything (issue 14, defect 3)', () => {
  it('a leased expired backup is skipped and reported on its own; the verified backup succeeds, the summary shows it, the next run prunes it once the lease is gone', async () => {
    const first = await run();
    expect(first.outcome).toBe('succeeded');

    // A 10-day-old verified backup under an infinite lease (as a legal hold would leave it), and a
    // 9-day-old unverified leftover that can go.
    const held = backupBlobName('gamma', new Date(w.clock.now().getTime() - 10 * DAY));
    const leftover = backupBlobName('gamma', new Date(w.clock.now().getTime() - 9 * DAY));
    await w.container
      .getBlockBlobClient(held)
      .upload('held', 4, { metadata: { verified: 'true', service: 'gamma' } });
    await w.container.getBlockBlobClient(leftover).upload('partial', 7);
    const lease = w.container.getBlobClient(held).getBlobLeaseClient();
    await lease.acquireLease(-1);

    w.clock.advance(12 * HOUR);
    const second = await run();
    expect(second).toMatchObject({
      outcome: 'succeeded',
      retries: 0,
      pruned: 1,
      prune: { outcome: 'partial', deleted: 1, failed: [{ name: held, code: 'LeaseIdMissing' }] },
    });
    expect(second.prune?.error?.code).toBeTruthy();
    const names = (await listBlobs(w.container)).map((b) => b.name);
    expect(names).toContain(held);
    expect(names).not.toContain(leftover);

    // The report's default answer reflects the new backup, as a listing does, and names the prune
    // problem. (GET measures age and RPO from the wall clock, not the world's virtual clock, so
    // the two answers are compared rather than asserting a breach either way.)
    const r = await report();
    const fresh = await report(true);
    expect(r.catalog?.source).toBe('summary');
    expect(r.newestVerified?.name).toBe(second.blobName);
    expect(fresh.newestVerified?.name).toBe(second.blobName);
    expect(r.rpo).toEqual(fresh.rpo);
    expect(r.lastRun.outcome).toBe('succeeded');
    expect(r.lastRun.prune).toMatchObject({
      outcome: 'partial',
      failed: [{ name: held, code: 'LeaseIdMissing' }],
    });
    expect(r.count).toBe(fresh.count);
    expect(r.verifiedCount).toBe(fresh.verifiedCount);

    // The hold ends: the next run deletes the blob it skipped.
    await lease.breakLease(0);
    w.clock.advance(12 * HOUR);
    const third = await run();
    expect(third).toMatchObject({ outcome: 'succeeded', prune: { outcome: 'succeeded', failed: [] } });
    expect((await listBlobs(w.container)).map((b) => b.name)).not.toContain(held);
    expect((await report()).lastRun.prune).toMatchObject({ outcome: 'succeeded' });
  });

  it('a prune that fails as a whole (the summary cannot be written) is reported as failed; the backup succeeds and GET still shows it', async () => {
    // A lease on the summary blob makes its write fail (412, not retryable): the prune cannot finish.
    const lease = w.container.getBlobClient(summaryBlobName('gamma')).getBlobLeaseClient();
    await lease.acquireLease(-1);
    try {
      w.clock.advance(12 * HOUR);
      const done = await run();
      expect(done).toMatchObject({
        outcome: 'succeeded',
        prune: { outcome: 'failed', error: { code: 'LeaseIdMissing' } },
      });
      const r = await report();
      expect(r.newestVerified?.name).toBe(done.blobName);
      expect(r.lastRun).toMatchObject({ outcome: 'succeeded', prune: { outcome: 'failed' } });
    } finally {
      await lease.releaseLease();
    }
  });
});

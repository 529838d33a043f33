import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBackupBlobName } from '../../../shared/backups/naming';
import type { BackupRunResult } from '../../../shared/backups/run';
import { backupPosts, listBlobs, startBackupWorld, type BackupWorld } from './helpers';

/**
 * Issue 14, defect 5: the backup timeout counts from the accepted POST, not from waits on
 * ServiceLocked before it; and a backup that completes after its run gave up is verified by the
 * next run instead of staying an unverified leftover that a later prune deletes.
 */

const MINUTE = 60_000;
let w: BackupWorld;

beforeAll(async () => {
  w = await startBackupWorld(
    [
      { name: 'locked', sku: { name: 'Developer' } },
      { name: 'late', sku: { name: 'Standard' } },
      { name: 'overlap', sku: { name: 'Premium' } },
    ],
    {
      LIFEBOAT_BACKUP_TIMEOUT_MINUTES: '30',
      LIFEBOAT_BACKUP_RETRY_BASE_SECONDS: '300',
      LIFEBOAT_BACKUP_RETENTION_DAYS: '7',
      LIFEBOAT_BACKUP_KEEP_NEWEST: '1',
    },
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
  expect(done.runtimeStatus).toBe('Completed');
  return done.output as BackupRunResult;
}

describe('the backup timeout and backups that finish late', () => {
  it('time spent waiting on ServiceLocked does not count against the timeout', async () => {
    // 300 s, 600 s, 1200 s (with jitter) of waiting: over 30 minutes before the POST is accepted.
    w.stack.arm.faults.inject({ kind: 'serviceLocked' }, { times: 3 });
    const startedAt = w.clock.now().getTime();
    const result = await run('locked');
    expect(result.outcome).toBe('succeeded');
    expect(backupPosts(w.stack, 'locked')).toBe(4);
    expect(w.clock.now().getTime() - startedAt).toBeGreaterThan(30 * MINUTE);
    const blob = (await listBlobs(w.container)).find((b) => b.name === result.blobName);
    expect(blob?.metadata['verified']).toBe('true');
  });

  it('a backup that completes after its run timed out is verified by the next run, not left as a leftover', async () => {
    w.stack.arm.durations.backupMs = 45 * MINUTE;
    const first = await run('late');
    expect(first).toMatchObject({ outcome: 'timedOut', error: { code: 'BackupTimeout' } });
    w.stack.arm.durations.backupMs = 10 * MINUTE;
    // The operation APIM accepted goes on and writes its blob after the run gave up.
    w.clock.advance(60 * MINUTE);
    const lateBlob = first.blobName!;
    await expect.poll(async () => (await listBlobs(w.container)).some((b) => b.name === lateBlob)).toBe(true);
    expect(
      (await listBlobs(w.container)).find((b) => b.name === lateBlob)?.metadata['verified'],
    ).toBeUndefined();

    w.clock.advance(6 * 60 * MINUTE);
    const second = await run('late');
    expect(second.outcome).toBe('succeeded');
    expect(backupPosts(w.stack, 'late')).toBe(2);
    const blobs = await listBlobs(w.container);
    const late = blobs.find((b) => b.name === lateBlob);
    expect(late?.metadata).toMatchObject({
      verified: 'true',
      service: 'late',
      takenat: parseBackupBlobName(lateBlob)!.takenAt.toISOString(),
    });
    expect(blobs.find((b) => b.name === second.blobName)?.metadata['verified']).toBe('true');
  });

  it("a run that starts while its predecessor's backup still runs waits on ServiceLocked, then verifies that backup too", async () => {
    w.stack.arm.durations.backupMs = 45 * MINUTE;
    const first = await run('overlap');
    expect(first.outcome).toBe('timedOut');
    w.stack.arm.durations.backupMs = 10 * MINUTE;
    // Five minutes after the timeout the first backup still has about ten minutes to go.
    w.clock.advance(5 * MINUTE);
    const second = await run('overlap');
    expect(second.outcome).toBe('succeeded');
    expect(second.retries).toBeGreaterThanOrEqual(1);
    const blobs = await listBlobs(w.container);
    expect(blobs.find((b) => b.name === first.blobName)?.metadata['verified']).toBe('true');
    expect(blobs.find((b) => b.name === second.blobName)?.metadata['verified']).toBe('true');
  });
});

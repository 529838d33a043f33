import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupBlobName, parseBackupBlobName } from '../../../shared/backups/naming';
import type { BackupProgress, BackupRunResult } from '../../../shared/backups/run';
import { backupPosts, listBlobs, startBackupWorld, type BackupWorld } from './helpers';

const DAY = 24 * 3600_000;
let w: BackupWorld;

beforeAll(async () => {
  w = await startBackupWorld(
    [
      { name: 'cons', sku: { name: 'Consumption' } },
      { name: 'busy', sku: { name: 'Standard' }, provisioningState: 'Updating' },
      { name: 'delta', sku: { name: 'Developer' } },
    ],
    { LIFEBOAT_BACKUP_RETENTION_DAYS: '7', LIFEBOAT_BACKUP_KEEP_NEWEST: '3' },
    // Runs are started by POST one service at a time, so scripted faults reach the intended run.
    { timers: false },
  );
});
afterAll(async () => {
  await w?.stop();
});

async function start(service: string): Promise<void> {
  const res = await w.host.fetch('/api/backups', {
    method: 'POST',
    body: JSON.stringify({ services: [service] }),
    headers: { 'content-type': 'application/json' },
  });
  expect(res.status).toBe(202);
}

/** Waits (real time, not asserted) until the run reports `phase`. */
async function untilPhase(instanceId: string, phase: BackupProgress['phase']): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if ((w.host.getStatus(instanceId)?.customStatus as BackupProgress | undefined)?.phase === phase) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${instanceId} never reached ${phase}`);
}

describe('backup runs that cannot or should not proceed', () => {
  it('refuses an unsupported tier for good, without sending a backup request', async () => {
    await start('cons');
    const done = await w.host.waitForInstance('backup-cons');
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output).toMatchObject({
      outcome: 'refused',
      error: {
        code: 'UnsupportedTier',
        message: expect.stringMatching(/Consumption tier cannot be backed up/),
      },
    });
    expect(backupPosts(w.stack, 'cons')).toBe(0);
  });

  it('waits while the service is transitioning, then backs it up', async () => {
    await start('busy');
    await untilPhase('backup-busy', 'waiting-for-service');
    expect(backupPosts(w.stack, 'busy')).toBe(0);
    w.stack.arm.services.update(w.ids['busy']!, { provisioningState: 'Succeeded' });
    const done = await w.host.waitForInstance('backup-busy');
    expect(done.runtimeStatus).toBe('Completed');
    expect((done.output as BackupRunResult).retries).toBeGreaterThanOrEqual(1);
  });

  it('40 days of failed backups prune nothing; the next good run keeps the newest verified and drops only expired ones', async () => {
    const verifiedAt = [45, 44, 43, 42, 41].map((d) => new Date(w.clock.now().getTime() - d * DAY));
    await w.container.createIfNotExists();
    for (const at of verifiedAt) {
      await w.container
        .getBlockBlobClient(backupBlobName('delta', at))
        .upload('ok', 2, { metadata: { verified: 'true', service: 'delta' } });
    }
    // Every day for 40 days: an unverified leftover appears and the day's backup fails.
    w.stack.arm.faults.inject(
      { kind: 'http', status: 400, code: 'InvalidParameters', message: 'Injected: storage refused' },
      { times: 40, on: 'post' },
    );
    for (let day = 1; day <= 40; day++) {
      w.clock.advance(DAY);
      await w.container
        .getBlockBlobClient(backupBlobName('delta', new Date(w.clock.now().getTime() - 12 * 3600_000)))
        .upload('partial', 7);
      await start('delta');
      expect((await w.host.waitForInstance('backup-delta')).output).toMatchObject({ outcome: 'failed' });
    }
    const afterFailures = (await listBlobs(w.container)).filter((b) => b.name.startsWith('delta/'));
    expect(afterFailures).toHaveLength(45);

    await start('delta');
    const done = await w.host.waitForInstance('backup-delta');
    expect(done.runtimeStatus).toBe('Completed');
    const result = done.output as BackupRunResult;
    const remaining = (await listBlobs(w.container)).filter((b) => b.name.startsWith('delta/'));
    const names = new Set(remaining.map((b) => b.name));
    // The newest three verified: the new backup and the two newest old ones, whatever their age.
    expect(names.has(result.blobName!)).toBe(true);
    expect(names.has(backupBlobName('delta', verifiedAt[4]!))).toBe(true);
    expect(names.has(backupBlobName('delta', verifiedAt[3]!))).toBe(true);
    for (const at of verifiedAt.slice(0, 3)) expect(names.has(backupBlobName('delta', at))).toBe(false);
    // Leftovers: those within the 7 days stay, older ones went.
    const cutoff = new Date(result.takenAt!).getTime() - 7 * DAY;
    const leftovers = remaining.filter((b) => b.metadata['verified'] !== 'true');
    expect(leftovers.length).toBe(7);
    for (const b of leftovers) expect(parseBackupBlobName(b.name)!.takenAt.getTime()).toBeGreaterThan(cutoff);
    expect(result.pruned).toBe(45 - 2 - 7);
  });
});

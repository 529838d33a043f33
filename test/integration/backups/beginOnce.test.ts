import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BackupRunResult } from '../../../shared/backups/run';
import { backupPosts, listBlobs, startBackupWorld, type BackupWorld } from './helpers';

/**
 * Issue 14, defect 4 and at-least-once delivery: once APIM accepted a backup POST (202 with its
 * Location), the run never POSTs again for that operation, whatever happens to the polls after it
 * and however often the host delivers the begin activity.
 */

let w: BackupWorld;

beforeAll(async () => {
  w = await startBackupWorld(
    [
      { name: 'flaky', sku: { name: 'Developer' } },
      { name: 'blind', sku: { name: 'Standard' } },
      { name: 'twice', sku: { name: 'Basic' } },
    ],
    {},
    // Runs are started one service at a time, so scripted faults reach the intended run.
    { timers: false },
  );
});
afterEach(() => {
  w.stack.arm.faults.clear();
  w.host.host.durable.duplicateActivities = undefined;
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

async function verifiedBlobsOf(service: string) {
  return (await listBlobs(w.container)).filter(
    (b) => b.name.startsWith(`${service}/`) && b.metadata['verified'] === 'true',
  );
}

describe('a backup POST accepted once is never sent again', () => {
  it('errors on the poll right after the POST are retried as polls, not as a new backup', async () => {
    // Four 500s: the SDK's own retries (3) spend them all on the poll that follows the POST.
    w.stack.arm.faults.inject({ kind: 'http', status: 500 }, { times: 4, on: 'poll' });
    const result = await run('flaky');
    expect(result.outcome).toBe('succeeded');
    expect(backupPosts(w.stack, 'flaky')).toBe(1);
    expect(await verifiedBlobsOf('flaky')).toHaveLength(1);
  });

  it('a 403 on the poll (may POST, may not read the operation) watches for the blob and verifies it', async () => {
    w.stack.arm.faults.inject(
      { kind: 'http', status: 403, code: 'AuthorizationFailed', message: 'Injected: no read on operations' },
      { times: 1000, on: 'poll' },
    );
    const result = await run('blind');
    expect(result).toMatchObject({ outcome: 'succeeded', sizeBytes: expect.any(Number) });
    expect(backupPosts(w.stack, 'blind')).toBe(1);
    const verified = await verifiedBlobsOf('blind');
    expect(verified.map((b) => b.name)).toEqual([result.blobName]);
  });

  it('a begin activity delivered twice (at-least-once) starts one backup', async () => {
    w.host.host.durable.duplicateActivities = (name) => name === 'beginApimBackup';
    const result = await run('twice');
    expect(result.outcome).toBe('succeeded');
    expect(backupPosts(w.stack, 'twice')).toBe(1);
    expect(await verifiedBlobsOf('twice')).toHaveLength(1);
  });
});

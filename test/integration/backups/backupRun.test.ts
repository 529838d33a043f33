import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupBlobName } from '../../../shared/backups/naming';
import type { ServiceBackupReport } from '../../../shared/backups/report';
import { backupPosts, listBlobs, startBackupWorld, type BackupWorld } from './helpers';

let w: BackupWorld;

beforeAll(async () => {
  w = await startBackupWorld([
    { name: 'alpha', sku: { name: 'Developer' }, location: 'West Europe' },
    { name: 'beta', sku: { name: 'Premium' }, location: 'North Europe' },
  ]);
});
afterAll(async () => {
  await w?.stop();
});

interface StartAnswer {
  started: { service: string; instanceId: string; statusUri: string }[];
  skipped: { service: string; reason: string }[];
  error?: { code: string; message: string };
}

async function post(body?: unknown): Promise<{ status: number; json: StartAnswer }> {
  const res = await w.host.fetch('/api/backups', {
    method: 'POST',
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: res.status, json: (await res.json()) as StartAnswer };
}

describe('scheduled backups through the local host', () => {
  it('the timer starts one run per service; a second trigger while they run starts nothing; each ends with a verified blob', async () => {
    await w.host.fireTimer('scheduledBackup');
    expect(w.host.getStatus('backup-alpha')?.runtimeStatus).toMatch(/Pending|Running/);
    await w.host.fireTimer('scheduledBackup');
    const second = await post();
    expect(second.status).toBe(202);
    expect(second.json.started).toEqual([]);
    expect(second.json.skipped.map((s) => s.service).sort()).toEqual(['alpha', 'beta']);

    const alpha = await w.host.waitForInstance('backup-alpha');
    const beta = await w.host.waitForInstance('backup-beta');
    expect(alpha.runtimeStatus).toBe('Completed');
    expect(beta.runtimeStatus).toBe('Completed');
    expect(backupPosts(w.stack, 'alpha')).toBe(1);
    expect(backupPosts(w.stack, 'beta')).toBe(1);

    const blobs = await listBlobs(w.container);
    const out = alpha.output as { blobName: string; polls: number };
    expect(out.blobName).toBe(backupBlobName('alpha', new Date('2026-01-01T00:00:00Z')));
    expect(out.polls).toBeGreaterThan(0);
    for (const svc of ['alpha', 'beta']) {
      const mine = blobs.filter((b) => b.name.startsWith(`${svc}/`));
      expect(mine).toHaveLength(1);
      expect(mine[0]!.size).toBeGreaterThan(0);
      expect(mine[0]!.metadata).toMatchObject({
        verified: 'true',
        service: svc,
        tier: svc === 'alpha' ? 'Developer' : 'Premium',
      });
    }
    const container = await w.container.getAccessPolicy();
    expect(container.blobPublicAccess).toBeUndefined();
  });

  it('409 ServiceLocked twice, then success: the run retries with backoff and ends verified', async () => {
    const before = backupPosts(w.stack, 'alpha');
    w.stack.arm.faults.inject({ kind: 'serviceLocked' }, { times: 2, on: 'post' });
    const started = await post({ services: ['alpha'] });
    expect(started.status).toBe(202);
    expect(started.json.started[0]).toMatchObject({
      service: 'alpha',
      instanceId: 'backup-alpha',
      statusUri: '/api/runs/backup-alpha',
    });
    // Lifeboat's own route, never the Durable management URLs (in Azure they carry the system key).
    expect(JSON.stringify(started.json)).not.toMatch(/runtime\/webhooks|durabletask|code=/i);
    const done = await w.host.waitForInstance('backup-alpha');
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output).toMatchObject({ retries: 2 });
    expect(backupPosts(w.stack, 'alpha') - before).toBe(3);
  });

  it('an operation that fails with a 5xx is transient: the run starts the backup again and succeeds', async () => {
    const before = backupPosts(w.stack, 'beta');
    w.stack.arm.faults.inject(
      { kind: 'failOperation', status: 500, code: 'InternalServerError' },
      { on: 'poll' },
    );
    expect((await post({ services: ['beta'] })).status).toBe(202);
    const done = await w.host.waitForInstance('backup-beta');
    expect(done.runtimeStatus).toBe('Completed');
    expect(backupPosts(w.stack, 'beta') - before).toBe(2);
  });

  it('a failed backup operation fails the run, is reported, and prunes nothing', async () => {
    // An expired unverified leftover that a successful run would prune.
    const leftover = backupBlobName('beta', new Date('2025-11-01T00:00:00Z'));
    await w.container.getBlockBlobClient(leftover).upload('x', 1);
    w.stack.arm.faults.inject(
      { kind: 'failOperation', status: 400, code: 'BackupFailed', message: 'backup failed in the service' },
      { on: 'poll' },
    );
    expect((await post({ services: ['beta'] })).status).toBe(202);
    const done = await w.host.waitForInstance('backup-beta');
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output).toMatchObject({ outcome: 'failed', error: { code: 'BackupFailed' } });
    expect((await listBlobs(w.container)).map((b) => b.name)).toContain(leftover);

    const report = (await (await w.host.fetch('/api/backups')).json()) as { services: ServiceBackupReport[] };
    const beta = report.services.find((s) => s.service === 'beta')!;
    expect(beta.lastRun.outcome).toBe('failed');
    expect(beta.lastRun.error).toMatchObject({
      code: 'BackupFailed',
      message: expect.stringMatching(/backup failed in the service/),
    });
    expect(beta.newestVerified?.name).toMatch(/^beta\/beta-20260101T00\d{4}Z\.apimbackup$/);
    // Counts come from the summary the last successful prune wrote; ?fresh=true lists and sees the leftover too.
    expect(beta.catalog?.source).toBe('summary');
    const fresh = (await (await w.host.fetch('/api/backups?fresh=true')).json()) as {
      services: ServiceBackupReport[];
    };
    const freshBeta = fresh.services.find((s) => s.service === 'beta')!;
    expect(freshBeta.catalog?.source).toBe('listing');
    expect(freshBeta.count).toBe(beta.count + 1);
    const alpha = report.services.find((s) => s.service === 'alpha')!;
    expect(alpha.lastRun.outcome).toBe('succeeded');
    expect(alpha.newestVerified?.sizeBytes).toBeGreaterThan(0);
  });

  it('bad bodies and unknown services get 400 naming the field', async () => {
    expect(await post({ services: ['alpha', 'nope'] })).toMatchObject({
      status: 400,
      json: {
        error: {
          code: 'InvalidInput',
          message: expect.stringMatching(/^services\.1: unknown service 'nope'/),
        },
      },
    });
    expect(await post({ services: 'alpha' })).toMatchObject({
      status: 400,
      json: { error: { code: 'InvalidInput', message: expect.stringMatching(/^services:/) } },
    });
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestHost } from '../../../local/host/testing';
import type { BackupRunResult } from '../../../shared/backups/run';
import { backupApp, startBackupWorld, type BackupWorld } from './helpers';

/** The backup functions plus the start-up configuration check, as the real app loads them. */
const app = async (): Promise<void> => {
  await backupApp();
  await import('../../../functions/hooks/checkConfigurationAtStart');
};

const id = (name: string) =>
  `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ApiManagement/service/${name}`;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('configuration problems are reported at start-up', () => {
  it('names every bad setting and its rule when the host starts, before any trigger runs', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => void errors.push(String(line)));
    const host = await createTestHost({
      appRoot: process.cwd(),
      app,
      settings: {
        AzureWebJobsStorage: 'UseDevelopmentStorage=true',
        LIFEBOAT_BACKUP_SCHEDULE: '0 0 */6 * * *',
        LIFEBOAT_BACKUP_RETENTION_DAYS: '0',
        LIFEBOAT_PROTECTED_SERVICES: JSON.stringify([
          { resourceId: '/subscriptions/x/resourceGroups/rg/nope' },
        ]),
      },
      timers: false,
      queues: { enabled: false },
    });
    try {
      const line = errors.find((l) => l.includes('lifeboat.config.invalid'));
      expect(line).toBeDefined();
      expect(line).toMatch(/LIFEBOAT_BACKUP_RETENTION_DAYS: must be at least 1/);
      expect(line).toMatch(
        /LIFEBOAT_PROTECTED_SERVICES \(at 0\.resourceId\): must be an API Management ARM id/,
      );
    } finally {
      await host.stop();
    }
  });
});

describe('a configured service that does not exist', () => {
  let w: BackupWorld;
  beforeAll(async () => {
    w = await startBackupWorld(
      [{ name: 'alpha', sku: { name: 'Developer' } }],
      {
        LIFEBOAT_PROTECTED_SERVICES: JSON.stringify([
          { resourceId: id('alpha') },
          { resourceId: id('ghost') },
        ]),
      },
      { timers: false },
    );
  });
  afterAll(async () => {
    await w?.stop();
  });

  it('fails its run for good with ResourceNotFound, reported per service, while the others back up', async () => {
    const res = await w.host.fetch('/api/backups', { method: 'POST', body: '{}' });
    expect(res.status).toBe(202);
    const ghost = await w.host.waitForInstance('backup-ghost');
    expect(ghost.runtimeStatus).toBe('Completed');
    expect(ghost.output).toMatchObject({ outcome: 'failed', error: { code: 'ResourceNotFound' } });
    const alpha = await w.host.waitForInstance('backup-alpha');
    expect((alpha.output as BackupRunResult).outcome).toBe('succeeded');

    const report = (await (await w.host.fetch('/api/backups')).json()) as {
      healthy: boolean;
      services: {
        service: string;
        lastRun: { outcome: string; error: { code: string; message: string } | null } | null;
      }[];
    };
    const row = report.services.find((s) => s.service === 'ghost');
    expect(row?.lastRun?.outcome).toBe('failed');
    expect(row?.lastRun?.error?.code).toBe('ResourceNotFound');
    expect(report.healthy).toBe(false);
  });
});

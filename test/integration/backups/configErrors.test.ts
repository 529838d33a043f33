import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHost, type TestHost } from '../../../local/host/testing';
import { backupApp } from './helpers';

/** Configuration is read lazily (a throwing import would make the real host drop the functions), so errors surface on first use, clearly. */
let t: TestHost;

beforeAll(async () => {
  t = await createTestHost({
    appRoot: process.cwd(),
    app: backupApp,
    settings: {
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      // Sign-in is configured (the local host plays App Service Authentication): the answer is about
      // the backup settings.
      LIFEBOAT_LOCAL_MODE: 'true',
      LIFEBOAT_BACKUP_SCHEDULE: '0 0 */6 * * *',
      LIFEBOAT_BACKUP_RETENTION_DAYS: '31',
      LIFEBOAT_PROTECTED_SERVICES: JSON.stringify([
        { resourceId: '/subscriptions/nope/resourceGroups/rg/providers/Microsoft.ApiManagement/service/x' },
      ]),
    },
    timers: false,
    queues: { enabled: false },
  });
});
afterAll(async () => {
  await t?.stop();
});

describe('configuration errors through the host', () => {
  it('POST and GET /api/backups answer 500 naming every bad setting and its rule', async () => {
    for (const method of ['POST', 'GET']) {
      const res = await t.fetch('/api/backups', { method });
      expect(res.status).toBe(500);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('InvalidConfiguration');
      const error = body.error.message;
      expect(error).toMatch(/LIFEBOAT_BACKUP_RETENTION_DAYS: must be at most 30/);
      expect(error).toMatch(
        /LIFEBOAT_PROTECTED_SERVICES \(at 0\.resourceId\): subscription id must be a GUID/,
      );
    }
    expect(t.getStatus('backup-x')).toBeUndefined();
  });
});

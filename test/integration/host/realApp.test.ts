import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteHandle } from '../../../local/azurite';
import { createTestHost, type TestHost } from '../../../local/host/testing';

/** The REAL app (package.json-style main glob over functions/**\/*.ts) through the local host. */
let azurite: AzuriteHandle;
let t: TestHost;

beforeAll(async () => {
  azurite = await startAzurite();
  t = await createTestHost({
    appRoot: process.cwd(),
    app: { main: 'functions/**/*.ts', importer: (file) => import(file) },
    settings: {
      AzureWebJobsStorage: azurite.connectionString,
      LIFEBOAT_BACKUP_SCHEDULE: '0 0 */6 * * *',
      LIFEBOAT_RESTORE_CANARY_SCHEDULE: '0 0 3 * * 0',
      LIFEBOAT_APIM_REPORTS_SCHEDULE: '0 30 0 * * *',
      LIFEBOAT_STANDBY_SYNC_SCHEDULE: '0 0 2 * * *',
      LIFEBOAT_HEARTBEAT_SCHEDULE: '0 */5 * * * *',
    },
    timers: false,
    queues: { enabled: false },
  });
});
afterAll(async () => {
  await t?.stop();
  await azurite?.stop();
});

describe('the real app on the local host', () => {
  it('captures every registration of the app', () => {
    expect(t.host.functions.has('health')).toBe(true);
    expect([...t.host.functions.values()].some((f) => f.trigger.type === 'orchestrationTrigger')).toBe(true);
  });

  it('GET /api/health reports versions and configuration sections', async () => {
    const res = await t.fetch('/api/health');
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      status: string;
      app: { version: string };
      node: string;
      packages: Record<string, string>;
      config: Record<string, { loaded: boolean }>;
    };
    expect(body.status).toBe('ok');
    expect(body.app.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(body.node).toBe(process.version);
    expect(body.packages['@azure/functions']).toMatch(/^4\.16\./);
    expect(body.packages['durable-functions']).toBe('3.5.0');
    expect(Object.keys(body.config)).toEqual(expect.arrayContaining(['core', 'backup', 'relay']));
  });
});

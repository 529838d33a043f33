import https from 'node:https';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UsageCall } from '../../../local/arm/model';
import { VirtualClock } from '../../../local/clock';
import { idsByName, protectedServicesSetting } from '../../../local/fixtures';
import { startWorld, type World } from '../../../local/world';
import { loadAreas } from '../../helpers/app';
import type { AzureStack } from '../../helpers/azure';

/**
 * Issue 22, item 14, through the local host, Azurite and the ARM emulator: the timer exports each
 * protected service's usage reports (by API, by operation, by time) as JSON lines into the backup
 * container, each export covering the time since the previous one; older exports are pruned like
 * backups; the status page shows the newest export; the emulator refuses a report without `$filter`.
 */

const usageApp = async (): Promise<void> => {
  const { backup } = await import('../../../functions/names/backup');
  const { apim } = await import('../../../functions/names/apim');
  const { durable } = await import('../../../functions/names/durable');
  const { status } = await import('../../../functions/names/status');
  const { usage } = await import('../../../functions/names/usage');
  await loadAreas(backup, apim, durable, status, usage);
};

const DAY = 24 * 3_600_000;
let world: World;
let clock: VirtualClock;
let stack: AzureStack;
let container: ContainerClient;
let ids: Record<string, string>;

const calls = (at: string, extra: Partial<UsageCall> = {}): UsageCall[] => [
  { at, api: 'cart', operation: 'get-cart', count: 10, failed: 1, bandwidth: 1000, apiTimeMs: 50, ...extra },
];

beforeAll(async () => {
  clock = new VirtualClock(new Date('2026-01-01T00:00:00Z'));
  const specs = [
    {
      name: 'shop',
      sku: { name: 'Basic' },
      location: 'West Europe',
      identity: { systemAssigned: true },
      configuration: {
        apis: [
          { name: 'cart', path: 'cart' },
          { name: 'orders', path: 'orders' },
        ],
      },
      usage: [
        ...calls('2025-12-31T12:05:00Z'),
        {
          at: '2025-12-31T12:20:00Z',
          api: 'cart',
          operation: 'add-item',
          count: 4,
          blocked: 1,
          apiTimeMs: 80,
        },
        // Before the first period (the schedule's interval, a week): not exported.
        ...calls('2025-12-20T08:00:00Z'),
      ],
    },
  ];
  world = await startWorld({
    clock,
    arm: { services: specs },
    host: { app: usageApp, timers: true, queues: { enabled: false } },
    settings: {
      LIFEBOAT_PROTECTED_SERVICES: protectedServicesSetting(specs, [{ service: 'shop' }]),
      // Timers are armed (the export is fired through its timer); the others never fire here.
      LIFEBOAT_BACKUP_SCHEDULE: '0 0 0 1 1 *',
      LIFEBOAT_HEARTBEAT_SCHEDULE: '0 0 0 1 1 *',
      // Weekly (Sundays 00:30; the clock starts on a Thursday and the test stays before it).
      LIFEBOAT_APIM_REPORTS_SCHEDULE: '0 30 0 * * 0',
      LIFEBOAT_BACKUP_RETENTION_DAYS: '1',
      LIFEBOAT_BACKUP_KEEP_NEWEST: '2',
    },
  });
  stack = world.stack!;
  ids = idsByName(specs);
  container = BlobServiceClient.fromConnectionString(world.azurite.connectionString).getContainerClient(
    'apim-backups',
  );
}, 120_000);
afterAll(async () => {
  await world?.stop();
});

interface ExportRun {
  outcome: string;
  services: {
    service: string;
    outcome: string;
    blobName: string;
    from: string;
    to: string;
    pruned: number;
  }[];
}

async function exportNow(): Promise<ExportRun['services'][number]> {
  await world.host.fireTimer('scheduledApimReports');
  const done = await world.host.waitForInstance('apim-usage-export', { timeoutMs: 60_000 });
  const out = done.output as ExportRun;
  expect(out.outcome).toBe('succeeded');
  expect(out.services).toHaveLength(1);
  return out.services[0]!;
}

async function lines(blobName: string): Promise<Record<string, unknown>[]> {
  const text = (await container.getBlobClient(blobName).downloadToBuffer()).toString();
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function exportNames(): Promise<string[]> {
  const out: string[] = [];
  for await (const b of container.listBlobsFlat({ prefix: '_reports/shop/' })) out.push(b.name);
  return out;
}

describe('the APIM usage export', () => {
  let first: ExportRun['services'][number];

  it('the timer exports the reports by API, by operation and by time as JSON lines for the last period', async () => {
    first = await exportNow();
    expect(first).toMatchObject({
      service: 'shop',
      outcome: 'succeeded',
      blobName: '_reports/shop/shop-20260101T000000Z.jsonl',
      from: '2025-12-25T00:00:00.000Z',
      to: '2026-01-01T00:00:00.000Z',
    });
    const records = await lines(first.blobName);
    const period = { periodFrom: first.from, periodTo: first.to };
    expect(records.filter((r) => r['report'] === 'byApi')).toEqual([
      expect.objectContaining({
        ...period,
        name: 'cart',
        apiId: '/apis/cart',
        callCountTotal: 14,
        callCountFailed: 1,
        callCountBlocked: 1,
        callCountSuccess: 12,
        bandwidth: 1000,
      }),
      expect.objectContaining({ ...period, name: 'orders', apiId: '/apis/orders', callCountTotal: 0 }),
    ]);
    expect(
      records
        .filter((r) => r['report'] === 'byOperation')
        .map((r) => [r['operationId'], r['callCountTotal']]),
    ).toEqual([
      ['/apis/cart/operations/add-item', 4],
      ['/apis/cart/operations/get-cart', 10],
    ]);
    expect(
      records
        .filter((r) => r['report'] === 'byTime')
        .map((r) => [r['timestamp'], r['interval'], r['callCountTotal']]),
    ).toEqual([
      ['2025-12-31T12:00:00.000Z', 'PT15M', 10],
      ['2025-12-31T12:15:00.000Z', 'PT15M', 4],
    ]);
  });

  it('the next export covers the time since the previous one; older exports age out, the newest are kept', async () => {
    clock.advance(DAY);
    stack.arm.services.update(ids['shop']!, {
      usage: calls('2026-01-01T06:00:00Z', { count: 3, failed: 0 }),
    });
    const second = await exportNow();
    expect(second.from).toBe(first.to);
    expect(second.to).toBe('2026-01-02T00:00:00.000Z');
    const byApi = (await lines(second.blobName)).filter((r) => r['report'] === 'byApi');
    expect(byApi.map((r) => [r['name'], r['callCountTotal']])).toEqual([
      ['cart', 3],
      ['orders', 0],
    ]);
    expect(await exportNames()).toEqual([first.blobName, second.blobName]);

    clock.advance(2 * DAY);
    const third = await exportNow();
    // Retention 1 day, keep the newest 2: the first is past both and goes.
    expect(third.pruned).toBe(1);
    expect(await exportNames()).toEqual([second.blobName, third.blobName]);
  });

  it('the status page shows the newest export', async () => {
    const json = (await (await world.host.fetch('/api/status')).json()) as {
      usageExports: { service: string; newest: { blobName: string; to: string } | null; text: string }[];
    };
    const newest = (await exportNames()).at(-1)!;
    expect(json.usageExports).toEqual([
      expect.objectContaining({
        service: 'shop',
        newest: expect.objectContaining({ blobName: newest }) as unknown,
      }),
    ]);
    const html = await (await world.host.fetch('/api/status.html')).text();
    expect(html).toContain('APIM usage exports');
    expect(html).toContain(newest);
  });
});

describe('the emulator serves the reports as the REST reference does', () => {
  function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        new URL(path, stack.arm.endpoint),
        { method: 'GET', ca: stack.arm.caPem, headers: { authorization: `Bearer ${stack.arm.token}` } },
        (res) => {
          let data = '';
          res.on('data', (c: Buffer) => (data += c.toString()));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) as Record<string, unknown> }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
  }
  const reports = (kind: string) => `${ids['shop']}/reports/${kind}?api-version=2024-05-01`;
  const filter = `&%24filter=${encodeURIComponent("timestamp ge datetime'2025-12-31T00:00:00' and timestamp le datetime'2026-01-01T00:00:00'")}`;

  it('refuses a report without $filter (required by the service)', async () => {
    const res = await get(reports('byApi'));
    expect(res.status).toBe(400);
    expect(res.body['error']).toMatchObject({ code: 'ValidationError' });
    expect((res.body['error'] as { message: string }).message).toContain(
      "'$filter' query parameter is required",
    );
  });

  it('refuses a report by time without an interval that is a multiple of 15 minutes', async () => {
    expect((await get(`${reports('byTime')}${filter}`)).status).toBe(400);
    expect((await get(`${reports('byTime')}${filter}&interval=PT10M`)).status).toBe(400);
    expect((await get(`${reports('byTime')}${filter}&interval=PT30M`)).status).toBe(200);
  });

  it('pages with an absolute nextLink that carries the filter', async () => {
    const page1 = await get(`${reports('byApi')}${filter}&%24top=1`);
    expect(page1.status).toBe(200);
    expect(page1.body).toMatchObject({ count: 2, value: [{ name: 'cart' }] });
    const next = page1.body['nextLink'] as string;
    expect(next.startsWith(stack.arm.endpoint)).toBe(true);
    const page2 = await get(next.slice(stack.arm.endpoint.length));
    expect(page2.body).toMatchObject({ value: [{ name: 'orders' }] });
    expect(page2.body['nextLink']).toBeUndefined();
  });
});

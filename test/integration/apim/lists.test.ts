import https from 'node:https';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_HEALTH_PATH } from '../../../local/arm/emulator';
import type { ApimConfiguration } from '../../../local/arm/model';
import { VirtualClock } from '../../../local/clock';
import { createApimClient } from '../../../shared/apim/client';
import type { ApimClient, BackupRestoreRequest, OperationPoll } from '../../../shared/apim/port';
import { parseApimResourceId, type ApimServiceId } from '../../../shared/azure/resourceId';
import { compareManifests, describeDifference } from '../../../shared/apim/manifest';
import { startAzureStack, type AzureStack } from '../../helpers/azure';

// Issue 9 foundations: the apis/products/namedValues lists (paged, live item shapes), the
// manifest read through the SDK, backup/restore carrying the lists, and the per-service gateway.
const SUB = '33333333-2222-3333-4444-555555555555';
const SECRET_VALUE = 'pa55-w0rd-never-in-a-manifest';
const PAGE = 2;

const CONFIG: ApimConfiguration = {
  apis: [
    { name: 'orders', path: 'orders', displayName: 'Orders', apiRevision: '1', isCurrent: false },
    { name: 'orders', path: 'orders', displayName: 'Orders', apiRevision: '2', isCurrent: true },
    { name: 'billing', path: 'billing' },
    { name: 'echo-api', path: 'echo', displayName: 'Echo API' },
    { name: 'inventory', path: 'inventory' },
  ],
  products: [{ name: 'starter', displayName: 'Starter' }, { name: 'unlimited' }, { name: 'partners' }],
  namedValues: [
    { name: 'backend-url', value: 'https://orders.internal' },
    { name: 'backend-key', displayName: 'BackendKey', value: SECRET_VALUE, secret: true },
    { name: 'region', value: 'westeurope', tags: ['geo'] },
  ],
};

function id(name: string): ApimServiceId {
  const parsed = parseApimResourceId(
    `/subscriptions/${SUB}/resourceGroups/rg-dr/providers/Microsoft.ApiManagement/service/${name}`,
  );
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

const request = (backupName: string): BackupRestoreRequest => ({
  storageAccount: 'lifeboatbackups',
  containerName: 'apim-backups',
  backupName,
  accessType: 'SystemAssignedManagedIdentity',
});

function get(
  url: string,
  ca: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

describe('ARM emulator lists, manifest, backup content and gateways', () => {
  let stack: AzureStack;
  let clock: VirtualClock;
  let apim: ApimClient;

  beforeAll(async () => {
    clock = new VirtualClock(new Date('2026-05-01T00:00:00Z'));
    const svc = (name: string, location: string, configuration?: ApimConfiguration) => ({
      subscriptionId: SUB,
      resourceGroup: 'rg-dr',
      name,
      location,
      sku: { name: 'Premium' },
      identity: { systemAssigned: true },
      ...(configuration === undefined ? {} : { configuration }),
    });
    stack = await startAzureStack({
      clock,
      retryAfterSeconds: 0,
      listPageSize: PAGE,
      services: [
        svc('apim-prod', 'West Europe', CONFIG),
        svc('apim-dr', 'North Europe', {
          apis: [{ name: 'stale', path: 'stale' }],
          products: [],
          namedValues: [],
        }),
        svc('apim-drill', 'North Europe'),
      ],
    });
    apim = createApimClient({
      endpoint: stack.arm.endpoint,
      credential: {
        getToken: () =>
          Promise.resolve({ token: stack.arm.token, expiresOnTimestamp: Date.now() + 3_600_000 }),
      },
      caPem: stack.arm.caPem,
      maxRetries: 0,
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const list = (service: string, what: string, query = '') =>
    get(
      `${stack.arm.endpoint}${id(service).resourceId}/${what}?api-version=2024-05-01${query}`,
      stack.arm.caPem,
      { authorization: `Bearer ${stack.arm.token}` },
    );

  async function complete(first: OperationPoll, ms: number): Promise<OperationPoll> {
    let poll = first;
    clock.advance(ms);
    for (let i = 0; i < 5 && poll.status === 'running'; i++) poll = await apim.pollOnce(poll.token);
    return poll;
  }

  it('lists APIs in pages with the live item shape, count and an absolute nextLink carrying the api-version', async () => {
    const first = await list('apim-prod', 'apis');
    expect(first.status).toBe(200);
    const page = JSON.parse(first.body) as { value: unknown[]; count: number; nextLink?: string };
    expect(page.count).toBe(5);
    expect(page.value).toHaveLength(PAGE);
    expect(page.value[0]).toEqual({
      id: `${id('apim-prod').resourceId}/apis/orders;rev=1`,
      type: 'Microsoft.ApiManagement/service/apis',
      name: 'orders;rev=1',
      properties: {
        displayName: 'Orders',
        apiRevision: '1',
        path: 'orders',
        protocols: ['https'],
        isCurrent: false,
      },
    });
    expect(page.nextLink).toBe(
      `${stack.arm.endpoint}${id('apim-prod').resourceId}/apis?api-version=2024-05-01&%24top=${PAGE}&%24skip=${PAGE}`,
    );
    const last = JSON.parse(
      (
        await get(page.nextLink!.replace('%24skip=2', '%24skip=4'), stack.arm.caPem, {
          authorization: `Bearer ${stack.arm.token}`,
        })
      ).body,
    ) as { value: { name: string }[]; nextLink?: string };
    expect(last.value.map((a) => a.name)).toEqual(['inventory']);
    expect(last.nextLink).toBeUndefined();
  });

  it('honours $top and $skip and refuses bad paging, a missing api-version and an unknown service', async () => {
    const page = JSON.parse((await list('apim-prod', 'products', '&$top=1&$skip=1')).body) as {
      value: { name: string; properties: Record<string, unknown> }[];
      nextLink?: string;
    };
    expect(page.value).toEqual([
      {
        id: `${id('apim-prod').resourceId}/products/unlimited`,
        type: 'Microsoft.ApiManagement/service/products',
        name: 'unlimited',
        properties: { displayName: 'unlimited', subscriptionRequired: true, state: 'published' },
      },
    ]);
    expect(page.nextLink).toContain('%24top=1&%24skip=2');
    for (const query of ['&$top=0', '&$skip=-1', '&$top=two']) {
      const bad = await list('apim-prod', 'apis', query);
      expect(bad.status).toBe(400);
      expect(JSON.parse(bad.body)).toMatchObject({ error: { code: 'ValidationError' } });
    }
    const noVersion = await get(`${stack.arm.endpoint}${id('apim-prod').resourceId}/apis`, stack.arm.caPem, {
      authorization: `Bearer ${stack.arm.token}`,
    });
    expect(JSON.parse(noVersion.body)).toMatchObject({ error: { code: 'MissingApiVersionParameter' } });
    const unknown = await list('apim-nowhere', 'namedValues');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ error: { code: 'ResourceNotFound' } });
  });

  it('lists a secret named value without its value, as live', async () => {
    type Page = { value: { name: string; properties: Record<string, unknown> }[] };
    // A $top above the page size is capped to it (the emulator's page size here is 2).
    const first = JSON.parse((await list('apim-prod', 'namedValues', '&$top=3')).body) as Page;
    const second = JSON.parse((await list('apim-prod', 'namedValues', '&$skip=2')).body) as Page;
    const all = [...first.value, ...second.value];
    expect(all.map((nv) => nv.name)).toEqual(['backend-url', 'backend-key', 'region']);
    expect(all[0]?.properties).toEqual({
      displayName: 'backend-url',
      value: 'https://orders.internal',
      secret: false,
    });
    expect(all[1]?.properties).toEqual({ displayName: 'BackendKey', secret: true });
    expect(all[2]?.properties).toMatchObject({ tags: ['geo'] });
  });

  it('the adapter reads every page through the SDK and builds a manifest without values', async () => {
    const apis = await apim.listApis(id('apim-prod'));
    expect(apis.map((a) => `${a.name}@${a.apiRevision}${a.isCurrent ? '*' : ''}`)).toEqual([
      'orders;rev=1@1',
      'orders@2*',
      'billing@1*',
      'echo-api@1*',
      'inventory@1*',
    ]);
    const before = stack.arm.requests().length;
    const manifest = await apim.readManifest(id('apim-prod'));
    // 5 APIs, 3 products, 3 named values at 2 per page: 3 + 2 + 2 list requests.
    expect(
      stack.arm
        .requests()
        .slice(before)
        .filter((r) => r.status === 200),
    ).toHaveLength(7);
    expect(manifest).toEqual({
      v: 1,
      apis: [
        { name: 'billing', revisions: ['1'], currentRevision: '1' },
        { name: 'echo-api', revisions: ['1'], currentRevision: '1' },
        { name: 'inventory', revisions: ['1'], currentRevision: '1' },
        { name: 'orders', revisions: ['1', '2'], currentRevision: '2' },
      ],
      products: ['partners', 'starter', 'unlimited'],
      namedValues: [
        { name: 'backend-key', secret: true },
        { name: 'backend-url', secret: false },
        { name: 'region', secret: false },
      ],
      counts: { apis: 4, apiRevisions: 5, products: 3, namedValues: 3, secretNamedValues: 1 },
    });
    const text = JSON.stringify(manifest);
    expect(text).not.toContain(SECRET_VALUE);
    expect(text).not.toContain('orders.internal');
    const nvs = await apim.listNamedValues(id('apim-prod'));
    expect(JSON.stringify(nvs)).not.toContain(SECRET_VALUE);
  });

  it('a list error is classified like every other ARM error', async () => {
    stack.arm.faults.inject({ kind: 'http', status: 503 }, { on: 'list' });
    await expect(apim.listProducts(id('apim-prod'))).rejects.toMatchObject({
      name: 'TransientError',
      code: 'ServiceUnavailable',
    });
    await expect(apim.listApis(id('apim-gone'))).rejects.toMatchObject({
      name: 'NonRetryableError',
      code: 'ResourceNotFound',
    });
  });

  it('a backup captures the lists; a restore replaces the target lists with the backup ones', async () => {
    const expected = await apim.readManifest(id('apim-prod'));
    const backup = await complete(
      await apim.beginBackup(id('apim-prod'), request('lists-1.apimbackup')),
      10 * 60_000,
    );
    expect(backup.status).toBe('succeeded');
    const blob = await BlobServiceClient.fromConnectionString(stack.azurite.connectionString)
      .getContainerClient('apim-backups')
      .getBlobClient('lists-1.apimbackup')
      .downloadToBuffer();
    const content = JSON.parse(blob.toString('utf8')) as { configuration: ApimConfiguration };
    expect(content.configuration).toEqual(CONFIG);

    // The source changes after the backup: the restore brings back the backup-time lists.
    stack.arm.services.update(id('apim-prod').resourceId, { configuration: { products: [] } });
    const restored = await complete(
      await apim.beginRestore(id('apim-dr'), request('lists-1.apimbackup')),
      30 * 60_000,
    );
    expect(restored.status).toBe('succeeded');
    const actual = await apim.readManifest(id('apim-dr'));
    expect(compareManifests(expected, actual)).toEqual({ equal: true, differences: [] });
    expect((await apim.listApis(id('apim-dr'))).map((a) => a.name)).not.toContain('stale');
    stack.arm.services.update(id('apim-prod').resourceId, { configuration: { products: CONFIG.products } });
  });

  it('a scripted fault drops an API from the restored target, and the comparison names it', async () => {
    const expected = await apim.readManifest(id('apim-prod'));
    stack.arm.faults.inject({ kind: 'dropApiOnRestore', api: 'billing' });
    const restored = await complete(
      await apim.beginRestore(id('apim-drill'), request('lists-1.apimbackup')),
      30 * 60_000,
    );
    expect(restored.status).toBe('succeeded');
    const result = compareManifests(expected, await apim.readManifest(id('apim-drill')));
    expect(result.equal).toBe(false);
    expect(result.differences.map(describeDifference)).toEqual(["API 'billing' is missing from the target"]);
    expect(stack.arm.faults.pending()).toBe(0);
  });

  it("each service's gatewayUrl is its own local gateway, answering the health path 200 or 503", async () => {
    const prod = await apim.getService(id('apim-prod'));
    const dr = await apim.getService(id('apim-dr'));
    expect(prod.gatewayUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(dr.gatewayUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(dr.gatewayUrl).not.toBe(prod.gatewayUrl);
    expect(await stack.arm.gateways.url(id('apim-dr').resourceId)).toBe(dr.gatewayUrl);

    const health = () => get(`${dr.gatewayUrl!}${GATEWAY_HEALTH_PATH}`, stack.arm.caPem);
    expect((await health()).status).toBe(200);
    stack.arm.gateways.setHealthy(id('apim-dr').resourceId, false);
    expect((await health()).status).toBe(503);
    stack.arm.gateways.setHealthy(id('apim-dr').resourceId, true);
    expect((await health()).status).toBe(200);
    expect(stack.arm.gateways.probes(id('apim-dr').resourceId)).toBe(3);
    expect(stack.arm.gateways.probes(id('apim-prod').resourceId)).toBe(0);
    expect((await get(`${dr.gatewayUrl!}/orders`, stack.arm.caPem)).status).toBe(404);
  });

  it('a service added after start gets its own gateway too', async () => {
    const added = stack.arm.services.add({ subscriptionId: SUB, resourceGroup: 'rg-dr', name: 'apim-late' });
    const info = await apim.getService(id('apim-late'));
    expect(info.gatewayUrl).toBe(await stack.arm.gateways.url(added));
    expect((await get(`${info.gatewayUrl!}${GATEWAY_HEALTH_PATH}`, stack.arm.caPem)).status).toBe(200);
  });
});

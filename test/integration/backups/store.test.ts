import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteHandle } from '../../../local/azurite';
import { backupBlobName } from '../../../shared/backups/naming';
import { pruneService, readCatalog } from '../../../shared/backups/catalog';
import { createBackupStore, summaryBlobName } from '../../../shared/backups/store';

let azurite: AzuriteHandle;
let service: BlobServiceClient;

beforeAll(async () => {
  azurite = await startAzurite();
  service = BlobServiceClient.fromConnectionString(azurite.connectionString);
});
afterAll(async () => {
  await azurite?.stop();
});

async function upload(container: ContainerClient, name: string, body = 'backup-bytes'): Promise<void> {
  await container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body));
}

const t0 = Date.UTC(2026, 0, 1);
const at = (i: number) => new Date(t0 + i * 3600_000);

describe('backup store against Azurite', () => {
  it('creates the container once, private', async () => {
    const container = service.getContainerClient('apim-backups-a');
    const store = createBackupStore(container);
    expect(await store.ensureContainer()).toEqual({ created: true });
    expect(await store.ensureContainer()).toEqual({ created: false });
    const policy = await container.getAccessPolicy();
    expect(policy.blobPublicAccess).toBeUndefined();
  });

  it('reports no backups (rather than failing) before the first run has created the container', async () => {
    const store = createBackupStore(service.getContainerClient('apim-backups-never-created'));
    expect(await store.list('svc')).toEqual([]);
    const catalog = await readCatalog(store, ['svc'], { now: new Date() });
    expect(catalog.get('svc')).toMatchObject({ count: 0, verifiedCount: 0, newestVerified: undefined });
  });

  it('lists one service across pages, oldest first, skipping foreign blobs and other services', async () => {
    const container = service.getContainerClient('apim-backups-b');
    const store = createBackupStore(container, { pageSize: 7 });
    await store.ensureContainer();
    for (let i = 0; i < 20; i++) await upload(container, backupBlobName('svc', at(i)));
    await upload(container, backupBlobName('svc-two', at(1)));
    await upload(container, 'svc/notes.txt');
    const listed = await store.list('SVC');
    expect(listed).toHaveLength(20);
    expect(listed.map((b) => b.takenAt.getTime())).toEqual(
      Array.from({ length: 20 }, (_, i) => at(i).getTime()),
    );
    expect(listed.every((b) => !b.verified && b.sizeBytes === 12)).toBe(true);
  });

  it('verifies a non-empty blob and records metadata; refuses missing and empty blobs for good', async () => {
    const container = service.getContainerClient('apim-backups-c');
    const store = createBackupStore(container);
    await store.ensureContainer();
    const good = backupBlobName('svc', at(1));
    const empty = backupBlobName('svc', at(2));
    await upload(container, good);
    await upload(container, empty, '');
    const meta = { service: 'svc', region: 'westeurope', tier: 'Developer', takenAt: at(1).toISOString() };
    expect(await store.verify(good, meta)).toEqual({ sizeBytes: 12 });
    const props = await container.getBlobClient(good).getProperties();
    expect(props.metadata).toMatchObject({
      verified: 'true',
      service: 'svc',
      region: 'westeurope',
      tier: 'Developer',
      takenat: meta.takenAt,
    });
    await expect(store.verify(empty, meta)).rejects.toMatchObject({
      name: 'NonRetryableError',
      code: 'BackupBlobEmpty',
    });
    await expect(store.verify(backupBlobName('svc', at(3)), meta)).rejects.toMatchObject({
      name: 'NonRetryableError',
      code: 'BackupBlobMissing',
    });
    const listed = await store.list('svc');
    expect(listed.find((b) => b.name === good)?.verified).toBe(true);
    expect(listed.find((b) => b.name === empty)?.verified).toBe(false);
  });

  it('deletes with the batch API, 256 per request, and treats already-gone blobs as done', async () => {
    const container = service.getContainerClient('apim-backups-d');
    const store = createBackupStore(container);
    await store.ensureContainer();
    const names = Array.from({ length: 300 }, (_, i) => backupBlobName('svc', at(i)));
    await Promise.all(names.map((n) => upload(container, n)));
    await upload(container, backupBlobName('keep', at(1)));
    const first = await store.deleteBatched(names.slice(0, 290));
    expect(first).toEqual({ deleted: 290, alreadyGone: 0, requests: 2 });
    const second = await store.deleteBatched(names);
    expect(second).toEqual({ deleted: 10, alreadyGone: 290, requests: 2 });
    expect(await store.list('svc')).toHaveLength(0);
    expect(await store.list('keep')).toHaveLength(1);
  });

  it('deletes one by one as the baseline', async () => {
    const container = service.getContainerClient('apim-backups-e');
    const store = createBackupStore(container);
    await store.ensureContainer();
    const names = Array.from({ length: 5 }, (_, i) => backupBlobName('svc', at(i)));
    await Promise.all(names.map((n) => upload(container, n)));
    expect(await store.deleteOneByOne([...names, backupBlobName('svc', at(99))])).toEqual({
      deleted: 5,
      alreadyGone: 1,
      requests: 6,
    });
  });

  it('prune writes the catalog summary that the report reads instead of listing; a missing or corrupt one falls back to listing', async () => {
    const container = service.getContainerClient('apim-backups-f');
    const store = createBackupStore(container);
    await store.ensureContainer();
    const now = at(24 * 40);
    for (let i = 0; i < 4; i++) await upload(container, backupBlobName('svc', at(i)));
    await store.verify(backupBlobName('svc', at(3)), {
      service: 'svc',
      region: 'r',
      tier: 'Basic',
      takenAt: at(3).toISOString(),
    });

    let catalog = (await readCatalog(store, ['svc'], { now })).get('svc')!;
    expect(catalog).toMatchObject({ source: 'listing', count: 4, verifiedCount: 1 });

    const pruned = await pruneService(store, 'svc', { now, retentionDays: 7, keepNewest: 3 });
    expect(pruned).toMatchObject({ listed: 4, deleted: 3, kept: 1 });
    await upload(container, backupBlobName('svc', at(24 * 39)));
    catalog = (await readCatalog(store, ['svc'], { now })).get('svc')!;
    expect(catalog).toMatchObject({ source: 'summary', count: 1, verifiedCount: 1, asOf: now });
    expect(catalog.newestVerified).toMatchObject({ name: backupBlobName('svc', at(3)), sizeBytes: 12 });
    expect((await readCatalog(store, ['svc'], { now, fresh: true })).get('svc')).toMatchObject({
      source: 'listing',
      count: 2,
    });

    await upload(container, summaryBlobName('svc'), '{"count":"lots"}');
    expect((await readCatalog(store, ['svc'], { now })).get('svc')).toMatchObject({
      source: 'listing',
      count: 2,
    });
  });
});

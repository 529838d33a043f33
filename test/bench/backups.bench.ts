import {
  BlobServiceClient,
  ContainerClient,
  Pipeline,
  StorageSharedKeyCredential,
  type RequestPolicyFactory,
} from '@azure/storage-blob';
import { startAzurite, type AzuriteHandle } from '../../local/azurite';
import { createTestHost } from '../../local/host/testing';
import { pruneService } from '../../shared/backups/catalog';
import { backupBlobName } from '../../shared/backups/naming';
import { decidePrune } from '../../shared/backups/prune';
import { createBackupStore } from '../../shared/backups/store';
import { benchSize, msSince, type Figure, type Measurement } from './figures';

/**
 * Pruning expired backups of one service in Azurite (10,000 in the issue; see EXPIRED), with the Blob Batch API (256 deletes
 * per request) and, side by side in the same run, with one request per blob; then
 * `GET /api/backups` through the local host with those backups present.
 *
 * Requests are counted by a policy in the container client's own SDK pipeline, once per operation
 * sent (a batch of 256 deletes is one request; Azurite does not fail, so there are no retries to
 * count). Both prune paths list the service first (3 pages of up to 5,000) with the same code;
 * the batched path also writes the catalog summary (1 request).
 */

/**
 * How many expired backups each path prunes. Azurite's in-memory store scans every blob of the
 * account on each put/delete (its Loki query starts from the `accountName` index), so a prune of
 * N costs O(N²) there: the 10,000 per path (the default) takes about nine minutes on two
 * cores. `LIFEBOAT_BENCH_PRUNE_COUNT=2000` gives a quick run (about 80 s).
 */
const EXPIRED = benchSize(benchCount(process.env['LIFEBOAT_BENCH_PRUNE_COUNT'], 10_000), 20);

function benchCount(text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 100_000)
    throw new RangeError('LIFEBOAT_BENCH_PRUNE_COUNT must be a whole number from 1 to 100000');
  return n;
}
const KEEP_VERIFIED = 3;
const SERVICE = 'bench-apim';
const CONCURRENCY = 4;
const DAY = 24 * 3600_000;
const now = new Date('2026-06-01T00:00:00Z');

/** A container client whose every HTTP request increments `count`. */
function countingContainer(
  azurite: AzuriteHandle,
  name: string,
): { container: ContainerClient; counter: { count: number } } {
  const counter = { count: 0 };
  const credential = new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey);
  const counting: RequestPolicyFactory = {
    create: (next) => ({
      sendRequest(request) {
        counter.count++;
        return next.sendRequest(request);
      },
    }),
  };
  // The credential is itself a policy factory: the SDK finds it among the factories and signs with it;
  // the counting factory is "novel" to it and runs once per request sent through the client.
  const pipeline = new Pipeline([credential, counting]);
  return { container: new ContainerClient(`${azurite.blobEndpoint}/${name}`, pipeline), counter };
}

/** EXPIRED unverified backups (a minute apart, ending 20 days ago) and 3 recent verified ones. */
async function seed(service: BlobServiceClient, containerName: string): Promise<void> {
  const container = service.getContainerClient(containerName);
  await container.createIfNotExists();
  const start = now.getTime() - 20 * DAY - EXPIRED * 60_000;
  const names = Array.from({ length: EXPIRED }, (_, i) =>
    backupBlobName(SERVICE, new Date(start + i * 60_000)),
  );
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const name = names[next++]!;
      await container.getBlockBlobClient(name).upload('x', 1);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  for (let i = 1; i <= KEEP_VERIFIED; i++) {
    await container
      .getBlockBlobClient(backupBlobName(SERVICE, new Date(now.getTime() - i * 6 * 3600_000)))
      .upload('ok', 2, { metadata: { verified: 'true' } });
  }
}

const policy = { now, retentionDays: 7, keepNewest: KEEP_VERIFIED };

/** One prune path on its own fresh Azurite (no state left over from the other path). */
async function measurePath(path: 'batched' | 'onebyone'): Promise<{
  ms: number;
  requests: number;
  deleted: number;
  catalog?: { summaryMs: number; listingMs: number };
}> {
  const azurite = await startAzurite();
  try {
    const plain = BlobServiceClient.fromConnectionString(azurite.connectionString);
    await seed(plain, path);
    let catalog: { summaryMs: number; listingMs: number } | undefined;
    if (path === 'batched') {
      // The summary a prune would write (retention 30 keeps everything), so GET reads it as in production.
      await pruneService(createBackupStore(plain.getContainerClient(path)), SERVICE, {
        ...policy,
        retentionDays: 30,
      });
      catalog = await catalogGetMs(azurite);
    }
    const counted = countingContainer(azurite, path);
    const store = createBackupStore(counted.container);
    const t = performance.now();
    let deleted: number;
    if (path === 'batched') {
      deleted = (await pruneService(store, SERVICE, policy)).deleted;
    } else {
      const decision = decidePrune(await store.list(SERVICE), policy);
      deleted = (
        await store.deleteOneByOne(
          decision.delete.map((e) => e.name),
          { concurrency: CONCURRENCY },
        )
      ).deleted;
    }
    const ms = msSince(t);
    const left = await createBackupStore(plain.getContainerClient(path)).list(SERVICE);
    if (deleted !== EXPIRED || left.length !== KEEP_VERIFIED) {
      throw new Error(
        `${path} prune deleted ${deleted} and left ${left.length}; expected ${EXPIRED} and ${KEEP_VERIFIED}`,
      );
    }
    return { ms, requests: counted.counter.count, deleted, ...(catalog ? { catalog } : {}) };
  } finally {
    await azurite.stop();
  }
}

async function pruneFigures(): Promise<readonly Measurement[]> {
  // Each path gets a fresh Azurite: its in-memory store slows as it fills and churns, so sharing
  // one would tax whichever path runs second.
  const batched = await measurePath('batched');
  const single = await measurePath('onebyone');
  const catalog = batched.catalog!;
  return [
    { name: 'prune.count', value: EXPIRED, unit: 'blobs' },
    { name: 'prune.batched.requests', value: batched.requests, unit: 'requests' },
    { name: 'prune.onebyone.requests', value: single.requests, unit: 'requests' },
    { name: 'prune.request_ratio', value: single.requests / batched.requests, unit: 'x' },
    { name: 'prune.batched.ms', value: batched.ms, unit: 'ms' },
    { name: 'prune.onebyone.ms', value: single.ms, unit: 'ms' },
    { name: 'prune.speedup', value: single.ms / batched.ms, unit: 'x' },
    { name: 'catalog.get_ms', value: catalog.summaryMs, unit: 'ms' },
    { name: 'catalog.get_fresh_ms', value: catalog.listingMs, unit: 'ms' },
  ];
}

/**
 * `GET /api/backups` through the local host with EXPIRED + 3 backups in the container: the median of 5
 * (after one warm-up) reading the catalog summary, and one `?fresh=true` that lists all blobs.
 */
async function catalogGetMs(azurite: AzuriteHandle): Promise<{ summaryMs: number; listingMs: number }> {
  const host = await createTestHost({
    app: async () => {
      await Promise.all([
        import('../../functions/http/getBackups.js'),
        import('../../functions/orchestrations/backupOrchestration.js'),
      ]);
    },
    settings: {
      // The local host plays App Service Authentication (its default person is signed in).
      LIFEBOAT_LOCAL_MODE: 'true',
      AzureWebJobsStorage: azurite.connectionString,
      LIFEBOAT_BACKUP_SCHEDULE: '0 0 */6 * * *',
      LIFEBOAT_BACKUP_CONTAINER: 'batched',
      LIFEBOAT_PROTECTED_SERVICES: JSON.stringify([
        {
          resourceId: `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.ApiManagement/service/${SERVICE}`,
        },
      ]),
    },
    timers: false,
    queues: { enabled: false },
  });
  try {
    const get = async (path: string) => {
      const t = performance.now();
      const res = await host.fetch(path);
      const body = (await res.json()) as { services?: { count: number }[] };
      const ms = msSince(t);
      if (res.status !== 200 || body.services?.[0]?.count !== EXPIRED + KEEP_VERIFIED) {
        throw new Error(`GET ${path} answered ${res.status} with ${JSON.stringify(body).slice(0, 300)}`);
      }
      return ms;
    };
    await get('/api/backups');
    const times: number[] = [];
    for (let i = 0; i < 5; i++) times.push(await get('/api/backups'));
    times.sort((a, b) => a - b);
    return { summaryMs: times[2]!, listingMs: await get('/api/backups?fresh=true') };
  } finally {
    await host.stop();
  }
}

export const figures: Figure[] = [
  {
    names: [
      'prune.count',
      'prune.batched.requests',
      'prune.onebyone.requests',
      'prune.request_ratio',
      'prune.speedup',
      'prune.batched.ms',
      'prune.onebyone.ms',
      'catalog.get_ms',
      'catalog.get_fresh_ms',
    ],
    run: pruneFigures,
  },
];

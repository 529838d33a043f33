import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { startAzurite } from '../../local/azurite';
import { createTestHost } from '../../local/host/testing';
import { backupBlobName } from '../../shared/backups/naming';
import type { BackupEntry } from '../../shared/backups/prune';
import { summarizeCatalog } from '../../shared/backups/report';
import {
  DIGEST_CONTAINER,
  serviceDigestBlob,
  withCatalog,
  withRunEnded,
  withRunStarted,
  withTargetClaimed,
  withTargetReleased,
  type ServiceDigest,
} from '../../shared/digest/service';
import { serviceDigests } from '../../shared/digest/store';
import { PLANS_CONTAINER, planPaths, type PlanSummary, type RunSummary } from '../../shared/plans/report';
import {
  appendHeartbeat,
  STATUS_CONTAINER,
  siteHeartbeatBlob,
  type SiteHeartbeats,
} from '../../shared/status/heartbeats';
import type { StatusReport } from '../../shared/status/model';
import { isListRequest, startCountingProxy } from './fixtures/countingProxy';
import { benchSize, msSince, type Figure, type Measurement } from './figures';

/**
 * `GET /api/status` and `GET /api/status.html` through the local host (issues 12 and 21, item 13)
 * at two sizes: 20 protected services × 1,000 and × 10,000 backups each, 5 sites with heartbeat
 * records and command queues, 5 plans holding 50 past runs, 50 alert decisions, 70 finished durable
 * instances. Median of 9 each (alternated) after three warm-ups, per size; target under 300 ms at
 * both sizes, and the 10,000 figure at most 1.2 × the 1,000 one (`status.get_ms.ratio`).
 *
 * What the page reads about the services is their status digest (shared/digest/service.ts): one
 * record per service, seeded here through the writers' own folds (`withRunStarted`,
 * `withRunEnded`, `withCatalog` over the catalog the prune computes from a listing of that many
 * backups, `withRestoreMark`, `withTargetClaimed`/`withTargetReleased`), as a run, its prune and a
 * drill would leave it. The backup account (its own Azurite, as deployed) holds real backup blobs
 * too, but only `LIFEBOAT_BENCH_STATUS_BLOBS` per service (default 100): Azurite's in-memory
 * store scans the account on each write, so 200,000 real blobs take hours to seed, and the page
 * never lists that account nor reads a backup from it: every request of both accounts goes through
 * a counting proxy, and a listing, or any request to the backup account other than a GET of the two
 * small records the page names per service (the standby's state, the newest usage export), during
 * the measured requests fails the bench (`status.list_requests` must be 0;
 * `status.backup_account_requests_per_get` is 2 per service).
 */
const SERVICES = benchSize(20, 2);
const SIZES = [benchSize(1000, 5), benchSize(10_000, 50)] as const;
const BLOBS = benchSize(benchCount(process.env['LIFEBOAT_BENCH_STATUS_BLOBS'], 100), 5);
const SITES = benchSize(5, 1);
const PLANS = benchSize(5, 1);
const RUNS_PER_PLAN = benchSize(10, 1);
const SAMPLES = benchSize(9, 1);
const HOUR = 3600_000;

function benchCount(text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 10_000)
    throw new RangeError('LIFEBOAT_BENCH_STATUS_BLOBS must be a whole number from 1 to 10000');
  return n;
}

const serviceName = (i: number) => `bench-apim-${String(i).padStart(2, '0')}`;
const serviceId = (name: string) =>
  `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.ApiManagement/service/${name}`;

async function put(container: ContainerClient, name: string, value: unknown): Promise<void> {
  await container.createIfNotExists();
  const body = JSON.stringify(value);
  await container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body));
}

const takenAt = (now: Date, i: number) => new Date(now.getTime() - (i + 1) * 10 * 60_000);
const standbyOf = (i: number) => serviceId(`${serviceName(i)}-standby`);
const drillOf = (i: number) => serviceId(`${serviceName(i)}-drill`);

/** BLOBS real verified backups per service in the backup account, 10 minutes apart up to now. */
async function seedBackupBlobs(blobs: BlobServiceClient, now: Date): Promise<void> {
  const container = blobs.getContainerClient('apim-backups');
  await container.createIfNotExists();
  const names: string[] = [];
  for (let s = 0; s < SERVICES; s++)
    for (let i = 0; i < BLOBS; i++) names.push(backupBlobName(serviceName(s), takenAt(now, i)));
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const name = names[next++]!;
      await container.getBlockBlobClient(name).upload('backup', 6, { metadata: { verified: 'true' } });
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

/**
 * Each service's status digest as its writers leave it after a successful run with `backups`
 * verified backups (the prune's catalog of that listing: `summarizeCatalog`, what it writes), one
 * of them restore-verified by a drill an hour ago, and a restore into the standby that ran.
 */
async function seedDigests(blobs: BlobServiceClient, now: Date, backups: number): Promise<void> {
  const digests = serviceDigests(blobs.getContainerClient(DIGEST_CONTAINER));
  const iso = (d: Date) => d.toISOString();
  await Promise.all(
    Array.from({ length: SERVICES }, async (_, s) => {
      const service = serviceName(s);
      const markAt = new Date(now.getTime() - HOUR);
      const entries: BackupEntry[] = Array.from({ length: backups }, (_, i) => ({
        name: backupBlobName(service, takenAt(now, i)),
        takenAt: takenAt(now, i),
        verified: true,
        sizeBytes: 6,
        ...(i === 4 ? { restore: { at: markAt, target: 'drill', outcome: 'succeeded' as const } } : {}),
      }));
      const c = summarizeCatalog(entries);
      const v = c.newestVerified!;
      const r = c.newestRestoreVerified!;
      const startedAt = iso(new Date(now.getTime() - 15 * 60_000));
      const endedAt = iso(new Date(now.getTime() - 5 * 60_000));
      const verified = { name: v.name, takenAt: iso(v.takenAt), sizeBytes: v.sizeBytes };
      const evidence = {
        instanceId: `restore-${service}-standby`,
        mode: 'drill' as const,
        outcome: 'succeeded' as const,
        endedAt: iso(markAt),
        backup: { name: r.name, takenAt: iso(r.takenAt) },
        acceptedAt: iso(markAt),
      };
      const folds: ((d: ServiceDigest | undefined) => ServiceDigest | undefined)[] = [
        (d) => withRunStarted(d, service, { instanceId: `backup-${service}`, at: startedAt }),
        (d) =>
          withCatalog(d, service, {
            asOf: endedAt,
            count: c.count,
            verifiedCount: c.verifiedCount,
            newestVerified: verified,
            newestRestoreVerified: {
              name: r.name,
              takenAt: iso(r.takenAt),
              at: iso(markAt),
              target: 'drill',
            },
            lastRestoreVerification: c.lastRestoreVerification ?? null,
          }),
        (d) =>
          withRunEnded(d, service, {
            instanceId: `backup-${service}`,
            startedAt,
            endedAt,
            outcome: 'succeeded',
            verified,
          }),
        (d) =>
          withTargetClaimed(d, service, {
            targetResourceId: standbyOf(s),
            instanceId: evidence.instanceId,
            at: iso(new Date(markAt.getTime() - HOUR)),
          }),
        (d) =>
          withTargetReleased(d, service, {
            targetResourceId: standbyOf(s),
            instanceId: evidence.instanceId,
            at: evidence.endedAt,
            evidence,
          }),
      ];
      let digest: ServiceDigest | undefined;
      for (const fold of folds) digest = fold(digest) ?? digest;
      await digests.put(serviceDigestBlob(service), digest!);
    }),
  );
}

function run(plan: string, i: number, now: Date): RunSummary {
  const at = (ms: number) => new Date(now.getTime() - ms).toISOString();
  const mode = i % 3 === 0 ? 'failover' : 'drill';
  return {
    runId: `${mode}-${plan}-${i}`,
    plan,
    mode,
    state: i === 0 ? 'running' : 'completed',
    ...(i === 0 ? {} : { outcome: i % 4 === 0 ? 'failed' : 'succeeded' }),
    percent: i === 0 ? 40 : 100,
    requestedAt: at(i * 24 * HOUR + HOUR),
    startedAt: at(i * 24 * HOUR + HOUR),
    ...(i === 0 ? {} : { endedAt: at(i * 24 * HOUR) }),
    rto: { targetMinutes: 60, ...(i === 0 ? {} : { achievedMinutes: 45, met: true }) },
    rpo: { targetMinutes: 360 },
    reportUri: `/api/runs/${mode}-${plan}-${i}/report.html`,
  };
}

async function seedRest(blobs: BlobServiceClient, queues: QueueServiceClient, now: Date, plansDir: string) {
  const status = blobs.getContainerClient(STATUS_CONTAINER);
  for (let s = 0; s < SITES; s++) {
    const site = `site-${s}`;
    let record: SiteHeartbeats | undefined;
    for (let h = 12; h > 0; h--)
      record = appendHeartbeat(
        record,
        site,
        {
          issuedAt: new Date(now.getTime() - h * 5 * 60_000).toISOString(),
          answeredAt: new Date(now.getTime() - h * 5 * 60_000 + 900).toISOString(),
          outcome: 'succeeded',
          rttMs: 900,
          agentId: `agent-${site}`,
          version: '1.0.0',
          executor: 'powershell',
          instanceId: `heartbeat-${site}`,
          commandIds: ['00000000-0000-0000-0000-000000000000'],
        },
        12,
        now,
      );
    await put(status, siteHeartbeatBlob(site), record);
    const q = queues.getQueueClient(`agent-${site}-commands`);
    await q.createIfNotExists();
    for (let m = 0; m < 3; m++) await q.sendMessage('queued');
  }
  const plans = blobs.getContainerClient(PLANS_CONTAINER);
  for (let p = 0; p < PLANS; p++) {
    const plan = `plan-${p}`;
    await writeFile(path.join(plansDir, `${plan}.json`), '{}');
    const runs = Array.from({ length: RUNS_PER_PLAN }, (_, i) => run(plan, i, now));
    const summary: PlanSummary = {
      plan,
      active: runs[0]!,
      lastDrill: runs.find((r) => r.mode === 'drill' && r.state === 'completed')!,
      lastFailover: runs.find((r) => r.mode === 'failover' && r.state === 'completed')!,
      recent: runs,
      updatedAt: now.toISOString(),
    };
    await put(plans, planPaths.summary(plan), summary);
  }
  await put(blobs.getContainerClient('lifeboat-alerts'), 'recent.json', {
    decisions: Array.from({ length: 50 }, (_, i) => ({
      alertId: `alert-${i}`,
      decision: i % 5 === 0 ? 'started' : 'ignored',
      reason: 'bench',
      rule: 'rule',
      decidedAt: new Date(now.getTime() - i * HOUR).toISOString(),
    })),
    updatedAt: now.toISOString(),
  });
}

async function statusFigures(): Promise<readonly Measurement[]> {
  // Two accounts, as deployed (infra): the app's storage, and the backup account APIM writes to.
  const azurite = await startAzurite();
  const backupAzurite = await startAzurite();
  const proxy = await startCountingProxy(azurite.blobEndpoint);
  const backupProxy = await startCountingProxy(backupAzurite.blobEndpoint);
  const plansDir = await mkdtemp(path.join(tmpdir(), 'lifeboat-bench-plans-'));
  try {
    const now = new Date();
    const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
    const queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
    const seedStart = performance.now();
    await seedBackupBlobs(BlobServiceClient.fromConnectionString(backupAzurite.connectionString), now);
    await seedRest(blobs, queues, now, plansDir);
    const seedMs = msSince(seedStart);
    const through = (connectionString: string, origin: string) =>
      connectionString.replace(/BlobEndpoint=[^;]+;/, `BlobEndpoint=${origin}/devstoreaccount1;`);
    const services = Array.from({ length: SERVICES }, (_, i) => ({
      resourceId: serviceId(serviceName(i)),
      standbyResourceId: standbyOf(i),
      drillTargetResourceIds: [drillOf(i)],
    }));
    const host = await createTestHost({
      app: async () => {
        await Promise.all([
          import('../../functions/http/getStatus.js'),
          import('../../functions/http/getStatusPage.js'),
          import('../../functions/orchestrations/backupOrchestration.js'),
          import('../../functions/orchestrations/restoreApim.js'),
        ]);
      },
      settings: {
        // The local host plays App Service Authentication (its default person is signed in).
        LIFEBOAT_LOCAL_MODE: 'true',
        AzureWebJobsStorage: through(azurite.connectionString, proxy.origin),
        BackupStorage: through(backupAzurite.connectionString, backupProxy.origin),
        LIFEBOAT_BACKUP_SCHEDULE: '0 0 */6 * * *',
        LIFEBOAT_PROTECTED_SERVICES: JSON.stringify(services),
        LIFEBOAT_RELAY_SITES: Array.from({ length: SITES }, (_, s) => `site-${s}`).join(','),
        LIFEBOAT_PLANS_DIR: plansDir,
      },
      timers: false,
      queues: { enabled: false },
    });
    try {
      // A finished run per service and per standby (refused at once: invalid input), plus 50 more
      // finished instances in the task hub, so every status read finds a real instance.
      const ids: string[] = [];
      for (let i = 0; i < SERVICES; i++)
        ids.push(await host.startOrchestration('backupOrchestration', {}, `backup-${serviceName(i)}`));
      for (let i = 0; i < 50; i++)
        ids.push(await host.startOrchestration('restoreApim', {}, `bench-past-${i}`));
      for (const id of ids) await host.waitForInstance(id);

      const get = async (p: string) => {
        const t = performance.now();
        const res = await host.fetch(p);
        const body = await res.text();
        const ms = msSince(t);
        if (res.status !== 200) throw new Error(`GET ${p} answered ${res.status}: ${body.slice(0, 300)}`);
        return { ms, body };
      };
      const median = (times: number[]) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
      const figures: Measurement[] = [];
      const bySize: { jsonMs: number; htmlMs: number }[] = [];
      let blobRequests = 0;
      let lists = 0;
      let backupAccount = 0;
      let digestSeedMs = 0;
      for (const backups of SIZES) {
        const digestStart = performance.now();
        await seedDigests(blobs, now, backups);
        digestSeedMs += msSince(digestStart);
        const check = JSON.parse((await get('/api/status')).body) as StatusReport;
        const shown = check.services.filter(
          (s) => s.backup.colour === 'green' && s.lastRun.colour === 'green',
        ).length;
        if (
          check.services.length !== SERVICES ||
          shown !== SERVICES ||
          check.sites.length !== SITES ||
          check.plans?.length !== PLANS
        )
          throw new Error(
            `the status report does not show the seeded world: ${JSON.stringify(check).slice(0, 400)}`,
          );
        for (let i = 0; i < 3; i++) await get(i % 2 === 0 ? '/api/status' : '/api/status.html');
        const before = proxy.requests.length;
        const beforeBackups = backupProxy.requests.length;
        // JSON and page alternate, so neither pays for the other's position.
        const json: number[] = [];
        const html: number[] = [];
        for (let i = 0; i < SAMPLES; i++) {
          json.push((await get('/api/status')).ms);
          html.push((await get('/api/status.html')).ms);
        }
        const during = proxy.requests.slice(before);
        const backupDuring = backupProxy.requests.slice(beforeBackups);
        const toBackups = backupDuring.length;
        const listed = [...during, ...backupDuring].filter(isListRequest).length;
        if (listed > 0) throw new Error(`the status page listed blobs ${listed} times on the request path`);
        // Of the backup account the page reads only two small records per service by name (the
        // standby's state, the newest usage export): never a backup blob, a summary or a listing.
        const unexpected = backupDuring.filter((r) => !NAMED_RECORD.test(r.url) || r.method !== 'GET');
        if (unexpected.length > 0)
          throw new Error(
            `the status page sent ${unexpected.length} requests to the backup account on the request path besides its named records (${unexpected[0]!.method} ${unexpected[0]!.url})`,
          );
        blobRequests = during.length / (2 * SAMPLES);
        lists += listed;
        backupAccount += toBackups;
        const size = `${SERVICES}x${backups}`;
        const sized = { jsonMs: median(json), htmlMs: median(html) };
        bySize.push(sized);
        figures.push(
          { name: `status.get_ms.${size}`, value: sized.jsonMs, unit: 'ms' },
          { name: `status.get_html_ms.${size}`, value: sized.htmlMs, unit: 'ms' },
        );
      }
      const [small, large] = [bySize[0]!, bySize[1]!];
      const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
      return [
        ...figures,
        { name: 'status.get_ms.ratio', value: ratio(large.jsonMs, small.jsonMs), unit: 'x' },
        { name: 'status.get_html_ms.ratio', value: ratio(large.htmlMs, small.htmlMs), unit: 'x' },
        { name: 'status.blob_requests_per_get', value: blobRequests, unit: 'requests' },
        { name: 'status.list_requests', value: lists, unit: 'requests' },
        {
          name: 'status.backup_account_requests_per_get',
          value: backupAccount / (2 * 2 * SAMPLES),
          unit: 'requests',
        },
        { name: 'status.backup_blobs_seeded', value: SERVICES * BLOBS, unit: 'blobs' },
        { name: 'status.seed_ms', value: seedMs, unit: 'ms' },
        { name: 'status.digest_seed_ms', value: digestSeedMs, unit: 'ms' },
      ];
    } finally {
      await host.stop();
    }
  } finally {
    await proxy.stop();
    await backupProxy.stop();
    await azurite.stop();
    await backupAzurite.stop();
    await rm(plansDir, { recursive: true, force: true });
  }
}

/** The backup account's records the page may GET by name (shared/standby/record.ts, shared/backups/usageExport.ts). */
const NAMED_RECORD = /\/(?:_standby\/[^/?]+\.json|_reports\/[^/?]+\.latest\.json)(?:\?|$)/;

export const figures: Figure[] = [
  {
    names: [
      'status.get_ms',
      'status.get_html_ms',
      'status.blob_requests_per_get',
      'status.list_requests',
      'status.backup_account_requests_per_get',
      'status.backup_blobs_seeded',
      'status.seed_ms',
      'status.digest_seed_ms',
    ],
    run: statusFigures,
  },
];

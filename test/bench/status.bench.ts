import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { startAzurite } from '../../local/azurite';
import { createTestHost } from '../../local/host/testing';
import { pruneService } from '../../shared/backups/catalog';
import { backupBlobName } from '../../shared/backups/naming';
import { restoreMarkMetadata } from '../../shared/backups/restoreMark';
import { createBackupStore } from '../../shared/backups/store';
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
 * `GET /api/status` and `GET /api/status.html` through the local host (issue 12): 20 protected
 * services × 1,000 backups each (real blobs in a second Azurite, the backup account as deployed,
 * with the catalog summary each prune writes), 5 sites with heartbeat records and command queues, 5 plans holding 50 past runs, 50
 * alert decisions, and a completed durable run per service. Median of 9 each (alternated) after three warm-ups; target
 * under 300 ms. Every blob request goes through a counting proxy: a listing during the measured
 * requests fails the bench (`status.list_requests` must be 0).
 *
 * Seeding 20,000 blobs takes Azurite several minutes (its in-memory store scans the account on
 * each put); `LIFEBOAT_BENCH_STATUS_BACKUPS=100` gives a quick run.
 */
const SERVICES = benchSize(20, 2);
const BACKUPS = benchSize(benchCount(process.env['LIFEBOAT_BENCH_STATUS_BACKUPS'], 1000), 5);
const SITES = benchSize(5, 1);
const PLANS = benchSize(5, 1);
const RUNS_PER_PLAN = benchSize(10, 1);
const SAMPLES = benchSize(9, 1);
const HOUR = 3600_000;

function benchCount(text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 10_000)
    throw new RangeError('LIFEBOAT_BENCH_STATUS_BACKUPS must be a whole number from 1 to 10000');
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

/** BACKUPS verified backups per service, 10 minutes apart up to now, one restore-verified; then the prune's summary. */
async function seedBackups(blobs: BlobServiceClient, now: Date): Promise<void> {
  const container = blobs.getContainerClient('apim-backups');
  await container.createIfNotExists();
  const names: string[] = [];
  for (let s = 0; s < SERVICES; s++)
    for (let i = 0; i < BACKUPS; i++)
      names.push(backupBlobName(serviceName(s), new Date(now.getTime() - (i + 1) * 10 * 60_000)));
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const name = names[next++]!;
      await container.getBlockBlobClient(name).upload('backup', 6, { metadata: { verified: 'true' } });
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  const store = createBackupStore(container);
  for (let s = 0; s < SERVICES; s++) {
    const marked = backupBlobName(serviceName(s), new Date(now.getTime() - 5 * 10 * 60_000));
    await container.getBlockBlobClient(marked).setMetadata({
      verified: 'true',
      ...restoreMarkMetadata({ at: new Date(now.getTime() - HOUR), target: 'drill', outcome: 'succeeded' }),
    });
    await pruneService(store, serviceName(s), { now, retentionDays: 30, keepNewest: 3 });
  }
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
    await seedBackups(BlobServiceClient.fromConnectionString(backupAzurite.connectionString), now);
    await seedRest(blobs, queues, now, plansDir);
    const seedMs = msSince(seedStart);
    const through = (connectionString: string, origin: string) =>
      connectionString.replace(/BlobEndpoint=[^;]+;/, `BlobEndpoint=${origin}/devstoreaccount1;`);
    const services = Array.from({ length: SERVICES }, (_, i) => ({
      resourceId: serviceId(serviceName(i)),
      standbyResourceId: serviceId(`${serviceName(i)}-standby`),
      drillTargetResourceIds: [serviceId(`${serviceName(i)}-drill`)],
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
      const check = JSON.parse((await get('/api/status')).body) as StatusReport;
      const counted = check.services.filter((s) => s.backup.newestVerified !== null).length;
      if (
        check.services.length !== SERVICES ||
        counted !== SERVICES ||
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
      const median = (times: number[]) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
      const jsonMs = median(json);
      const htmlMs = median(html);
      const during = [...proxy.requests.slice(before), ...backupProxy.requests.slice(beforeBackups)];
      const lists = during.filter(isListRequest).length;
      if (lists > 0) throw new Error(`the status page listed blobs ${lists} times on the request path`);
      return [
        { name: 'status.get_ms', value: jsonMs, unit: 'ms' },
        { name: 'status.get_html_ms', value: htmlMs, unit: 'ms' },
        { name: 'status.blob_requests_per_get', value: during.length / (2 * SAMPLES), unit: 'requests' },
        { name: 'status.list_requests', value: lists, unit: 'requests' },
        { name: 'status.backups_seeded', value: SERVICES * BACKUPS, unit: 'blobs' },
        { name: 'status.seed_ms', value: seedMs, unit: 'ms' },
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

export const figures: Figure[] = [
  {
    names: [
      'status.get_ms',
      'status.get_html_ms',
      'status.blob_requests_per_get',
      'status.list_requests',
      'status.backups_seeded',
      'status.seed_ms',
    ],
    run: statusFigures,
  },
];

import * as df from 'durable-functions';
import type { CatalogRead } from '../../shared/backups/catalog';
import type { LastRunStatus } from '../../shared/backups/report';
import type { RunEnding } from '../../shared/digest/service';
import { route } from '../kit';
import { ROLES } from '../../shared/identity/principal';
import { backup } from '../names/backup';

/**
 * `GET /api/backups`: per service, the newest verified backup (name, time, age, size), counts,
 * the last run's outcome (with its error code and message, and its prune report), whether the RPO
 * is breached, and where the counts came from (`catalog`: source, `asOf`, `ageSeconds`). Reads,
 * per service and in parallel, the catalog summary the last prune wrote, with one HEAD that checks
 * the newest verified backup it names still exists (a paged listing when it is gone, when there is
 * no summary, when the last run verified a newer backup than the summary knows, or with
 * `?fresh=true`), and the durable status of the last run. Also the last restore verification
 * recorded on the service's backups and whether its newest restore-verified backup is stale
 * (`restoreVerification: { enabled: false }` for a service without drill targets: no canary).
 */
route(backup.getBackups, {
  route: 'backups',
  methods: ['GET'],
  authLevel: 'function',
  role: ROLES.reader,
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const { backupDeps } = await import('../../shared/backups/deps');
    const { readCatalog } = await import('../../shared/backups/catalog');
    const { shapeServiceReport, summaryBehindLastRun } = await import('../../shared/backups/report');
    const { rpoMs } = await import('../../shared/backups/rpo');
    const { backupInstanceId } = await import('../../shared/backups/run');
    const { standbyStore } = await import('../../shared/standby/deps');
    const { activeService, standbyReport } = await import('../../shared/standby/decide');
    const { activeSideOf } = await import('../../shared/standby/record');
    const deps = await backupDeps();
    const services = deps.config.backup.services;
    const client = df.getClient(context);
    const now = new Date();
    const standbys = await standbyStore();
    // The RPO follows the active side (issue 23): a failed-over service is judged by its standby's backups.
    const records = await Promise.all(services.map((s) => standbys.read(s.serviceName)));
    const active = services.map((s, i) => activeService(s, activeSideOf(records[i])));
    const names = active.map((a) => a.serviceName);
    const [catalog, runs] = await Promise.all([
      readCatalog(deps.store, names, { now, fresh: request.query.get('fresh') === 'true' }),
      Promise.all(names.map((name) => lastRun(client, backupInstanceId(name)))),
    ]);
    // A summary behind the last run (its prune failed before writing it) is replaced by a listing.
    const behind = names.filter((name, i) => summaryBehindLastRun(catalog.get(name), runs[i]));
    if (behind.length > 0)
      for (const [name, read] of await readCatalog(deps.store, behind, { now, fresh: true }))
        catalog.set(name, read);
    const limit = rpoMs({
      rpoHours: deps.config.backup.rpoHours,
      schedule: deps.config.backup.schedule,
      timeZone: deps.config.backup.timeZone,
      now,
    });
    const reports = services.map((s, i) =>
      shapeServiceReport({
        service: active[i]!,
        catalog: catalog.get(names[i]!) ?? {
          count: 0,
          verifiedCount: 0,
          newestVerified: undefined,
          newest: undefined,
        },
        lastRun: runs[i],
        now,
        rpoMs: limit,
        restoreCanary: {
          enabled: s.drillTargets.length > 0,
          maxAgeDays: deps.config.backup.restoreVerifiedMaxAgeDays,
        },
      }),
    );
    await recordListings(context, catalog, runs, services);
    return {
      status: 200,
      jsonBody: {
        generatedAt: now.toISOString(),
        healthy: reports.every((r) => !r.rpo.breached),
        // Each service's standby (issue 23): its active side, its last sync and its age against the RPO.
        services: reports.map((r, i) => ({
          ...r,
          service: services[i]!.serviceName,
          ...(active[i]!.side === 'standby' ? { backedUpAs: active[i]!.serviceName } : {}),
          standby: standbyReport(services[i]!, records[i], now, limit),
        })),
      },
    };
  },
});

/**
 * The rebuild path of the status digest (shared/digest/service.ts): a service listed now (no
 * summary, `?fresh=true`, or a summary behind its run) has its catalog and last run ending written
 * to its digest, so a lost digest comes back without waiting for the next backup run. Failures are
 * logged, never fatal; a listing older than the digest's, or an older run, changes nothing.
 */
async function recordListings(
  log: { warn(message: string): void },
  catalog: Map<string, CatalogRead>,
  runs: readonly (LastRunStatus | undefined)[],
  services: readonly { serviceName: string }[],
): Promise<void> {
  const listed = services.flatMap((s, i) => {
    const read = catalog.get(s.serviceName);
    return read?.source === 'listing' ? [{ service: s.serviceName, read, run: runs[i] }] : [];
  });
  if (listed.length === 0) return;
  const { catalogFacts } = await import('../../shared/backups/catalog');
  const { backupInstanceId } = await import('../../shared/backups/run');
  const { withCatalog, withRunEnded } = await import('../../shared/digest/service');
  const { digestStore, recordInDigest } = await import('../../shared/digest/store');
  const store = await digestStore();
  await Promise.all(
    listed.map(({ service, read, run }) =>
      recordInDigest(
        log,
        service,
        (d) => {
          const withList = withCatalog(d, service, catalogFacts(read)) ?? d;
          const ending = runEndingOf(run, backupInstanceId(service));
          return (ending === undefined ? undefined : withRunEnded(withList, service, ending)) ?? withList;
        },
        store,
      ),
    ),
  );
}

/** A finished run's ending as the digest records it; undefined while it runs, or when it is not one. */
function runEndingOf(run: LastRunStatus | undefined, instanceId: string): RunEnding | undefined {
  if (run?.runtimeStatus !== 'Completed') return undefined;
  const o = run.output as {
    outcome?: RunEnding['outcome'];
    blobName?: string;
    takenAt?: string;
    sizeBytes?: number;
    error?: { code: string; message: string };
  } | null;
  const iso = (t: Date | string | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
  const startedAt = iso(run.createdTime);
  const endedAt = iso(run.lastUpdatedTime);
  if (o?.outcome === undefined || startedAt === undefined || endedAt === undefined) return undefined;
  return {
    instanceId,
    startedAt,
    endedAt,
    outcome: o.outcome,
    ...(o.error === undefined ? {} : { error: { code: o.error.code, message: o.error.message } }),
    ...(o.outcome === 'succeeded' && o.blobName !== undefined && o.takenAt !== undefined
      ? { verified: { name: o.blobName, takenAt: o.takenAt, sizeBytes: o.sizeBytes ?? 0 } }
      : {}),
  };
}

async function lastRun(client: df.DurableClient, instanceId: string): Promise<LastRunStatus | undefined> {
  try {
    const s = await client.getStatus(instanceId);
    return {
      runtimeStatus: String(s.runtimeStatus),
      createdTime: s.createdTime,
      lastUpdatedTime: s.lastUpdatedTime,
      output: s.output,
      customStatus: s.customStatus,
    };
  } catch (error) {
    if (/\b404\b/.test(error instanceof Error ? error.message : String(error))) return undefined;
    throw error;
  }
}

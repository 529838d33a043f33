import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { readCatalog } from '../../shared/backups/catalog';
import { backupDeps } from '../../shared/backups/deps';
import { shapeServiceReport, type LastRunStatus } from '../../shared/backups/report';
import { rpoMs } from '../../shared/backups/rpo';
import { backupInstanceId } from '../../shared/backups/run';
import { errorMessage } from '../../shared/errors';
import { backupFunctions } from '../names/backup';

/**
 * `GET /api/backups`: per service, the newest verified backup (name, time, age, size), counts,
 * the last run's outcome (with its error) and whether the RPO is breached. Reads, per service and
 * in parallel, the catalog summary the last prune wrote (or a paged listing when there is none, or
 * with `?fresh=true`) and the durable status of the last run.
 */
export async function getBackups(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  let deps;
  try {
    deps = backupDeps();
  } catch (error) {
    return { status: 500, jsonBody: { error: errorMessage(error) } };
  }
  const services = deps.config.backup.services;
  const client = df.getClient(context);
  const now = new Date();
  const [catalog, runs] = await Promise.all([
    readCatalog(
      deps.store,
      services.map((s) => s.serviceName),
      { now, fresh: request.query.get('fresh') === 'true' },
    ),
    Promise.all(services.map((s) => lastRun(client, backupInstanceId(s.serviceName)))),
  ]);
  const limit = rpoMs({ rpoHours: deps.config.backup.rpoHours, schedule: deps.config.backup.schedule, now });
  const reports = services.map((s, i) =>
    shapeServiceReport({
      service: s,
      catalog: catalog.get(s.serviceName) ?? {
        count: 0,
        verifiedCount: 0,
        newestVerified: undefined,
        newest: undefined,
      },
      lastRun: runs[i],
      now,
      rpoMs: limit,
    }),
  );
  return {
    status: 200,
    jsonBody: {
      generatedAt: now.toISOString(),
      healthy: reports.every((r) => !r.rpo.breached),
      services: reports,
    },
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
    if (/\b404\b/.test(errorMessage(error))) return undefined;
    throw error;
  }
}

app.http(backupFunctions.getBackups, {
  route: 'backups',
  methods: ['GET'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: getBackups,
});

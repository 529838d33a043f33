import type { RecentAlerts } from '../alerts/decision';
import { ALERTS_CONTAINER, RECENT_ALERTS_BLOB } from '../alerts/decision';
import type { LastRunStatus } from '../backups/report';
import { backupInstanceId } from '../backups/run';
import { rpoMs } from '../backups/rpo';
import { scheduleIntervalMs } from '../schedule/timer';
import type { StoredCatalogSummary } from '../backups/store';
import type { UsageExportRecord } from '../backups/usageExport';
import type { Config } from '../config';
import { publicError } from '../errors';
import { PLANS_CONTAINER, planPaths, type PlanSummary } from '../plans/report';
import type { TargetRecord } from '../restore/claim';
import { restoreInstanceId } from '../restore/run';
import { parseSiteHeartbeats, siteHeartbeatBlob, STATUS_CONTAINER } from './heartbeats';
import type { CatalogInput, PlanInput, ServiceInput, SiteInput, StatusInputs } from './model';

/**
 * Reads what the status model needs, all in parallel, through {@link StatusSources} (a port: the
 * app passes Azure adapters, tests pass fakes). The request path never lists blobs: it GETs blobs
 * whose names it knows (catalog summaries, heartbeat records, plan summaries, recent alerts), HEADs
 * the newest verified backup of each service, reads durable statuses by instance id, one durable
 * query for running commands, and queue properties. A read that fails becomes an `unknown` with the
 * reason; it never fails the page.
 */
export interface StatusSources {
  /** `_catalog/<service>.json` in the backup container; undefined when there is none. */
  readCatalogSummary(serviceName: string): Promise<StoredCatalogSummary | undefined>;
  /** One HEAD of a backup blob; undefined when it is gone. */
  headBackup(blobName: string): Promise<{ sizeBytes: number; verified: boolean } | undefined>;
  /** The record of a restore target (shared/restore/claim.ts): its holder and last evidence; undefined when none. */
  readRestoreTarget(targetResourceId: string): Promise<TargetRecord | undefined>;
  /** The durable status of an instance; undefined when there is none. */
  runStatus(instanceId: string): Promise<LastRunStatus | undefined>;
  /** Sites of the relay commands now awaiting an agent's result (one per command). */
  commandsInFlight(): Promise<string[]>;
  /** A JSON blob of the app's storage by name; undefined when it does not exist. */
  readAppJson(container: string, blobName: string): Promise<unknown>;
  /** A queue's approximate message count; null when the queue does not exist. */
  queueCount(queueName: string): Promise<number | null>;
  /**
   * The plans of LIFEBOAT_PLANS_DIR (shared/plans/load.ts) with the rules each breaks (none: valid);
   * undefined when there is none.
   */
  plans(): Promise<{ plan: string; problems: string[] }[] | undefined>;
  /** The record of a service's newest APIM usage export; undefined when none (optional: not every source reads it). */
  readUsageExport?(serviceName: string): Promise<UsageExportRecord | undefined>;
}

/** Runs a read; a failure is recorded as a problem and answers `fallback`. */
async function guarded<T>(problems: string[], what: string, read: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await read();
  } catch (error) {
    problems.push(`${what} could not be read (${firstLine(publicError(error).message)})`);
    return fallback;
  }
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').slice(0, 200);
}

function lastVerifiedOf(
  run: LastRunStatus | undefined,
): { name: string; takenAt: Date; sizeBytes: number } | undefined {
  if (run?.runtimeStatus !== 'Completed') return undefined;
  const o = run.output as {
    outcome?: unknown;
    blobName?: unknown;
    takenAt?: unknown;
    sizeBytes?: unknown;
  } | null;
  if (o?.outcome !== 'succeeded' || typeof o.blobName !== 'string' || typeof o.takenAt !== 'string')
    return undefined;
  const takenAt = new Date(o.takenAt);
  if (Number.isNaN(takenAt.getTime())) return undefined;
  return { name: o.blobName, takenAt, sizeBytes: typeof o.sizeBytes === 'number' ? o.sizeBytes : 0 };
}

/** The catalog without a listing: the summary, or the backup the last run verified when newer (or no summary). */
export function catalogFrom(
  summary: StoredCatalogSummary | undefined,
  lastRun: LastRunStatus | undefined,
): CatalogInput {
  const fromRun = lastVerifiedOf(lastRun);
  if (summary === undefined)
    return fromRun === undefined ? { source: 'none' } : { source: 'lastRun', newestVerified: fromRun };
  const v = summary.newestVerified;
  const fromSummary =
    v === null ? undefined : { name: v.name, takenAt: new Date(v.takenAt), sizeBytes: v.sizeBytes };
  const r = summary.newestRestoreVerified ?? null;
  const l = summary.lastRestoreVerification ?? null;
  // The run's time has milliseconds, the summary's comes from the blob name: compare names first.
  const newer =
    fromRun !== undefined &&
    fromRun.name !== fromSummary?.name &&
    (fromSummary === undefined || fromRun.takenAt > fromSummary.takenAt);
  return {
    source: newer ? 'lastRun' : 'summary',
    asOf: new Date(summary.asOf),
    newestVerified: newer ? fromRun : fromSummary,
    ...(r === null
      ? {}
      : {
          newestRestoreVerified: {
            name: r.name,
            takenAt: new Date(r.takenAt),
            at: new Date(r.at),
            target: r.target,
          },
        }),
    ...(l === null ? {} : { lastRestoreVerification: l }),
  };
}

function planSummaryOf(value: unknown): PlanSummary | undefined {
  const v = value as Partial<PlanSummary> | null | undefined;
  if (typeof v !== 'object' || v === null || typeof v.plan !== 'string' || !Array.isArray(v.recent))
    return undefined;
  return v as PlanSummary;
}

function recentAlertsOf(value: unknown): RecentAlerts | undefined {
  const v = value as Partial<RecentAlerts> | null | undefined;
  if (typeof v !== 'object' || v === null || !Array.isArray(v.decisions)) return undefined;
  return { decisions: v.decisions, updatedAt: typeof v.updatedAt === 'string' ? v.updatedAt : '' };
}

/**
 * The last restore into a target as the status rules read it: the run holding the target while it
 * runs, else the evidence of the last run that was not refused (issue 21: a refused request never
 * hides it). A target without a record (restores from before the record) falls back to the run
 * under the target's old singleton id.
 */
export async function lastRestoreInto(
  sources: Pick<StatusSources, 'readRestoreTarget' | 'runStatus'>,
  targetResourceId: string,
): Promise<LastRunStatus | undefined> {
  const record = await sources.readRestoreTarget(targetResourceId);
  if (record === undefined) return sources.runStatus(restoreInstanceId(targetResourceId));
  if (record.holder !== null) {
    const held = await sources.runStatus(record.holder);
    if (held !== undefined && ['Running', 'Pending'].includes(held.runtimeStatus)) return held;
  }
  const e = record.evidence;
  if (e === undefined) return undefined;
  return {
    runtimeStatus: 'Completed',
    createdTime: undefined,
    lastUpdatedTime: e.endedAt,
    output: {
      instanceId: e.instanceId,
      mode: e.mode,
      outcome: e.outcome,
      ...(e.backup === undefined ? {} : { backup: e.backup }),
      timings: { endedAt: e.endedAt, ...(e.acceptedAt === undefined ? {} : { acceptedAt: e.acceptedAt }) },
      ...(e.error === undefined ? {} : { error: e.error }),
    },
    customStatus: undefined,
  };
}

/** Reads everything the status model needs. */
export async function gatherStatusInputs(
  config: Config,
  sources: StatusSources,
  options: { now: Date; baseUrl: string },
): Promise<StatusInputs> {
  const { now } = options;
  const problems: string[] = [];
  const b = config.backup;
  const limit = rpoMs({ rpoHours: b.rpoHours, schedule: b.schedule, timeZone: b.timeZone, now });

  const servicesP = Promise.all(
    b.services.map(async (s): Promise<ServiceInput> => {
      const targets = [
        ...(s.standby === undefined ? [] : [{ role: 'standby' as const, ...s.standby }]),
        ...s.drillTargets.map((d) => ({ role: 'drillTarget' as const, ...d })),
      ];
      // The newest verified backup is HEADed as soon as the summary and the last run are in,
      // while the restore statuses are still on their way.
      const restoresP = Promise.all(
        targets.map((t) =>
          guarded(
            problems,
            `the last restore into ${t.serviceName}`,
            () => lastRestoreInto(sources, t.resourceId),
            undefined,
          ),
        ),
      );
      const [summary, lastRun] = await Promise.all([
        guarded(
          problems,
          `the catalog summary of ${s.serviceName}`,
          () => sources.readCatalogSummary(s.serviceName),
          undefined,
        ),
        guarded(
          problems,
          `the last backup run of ${s.serviceName}`,
          () => sources.runStatus(backupInstanceId(s.serviceName)),
          undefined,
        ),
      ]);
      const catalog = catalogFrom(summary, lastRun);
      if (catalog.newestVerified !== undefined) {
        const name = catalog.newestVerified.name;
        const head = await guarded(problems, `backup blob ${name}`, () => sources.headBackup(name), {
          sizeBytes: 1,
          verified: true,
        });
        if (head === undefined || !head.verified || head.sizeBytes <= 0) catalog.newestGone = true;
      }
      const restores = await restoresP;
      const usageExport = await guarded(
        problems,
        `the usage export record of ${s.serviceName}`,
        () => sources.readUsageExport?.(s.serviceName) ?? Promise.resolve(undefined),
        undefined,
      );
      return {
        serviceName: s.serviceName,
        resourceId: s.resourceId,
        rpoMs: limit,
        catalog,
        lastRun,
        restoreCanary: { enabled: s.drillTargets.length > 0, maxAgeDays: b.restoreVerifiedMaxAgeDays },
        targets: targets.map((t, i) => ({
          role: t.role,
          name: t.serviceName,
          resourceId: t.resourceId,
          lastRestore: restores[i],
        })),
        ...(usageExport === undefined ? {} : { usageExport }),
      };
    }),
  );

  const inFlightP = guarded<string[] | undefined>(
    problems,
    'the relay commands in flight',
    () => sources.commandsInFlight(),
    undefined,
  );
  const sitesP = Promise.all(
    config.relay.sites.map(async (site): Promise<Omit<SiteInput, 'inFlight'>> => {
      const [raw, queueDepth, poisonCount] = await Promise.all([
        guarded(
          problems,
          `the heartbeats of ${site}`,
          () => sources.readAppJson(STATUS_CONTAINER, siteHeartbeatBlob(site)),
          undefined,
        ),
        guarded(
          problems,
          `queue agent-${site}-commands`,
          () => sources.queueCount(`agent-${site}-commands`),
          null,
        ),
        guarded(
          problems,
          `queue agent-${site}-commands-poison`,
          () => sources.queueCount(`agent-${site}-commands-poison`),
          null,
        ),
      ]);
      return {
        site,
        heartbeats: raw === undefined ? undefined : parseSiteHeartbeats(raw),
        queueDepth,
        poisonCount,
      };
    }),
  );
  const resultsPoisonP = guarded(
    problems,
    'queue agent-results-poison',
    () => sources.queueCount('agent-results-poison'),
    null,
  );

  const plansP = (async (): Promise<PlanInput[] | undefined> => {
    const found = await guarded(problems, 'the plans folder', () => sources.plans(), undefined);
    if (found === undefined) return undefined;
    return Promise.all(
      found.map(async ({ plan, problems: invalid }) => {
        const raw = await guarded(
          problems,
          `the summary of plan ${plan}`,
          () => sources.readAppJson(PLANS_CONTAINER, planPaths.summary(plan)),
          undefined,
        );
        return { plan, summary: planSummaryOf(raw), ...(invalid.length === 0 ? {} : { invalid }) };
      }),
    );
  })();
  const alertsP = guarded(
    problems,
    'the recent alerts',
    () => sources.readAppJson(ALERTS_CONTAINER, RECENT_ALERTS_BLOB),
    undefined,
  );

  const [services, inFlight, sites, resultsPoisonCount, plans, alerts] = await Promise.all([
    servicesP,
    inFlightP,
    sitesP,
    resultsPoisonP,
    plansP,
    alertsP,
  ]);
  let intervalMs = 5 * 60_000;
  try {
    intervalMs = scheduleIntervalMs(config.status.heartbeatSchedule, now, b.timeZone);
  } catch (error) {
    problems.push(`the heartbeat schedule could not be read (${firstLine(publicError(error).message)})`);
  }
  return {
    now,
    baseUrl: options.baseUrl,
    services,
    sites: sites.map((s) => ({
      ...s,
      inFlight: inFlight === undefined ? null : inFlight.filter((x) => x === s.site).length,
    })),
    heartbeatIntervalMs: intervalMs,
    plans,
    alerts: alerts === undefined ? undefined : recentAlertsOf(alerts),
    alertsShown: config.status.alertsShown,
    resultsPoisonCount,
    problems,
  };
}

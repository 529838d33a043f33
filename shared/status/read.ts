import type { RecentAlerts } from '../alerts/decision';
import { ALERTS_CONTAINER, RECENT_ALERTS_BLOB } from '../alerts/decision';
import { rpoMs } from '../backups/rpo';
import type { UsageExportRecord } from '../backups/usageExport';
import type { Config } from '../config';
import type { ServiceDigest } from '../digest/service';
import { publicError } from '../errors';
import { PLANS_CONTAINER, planPaths, type PlanSummary } from '../plans/report';
import { scheduleIntervalMs } from '../schedule/timer';
import { digestLimits, serviceFromDigest } from './digest';
import { parseSiteHeartbeats, siteHeartbeatBlob, STATUS_CONTAINER } from './heartbeats';
import type { PlanInput, ServiceInput, SiteInput, StatusInputs } from './model';

export { catalogFrom } from './digest';

/**
 * Reads what the status model needs, all in parallel, through {@link StatusSources} (a port: the
 * app passes Azure adapters, tests pass fakes). The request path never lists blobs and reads
 * nothing in the backup account, nothing whose cost grows with backups, restores or durable
 * instances: per protected service its status digest record (shared/digest/service.ts, one GET);
 * per site its heartbeat record and two queue properties; per plan its summary; the recent alerts;
 * one durable query for running commands. A read that fails becomes an `unknown` with the reason;
 * it never fails the page. (The newest verified backup is no longer HEADed on each request: the
 * prune lists the service on every backup run, and its listing is what the digest's catalog says.)
 */
export interface StatusSources {
  /** The status digest of a service (shared/digest/service.ts); undefined when there is none. */
  readServiceDigest(serviceName: string): Promise<ServiceDigest | undefined>;
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

/** Runs a read; a failure is recorded as a problem (and told to `failed`) and answers `fallback`. */
async function guarded<T>(
  problems: string[],
  what: string,
  read: () => Promise<T>,
  fallback: T,
  failed?: (message: string) => void,
): Promise<T> {
  try {
    return await read();
  } catch (error) {
    const message = firstLine(publicError(error).message);
    problems.push(`${what} could not be read (${message})`);
    failed?.(message);
    return fallback;
  }
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').slice(0, 200);
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

  const limits = digestLimits(b.timeoutMinutes, config.restore.timeoutMinutes);
  const servicesP = Promise.all(
    b.services.map(async (s): Promise<ServiceInput> => {
      const targets = [
        ...(s.standby === undefined ? [] : [{ role: 'standby' as const, ...s.standby }]),
        ...s.drillTargets.map((d) => ({ role: 'drillTarget' as const, ...d })),
      ];
      const what = `the status digest of ${s.serviceName}`;
      const unreadable = { reason: undefined as string | undefined };
      const record = await guarded(
        problems,
        what,
        () => sources.readServiceDigest(s.serviceName),
        undefined,
        (m) => {
          unreadable.reason = `${what} could not be read (${m})`;
        },
      );
      const digest = serviceFromDigest(s.serviceName, record, now, limits);
      const catalog = digest.catalog;
      const unknown = unreadable.reason ?? digest.unknown;
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
        lastRun: digest.lastRun,
        ...(unknown === undefined ? {} : { unknown }),
        restoreCanary: { enabled: s.drillTargets.length > 0, maxAgeDays: b.restoreVerifiedMaxAgeDays },
        targets: targets.map((t) => {
          const known = digest.target(t.resourceId);
          return {
            role: t.role,
            name: t.serviceName,
            resourceId: t.resourceId,
            lastRestore: known.lastRestore,
            ...(known.unknown === undefined ? {} : { unknown: known.unknown }),
          };
        }),
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

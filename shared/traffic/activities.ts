import { probeHealth } from '../http/probe';
import { NonRetryableError } from '../errors';
import type {
  ProbeTrafficEntryOutput,
  RestoreTrafficRoutingOutput,
  RoutingSnapshot,
  SwitchTrafficOutput,
  TrafficTarget,
} from './contracts';
import { failoverChanges, frontDoorPublicHost, putBackChanges, trafficManagerAnswer } from './decide';
import { switchRecordName, type TrafficDeps } from './deps';

/**
 * The traffic activities' work (functions/activities/readTrafficRouting.ts, switchTraffic.ts,
 * restoreTrafficRouting.ts, probeTrafficEntry.ts call these): read, switch (recorded first),
 * put back, probe. Decisions come from ./decide.ts; time is an input.
 */

/** The documented gateway health path (recovery.md): the same check as after a restore. */
export const HEALTH_PATH = '/status-0123456789abcdef';

export async function readRouting(
  deps: TrafficDeps,
  target: TrafficTarget,
  now: Date,
): Promise<RoutingSnapshot> {
  return (await deps.routing()).read(target, now);
}

/**
 * A failover switch: reads the routing, RECORDS it with the changes about to be made (once: a
 * retried activity keeps the first record, which is what was there), then sends the changes in
 * order. Changes already in place are not sent again, so a retry is safe.
 */
export async function switchTraffic(
  deps: TrafficDeps,
  input: { runId: string; stepId: string; target: TrafficTarget },
  now: Date,
): Promise<SwitchTrafficOutput> {
  const routing = await deps.routing();
  const current = await routing.read(input.target, now);
  const decided = failoverChanges(input.target, current);
  if ('error' in decided) throw new NonRetryableError(decided.error.message, { code: decided.error.code });
  const name = switchRecordName(input.runId, input.stepId);
  const fresh = {
    runId: input.runId,
    stepId: input.stepId,
    target: input.target,
    before: current,
    changes: decided.changes,
    recordedAt: now.toISOString(),
  };
  const created = await deps.records.create(name, fresh);
  const record = created !== undefined ? fresh : ((await deps.records.read(name))?.value ?? fresh);
  for (const change of decided.changes) await routing.apply(input.target, change);
  return { record, sent: decided.changes };
}

/**
 * The cleanup of a cancelled or failed plan: puts back what the switch recorded. No record: the
 * switch never got as far as changing anything. Sends only what differs now.
 */
export async function restoreRouting(
  deps: TrafficDeps,
  input: { runId: string; stepId: string },
  now: Date,
): Promise<RestoreTrafficRoutingOutput> {
  const wait = {
    pollMs: deps.config.traffic.pollSeconds * 1000,
    applyTimeoutMs: deps.config.traffic.applyTimeoutMinutes * 60_000,
  };
  const found = await deps.records.read(switchRecordName(input.runId, input.stepId));
  if (found === undefined) return { recorded: false, sent: [], ...wait };
  const record = found.value;
  const routing = await deps.routing();
  const current = await routing.read(record.target, now);
  const back = putBackChanges(record.before, record.changes, current);
  for (const change of back) await routing.apply(record.target, change);
  return { recorded: true, sent: back, record, ...wait };
}

/**
 * After a failover switch: GETs the health path through the public endpoint clients use, so the
 * check covers the way in, not only the standby's gateway:
 * - the step's `publicEndpoint` when it names one (a custom domain);
 * - Front Door: the profile's endpoint whose route serves the origin group (its host name);
 * - Traffic Manager (DNS only, it forwards nothing): the endpoint the profile's priority routing
 *   answers, computed from the profile as read now (Lifeboat does not query DNS: resolvers cache
 *   for the profile's TTL), probed directly; `answeredBy` names it, and it must be the standby.
 */
export async function probePublic(
  deps: TrafficDeps,
  target: TrafficTarget,
  now: Date,
): Promise<ProbeTrafficEntryOutput> {
  if (target.publicEndpoint !== undefined) {
    const u = new URL(target.publicEndpoint);
    return { ...(await probeEntry(deps, u.host, undefined)), via: 'publicEndpoint' };
  }
  const routing = await deps.routing();
  if (target.provider === 'frontDoor') {
    const found = frontDoorPublicHost(
      target.originGroup,
      await routing.frontDoorEndpoints(target),
      HEALTH_PATH,
    );
    if ('error' in found) throw new NonRetryableError(found.error.message, { code: found.error.code });
    return { ...(await probeEntry(deps, found.host, undefined)), via: 'frontDoorEndpoint' };
  }
  const answer = trafficManagerAnswer(await routing.read(target, now));
  if (answer?.hostName === undefined || answer.hostName === '')
    throw new NonRetryableError(`Traffic Manager profile ${target.profile} answers with no endpoint`, {
      code: 'NoPublicEndpoint',
    });
  return {
    ...(await probeEntry(deps, answer.hostName, answer.httpsPort)),
    via: 'trafficManagerAnswer',
    answeredBy: answer.name,
  };
}

/** GETs `https://{host}[:{port}]/status-0123456789abcdef` once (the ARM CA is trusted locally). */
export async function probeEntry(
  deps: TrafficDeps,
  hostName: string,
  httpsPort: number | undefined,
  timeoutMs = 30_000,
): Promise<ProbeTrafficEntryOutput> {
  const host =
    httpsPort === undefined || httpsPort === 443 || hostName.includes(':')
      ? hostName
      : `${hostName}:${httpsPort}`;
  const url = new URL(HEALTH_PATH, `https://${host}`);
  const httpStatus = await probeHealth(url, {
    timeoutMs,
    caFile: deps.config.core.armCaFile,
    unreachable: { what: `health probe of ${url.host}`, code: 'EndpointUnreachable' },
  });
  return { ok: httpStatus === 200, httpStatus, url: url.toString(), via: 'origin' };
}

import { probeHealth } from '../http/probe';
import { NonRetryableError } from '../errors';
import type {
  ProbeTrafficEntryOutput,
  RestoreTrafficRoutingOutput,
  RoutingSnapshot,
  SwitchTrafficOutput,
  TrafficTarget,
} from './contracts';
import { failoverChanges, putBackChanges } from './decide';
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
  return { ok: httpStatus === 200, httpStatus, url: url.toString() };
}

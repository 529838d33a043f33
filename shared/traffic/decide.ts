import type { Problem } from '../outcome';
import type { RoutingChange, RoutingEntry, RoutingSnapshot, TrafficTarget } from './contracts';
import type { FrontDoorEndpoint } from './port';

/**
 * The decisions of a traffic switch, as pure functions (issue 23): what a failover changes, what
 * a drill checks, what a cleanup puts back, and whether a change has been applied.
 */

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The entry named `name` (names compare case-insensitively, as ARM's do). */
export function entryOf(snapshot: RoutingSnapshot, name: string): RoutingEntry | undefined {
  return snapshot.entries.find((e) => same(e.name, name));
}

const what = (t: TrafficTarget) => (t.provider === 'frontDoor' ? 'origin' : 'endpoint');
const where = (t: TrafficTarget) =>
  t.provider === 'frontDoor' ? `origin group ${t.originGroup}` : `${t.endpointType} of the profile`;

/**
 * A failover's changes: enable and prefer the standby, then disable the primary (in that order,
 * so there is never a moment with neither enabled). "Prefer" on Front Door: the standby takes the
 * primary's priority when its own is worse (lower is used first). Traffic Manager requires
 * priorities unique in a profile, so there the disabled primary is what makes the standby first.
 * Changes already in place are left out: a switch that is already made changes nothing.
 */
export function failoverChanges(
  target: TrafficTarget,
  snapshot: RoutingSnapshot,
): { changes: RoutingChange[] } | { error: Problem } {
  const primary = entryOf(snapshot, target.primary);
  const standby = entryOf(snapshot, target.standby);
  if (standby === undefined)
    return {
      error: {
        code: 'StandbyNotFound',
        message: `the standby ${what(target)} ${target.standby} is not in ${where(target)}: nothing was changed`,
      },
    };
  if (primary === undefined)
    return {
      error: {
        code: 'PrimaryNotFound',
        message: `the primary ${what(target)} ${target.primary} is not in ${where(target)}: nothing was changed`,
      },
    };
  const changes: RoutingChange[] = [];
  const standbyChange: RoutingChange = { entry: standby.name };
  if (!standby.enabled) standbyChange.enabled = true;
  if (
    target.provider === 'frontDoor' &&
    primary.priority !== undefined &&
    standby.priority !== undefined &&
    standby.priority > primary.priority
  )
    standbyChange.priority = primary.priority;
  if (Object.keys(standbyChange).length > 1) changes.push(standbyChange);
  if (primary.enabled) changes.push({ entry: primary.name, enabled: false });
  return { changes };
}

/**
 * What a cleanup sends to put the recorded routing back: for each entry the switch changed, the
 * fields that now differ from `before`. Entries that were enabled before come first (re-enable
 * the primary before the standby is disabled again).
 */
export function putBackChanges(
  before: RoutingSnapshot,
  changed: readonly RoutingChange[],
  current: RoutingSnapshot,
): RoutingChange[] {
  const out: RoutingChange[] = [];
  for (const c of changed) {
    const was = entryOf(before, c.entry);
    const now = entryOf(current, c.entry);
    if (was === undefined || now === undefined) continue;
    const back: RoutingChange = { entry: now.name };
    if (c.enabled !== undefined && now.enabled !== was.enabled) back.enabled = was.enabled;
    if (c.priority !== undefined && was.priority !== undefined && now.priority !== was.priority)
      back.priority = was.priority;
    if (Object.keys(back).length > 1) out.push(back);
  }
  return out.sort((a, b) => Number(b.enabled === true) - Number(a.enabled === true));
}

/** The changes that make `current` look like `before` for the entries in `changed` (what a put-back waits for). */
export function desiredOf(before: RoutingSnapshot, changed: readonly RoutingChange[]): RoutingChange[] {
  return changed.flatMap((c) => {
    const was = entryOf(before, c.entry);
    if (was === undefined) return [];
    return [
      {
        entry: was.name,
        ...(c.enabled === undefined ? {} : { enabled: was.enabled }),
        ...(c.priority === undefined || was.priority === undefined ? {} : { priority: was.priority }),
      },
    ];
  });
}

/** Front Door `deploymentStatus` values that mean the change is at the edge / will never be. */
const DEPLOYED = 'succeeded';
const FAILED = 'failed';

/**
 * Whether `snapshot` shows every change of `desired` applied: the entry's fields match and, on
 * Front Door, its provisioning and deployment to the edge succeeded (a `Failed` deployment is a
 * failure: waiting longer will not help). Traffic Manager answers its PATCH synchronously, so a
 * matching read is applied.
 */
export function routingApplied(
  snapshot: RoutingSnapshot,
  desired: readonly RoutingChange[],
): { state: 'applied' } | { state: 'pending'; waitingFor: string } | { state: 'failed'; error: Problem } {
  const waiting: string[] = [];
  for (const d of desired) {
    const e = entryOf(snapshot, d.entry);
    if (e === undefined)
      return {
        state: 'failed',
        error: { code: 'EntryGone', message: `${d.entry} is no longer in ${snapshot.group}` },
      };
    if (snapshot.provider === 'frontDoor') {
      if (e.deploymentStatus?.toLowerCase() === FAILED || e.provisioningState?.toLowerCase() === FAILED)
        return {
          state: 'failed',
          error: {
            code: 'DeploymentFailed',
            message: `Front Door reports the change to ${e.name} as failed (provisioning ${e.provisioningState ?? '?'}, deployment ${e.deploymentStatus ?? '?'})`,
          },
        };
    }
    const matches =
      (d.enabled === undefined || e.enabled === d.enabled) &&
      (d.priority === undefined || e.priority === d.priority);
    if (!matches) {
      waiting.push(`${e.name} to read back as changed`);
      continue;
    }
    if (
      snapshot.provider === 'frontDoor' &&
      (e.provisioningState?.toLowerCase() !== DEPLOYED || e.deploymentStatus?.toLowerCase() !== DEPLOYED)
    )
      waiting.push(`${e.name} deployed (${e.deploymentStatus ?? 'unknown'})`);
  }
  return waiting.length === 0 ? { state: 'applied' } : { state: 'pending', waitingFor: waiting.join(', ') };
}

/** Traffic Manager monitor states that say the endpoint would not take traffic. */
const TM_UNHEALTHY = new Set(['degraded', 'stopped', 'inactive']);

/**
 * A drill's findings: what would stop (or spoil) a failover, read only. The standby and the
 * primary exist; the standby is not reported unhealthy (Traffic Manager monitor status) and its
 * last deployment did not fail (Front Door). Both origins of one group serve the group's routes,
 * so "the same routes" holds by construction on Front Door. The gateway probe is separate.
 */
export function drillFindings(target: TrafficTarget, snapshot: RoutingSnapshot): string[] {
  const findings: string[] = [];
  const primary = entryOf(snapshot, target.primary);
  const standby = entryOf(snapshot, target.standby);
  if (standby === undefined)
    findings.push(`the standby ${what(target)} ${target.standby} is not in ${where(target)}`);
  if (primary === undefined)
    findings.push(`the primary ${what(target)} ${target.primary} is not in ${where(target)}`);
  if (standby !== undefined) {
    if (standby.monitorStatus !== undefined && TM_UNHEALTHY.has(standby.monitorStatus.toLowerCase()))
      findings.push(`Traffic Manager reports the standby ${standby.name} ${standby.monitorStatus}`);
    if (standby.deploymentStatus?.toLowerCase() === FAILED)
      findings.push(`the standby origin ${standby.name}'s last deployment failed`);
    if (standby.hostName === undefined || standby.hostName === '')
      findings.push(`the standby ${standby.name} has no host name to send traffic to`);
  }
  return findings;
}

/** One line per entry, for summaries and the report: `primary: enabled, priority 1`. */
export function describeRouting(snapshot: RoutingSnapshot, names: readonly string[]): string {
  return names
    .map((n) => {
      const e = entryOf(snapshot, n);
      if (e === undefined) return `${n}: missing`;
      return `${e.name}: ${e.enabled ? 'enabled' : 'disabled'}${e.priority === undefined ? '' : `, priority ${e.priority}`}`;
    })
    .join('; ');
}

/**
 * Whether a Front Door route pattern matches `path`: `/*` everything, `/api/*` a prefix, else the
 * path itself; case-insensitive. ("Front Door route matching", learn.microsoft.com/azure/frontdoor/
 * front-door-route-matching: a wildcard only at the end after a `/`; the most specific pattern of
 * the endpoint wins, which this does not need: it asks only whether some route of the group matches.)
 */
export function routePatternMatches(pattern: string, path: string): boolean {
  const p = pattern.toLowerCase();
  const x = path.toLowerCase();
  return p.endsWith('*') ? x.startsWith(p.slice(0, -1)) : p === x;
}

/**
 * The public host of a Front Door origin group (pure): the first enabled endpoint with a host
 * name one of whose enabled routes sends `path` (the health path) to `originGroup`. Clients using
 * a custom domain instead name it in the step's `publicEndpoint`, which wins.
 */
export function frontDoorPublicHost(
  originGroup: string,
  endpoints: readonly FrontDoorEndpoint[],
  path: string,
): { host: string; endpoint: string } | { error: Problem } {
  const serving = endpoints.filter((e) => e.routes.some((r) => same(r.originGroup, originGroup)));
  const matching = serving.filter((e) =>
    e.routes.some(
      (r) => same(r.originGroup, originGroup) && r.patternsToMatch.some((p) => routePatternMatches(p, path)),
    ),
  );
  const usable = matching.find((e) => e.enabled && e.hostName !== '');
  if (usable !== undefined) return { host: usable.hostName, endpoint: usable.name };
  const names = (list: readonly FrontDoorEndpoint[]) => list.map((e) => e.name).join(', ');
  return {
    error: {
      code: 'NoPublicEndpoint',
      message:
        serving.length === 0
          ? `no endpoint of the profile routes to origin group ${originGroup}: name the public endpoint in the step's publicEndpoint`
          : matching.length === 0
            ? `no route of ${names(serving)} to origin group ${originGroup} matches ${path}: the health path cannot be checked through Front Door`
            : `the endpoints routing to origin group ${originGroup} (${names(matching)}) are disabled or have no host name`,
    },
  };
}

/** Traffic Manager monitor states whose endpoints its DNS leaves out while a healthy one exists. */
const TM_NOT_ANSWERED = new Set(['degraded', 'stopped', 'inactive', 'disabled']);

/**
 * The endpoint a Priority-routed Traffic Manager profile answers DNS queries with (pure): the
 * enabled endpoint with the lowest priority among those not reported unhealthy; when every
 * enabled endpoint is unhealthy, Traffic Manager answers as if all were healthy (its documented
 * "all endpoints degraded" behaviour), so the lowest priority of them all. Undefined: none enabled.
 * Traffic Manager works in DNS only: clients then connect to that endpoint's target themselves.
 */
export function trafficManagerAnswer(snapshot: RoutingSnapshot): RoutingEntry | undefined {
  const enabled = snapshot.entries.filter((e) => e.enabled);
  const healthy = enabled.filter(
    (e) => e.monitorStatus === undefined || !TM_NOT_ANSWERED.has(e.monitorStatus.toLowerCase()),
  );
  const pool = healthy.length > 0 ? healthy : enabled;
  return [...pool].sort((a, b) => (a.priority ?? 1000) - (b.priority ?? 1000))[0];
}

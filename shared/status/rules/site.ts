import { humanDuration, iso, light } from '../colour';
import type { SiteInput } from '../inputs';
import type { SiteStatus } from '../report';

/** One site: a site not heard from for two heartbeat intervals is red. */
export function siteStatus(s: SiteInput, now: Date, intervalMs: number): SiteStatus {
  const hb = s.heartbeats;
  const last = hb?.heartbeats[0];
  const seenAt = hb?.lastSeen === undefined ? undefined : new Date(hb.lastSeen.at);
  const base = {
    site: s.site,
    lastSeenAt: iso(seenAt),
    lastSeenSeconds: seenAt === undefined ? null : Math.round((now.getTime() - seenAt.getTime()) / 1000),
    agentId: hb?.lastSeen?.agentId ?? null,
    version: hb?.lastSeen?.version ?? null,
    executor: hb?.lastSeen?.executor ?? null,
    rttMs: (hb?.heartbeats ?? []).map((h) => h.rttMs ?? null),
    lastHeartbeat:
      last === undefined
        ? null
        : { issuedAt: last.issuedAt, outcome: last.outcome, error: last.error ?? null },
    inFlight: s.inFlight,
    queueDepth: s.queueDepth,
    poisonCount: s.poisonCount,
  };
  const limit = 2 * intervalMs;
  if (hb === undefined || hb.heartbeats.length === 0)
    return {
      ...base,
      ...light(
        'unknown',
        `no heartbeat recorded yet (the heartbeat runs every ${humanDuration(intervalMs)})`,
      ),
    };
  if (seenAt === undefined)
    return {
      ...base,
      ...light(
        'red',
        `the agent has never answered a heartbeat (last: ${last!.outcome}${last!.error ? `: ${last!.error.message}` : ''})`,
      ),
    };
  const silence = now.getTime() - seenAt.getTime();
  if (silence > limit)
    return {
      ...base,
      ...light(
        'red',
        `not heard from for ${humanDuration(silence)} (more than two heartbeat intervals, ${humanDuration(limit)})`,
      ),
    };
  if (s.poisonCount !== null && s.poisonCount > 0)
    return {
      ...base,
      ...light('amber', `${s.poisonCount} message(s) in agent-${s.site}-commands-poison`),
    };
  if (last !== undefined && last.outcome !== 'succeeded')
    return {
      ...base,
      ...light(
        'amber',
        `the last heartbeat ended ${last.outcome}; last answer ${humanDuration(silence)} ago`,
      ),
    };
  return { ...base, ...light('green', `agent answered ${humanDuration(silence)} ago`) };
}

import { z } from 'zod';
import type { Outcome, Problem } from '../outcome';

/**
 * Agent heartbeats (issue 12): every few minutes the `agentHeartbeat` timer sends `agent.ping` to
 * each configured site through the relay, and the answer (or its absence) is kept in one small
 * blob per site, {@link STATUS_CONTAINER}/`sites/<site>.json`, newest first. The status page reads
 * these blobs by name (it never lists blobs).
 */

/** The app-storage container of the status area's records. */
export const STATUS_CONTAINER = 'lifeboat-status';

/** Blob of a site's heartbeats. */
export function siteHeartbeatBlob(site: string): string {
  return `sites/${site}.json`;
}

/** The singleton instance id of a site's heartbeat (a running one is not stacked). */
export function heartbeatInstanceId(site: string): string {
  return `heartbeat-${site}`;
}

/** One heartbeat: when `agent.ping` was issued, and what came back. */
export interface Heartbeat {
  /** When the ping was issued (ISO, orchestration time). */
  issuedAt: string;
  /** When its result arrived (ISO; absent when none came). */
  answeredAt?: string | undefined;
  outcome: Outcome;
  /** Round trip: result time − issue time (ms), when answered. */
  rttMs?: number | undefined;
  agentId?: string | undefined;
  version?: string | undefined;
  executor?: string | undefined;
  /** The heartbeat orchestration and the relay command ids (correlation). */
  instanceId: string;
  commandIds: string[];
  error?: Problem | undefined;
}

/** A site's heartbeat record. */
export interface SiteHeartbeats {
  site: string;
  /** The last heartbeat that got an answer, with what the agent said about itself. */
  lastSeen?: { at: string; agentId: string; version: string; executor: string; rttMs: number };
  /** Newest first, at most the configured number. */
  heartbeats: Heartbeat[];
  updatedAt: string;
}

const problem = z.strictObject({ code: z.string(), message: z.string() });
const heartbeatSchema = z.strictObject({
  issuedAt: z.iso.datetime(),
  answeredAt: z.iso.datetime().optional(),
  outcome: z.enum(['succeeded', 'partial', 'failed', 'refused', 'timedOut']),
  rttMs: z.number().int().min(0).optional(),
  agentId: z.string().max(64).optional(),
  version: z.string().max(32).optional(),
  executor: z.string().max(32).optional(),
  instanceId: z.string().max(128),
  commandIds: z.array(z.string().max(64)).max(20),
  error: problem.optional(),
});

/** The schema of a record as stored (a hand-edited or foreign blob reads as no record). */
export const siteHeartbeatsSchema = z.strictObject({
  site: z.string().max(40),
  lastSeen: z
    .strictObject({
      at: z.iso.datetime(),
      agentId: z.string().max(64),
      version: z.string().max(32),
      executor: z.string().max(32),
      rttMs: z.number().int().min(0),
    })
    .optional(),
  heartbeats: z.array(heartbeatSchema).max(100),
  updatedAt: z.iso.datetime(),
});

/** Parses a stored record; undefined when it is not one. */
export function parseSiteHeartbeats(value: unknown): SiteHeartbeats | undefined {
  const parsed = siteHeartbeatsSchema.safeParse(value);
  return parsed.success ? (parsed.data as SiteHeartbeats) : undefined;
}

/** Input of the `recordHeartbeat` activity: one heartbeat of one site. */
export const recordHeartbeatInputSchema = z.strictObject({
  site: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/),
  heartbeat: heartbeatSchema,
});
export type RecordHeartbeatInput = z.infer<typeof recordHeartbeatInputSchema>;

/** What `recordHeartbeat` returns. */
export interface RecordHeartbeatOutput {
  kept: number;
}

/**
 * Builds the heartbeat from a ping's outcome: the round trip is the result time minus the issue
 * time (both orchestration times); the agent's identity only when it answered.
 */
export function heartbeatFrom(input: {
  instanceId: string;
  issuedAt: Date;
  answeredAt: Date;
  outcome: {
    outcome: Outcome;
    commandIds: readonly string[];
    output?: { agentId: string; version: string; executor: string } | undefined;
    error?: Problem | undefined;
  };
}): Heartbeat {
  const o = input.outcome;
  const answered = o.outcome === 'succeeded' && o.output !== undefined;
  return {
    issuedAt: input.issuedAt.toISOString(),
    outcome: o.outcome,
    instanceId: input.instanceId,
    commandIds: [...o.commandIds].slice(0, 20),
    ...(answered
      ? {
          answeredAt: input.answeredAt.toISOString(),
          rttMs: Math.max(0, input.answeredAt.getTime() - input.issuedAt.getTime()),
          agentId: o.output!.agentId,
          version: o.output!.version,
          executor: o.output!.executor,
        }
      : {}),
    ...(o.error === undefined ? {} : { error: { code: o.error.code, message: o.error.message } }),
  };
}

/**
 * Adds a heartbeat to a site's record (newest first, at most `keep`): a heartbeat older than one
 * already recorded is placed by its time, and the same heartbeat recorded twice (an activity
 * delivered twice) is kept once.
 */
export function appendHeartbeat(
  record: SiteHeartbeats | undefined,
  site: string,
  heartbeat: Heartbeat,
  keep: number,
  now: Date,
): SiteHeartbeats {
  const others = (record?.heartbeats ?? []).filter(
    (h) => !(h.instanceId === heartbeat.instanceId && h.issuedAt === heartbeat.issuedAt),
  );
  const heartbeats = [heartbeat, ...others]
    .sort((a, b) => Date.parse(b.issuedAt) - Date.parse(a.issuedAt))
    .slice(0, Math.max(1, keep));
  let lastSeen = record?.lastSeen;
  if (
    heartbeat.answeredAt !== undefined &&
    heartbeat.agentId !== undefined &&
    (lastSeen === undefined || Date.parse(heartbeat.answeredAt) >= Date.parse(lastSeen.at))
  )
    lastSeen = {
      at: heartbeat.answeredAt,
      agentId: heartbeat.agentId,
      version: heartbeat.version ?? '',
      executor: heartbeat.executor ?? '',
      rttMs: heartbeat.rttMs ?? 0,
    };
  return {
    site,
    ...(lastSeen === undefined ? {} : { lastSeen }),
    heartbeats,
    updatedAt: now.toISOString(),
  };
}

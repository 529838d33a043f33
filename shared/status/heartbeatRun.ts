import { z } from 'zod';
import { startOnce, type RunStarterClient } from '../durable/start';
import { errorMessage } from '../errors';
import type { Outcome, Problem } from '../outcome';
import { relayTimeoutsSchema, type RelayTimeouts } from '../relay/contracts';
import { heartbeatInstanceId } from './heartbeats';

/**
 * One site's heartbeat run (`agentHeartbeatSite`, instance `heartbeat-<site>`): `agent.ping`
 * through the relay with short timeouts, then the answer recorded. Started by the `agentHeartbeat`
 * timer for every configured site; a site whose previous heartbeat still runs is skipped.
 */

export const agentHeartbeatSiteInputSchema = z.strictObject({
  site: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, {
    error: 'must be a site name (LIFEBOAT_RELAY_SITES)',
  }),
  /** One attempt, short deadlines: a heartbeat must end well before the next one is due. */
  timeouts: relayTimeoutsSchema,
});
export type AgentHeartbeatSiteInput = z.input<typeof agentHeartbeatSiteInputSchema>;

/** What one site's heartbeat returns (ids only, no secret). */
export interface AgentHeartbeatSiteResult {
  site: string;
  outcome: Exclude<Outcome, 'partial'>;
  rttMs?: number;
  agentId?: string;
  commandIds: readonly string[];
  error?: Problem;
}

/** The ping's timeouts: the configured heartbeat timeout for delivery and execution, one attempt. */
export function heartbeatTimeouts(timeoutSeconds: number): RelayTimeouts {
  return { deliveryMs: timeoutSeconds * 1000, executionMs: timeoutSeconds * 1000, maxAttempts: 1 };
}

/** The durable client calls the starter needs (structural). */
export type HeartbeatStarterClient = RunStarterClient;

/** What happened to one site's heartbeat start. */
export type HeartbeatStart =
  | { site: string; instanceId: string; started: true }
  | { site: string; instanceId: string; started: false; reason: string; error?: string };

/** Starts a heartbeat per site unless one is still running there; never throws for one site. */
export async function startHeartbeats(
  client: HeartbeatStarterClient,
  orchestrationName: string,
  sites: readonly string[],
  timeouts: RelayTimeouts,
): Promise<HeartbeatStart[]> {
  return Promise.all(
    sites.map(async (site): Promise<HeartbeatStart> => {
      const input: AgentHeartbeatSiteInput = { site, timeouts };
      const r = await startOnce(client, orchestrationName, heartbeatInstanceId(site), input);
      const { instanceId } = r;
      if (r.started) return { site, instanceId, started: true };
      if ('failed' in r)
        return { site, instanceId, started: false, reason: 'start failed', error: errorMessage(r.error) };
      return { site, instanceId, started: false, reason: 'the previous heartbeat is still running' };
    }),
  );
}

import type { AgentHeartbeatSiteResult } from '../../shared/status/heartbeatRun';
import { call, finish, inputText, lazy, orchestration, progress, retrying, runCommand } from '../kit';
import { status as names } from '../names/status';

/**
 * One site's heartbeat (issue 12): `agent.ping` (a read command) through the relay with the
 * heartbeat's short timeouts and one attempt, then the answer (agent id, version, executor, round
 * trip = result time − issue time, both orchestration times) or its absence is recorded by
 * `recordHeartbeat`. Instance `heartbeat-<site>`, started by the `agentHeartbeat` timer.
 */

const run = lazy(() => import('../../shared/status/heartbeatRun'));
const heartbeats = lazy(() => import('../../shared/status/heartbeats'));

const EVENT = 'lifeboat.status.heartbeat';

orchestration(names.agentHeartbeatSite, {
  uses: [run, heartbeats],
  input: () => run.get().agentHeartbeatSiteInputSchema,
  event: EVENT,
  ended: (ending, raw): AgentHeartbeatSiteResult => ({
    ...ending,
    site: inputText(raw, 'site', 40),
    commandIds: [],
  }),
  *run(context, input) {
    progress(context, { phase: 'pinging', site: input.site, waitingFor: `the agent at ${input.site}` });
    const issuedAt = context.df.currentUtcDateTime;
    const ping = yield* runCommand(context, {
      site: input.site,
      type: 'agent.ping',
      params: {},
      mode: 'drill',
      timeouts: input.timeouts,
    });
    const heartbeat = heartbeats.get().heartbeatFrom({
      instanceId: context.df.instanceId,
      issuedAt,
      answeredAt: context.df.currentUtcDateTime,
      outcome: ping,
    });
    progress(context, { phase: 'recording', site: input.site });
    yield* retrying(context, { limit: 3, baseMs: 1000, maxMs: 10_000, used: 0 }, () =>
      call(context, names.recordHeartbeat, { site: input.site, heartbeat }),
    );
    const result: AgentHeartbeatSiteResult = {
      site: input.site,
      outcome: ping.outcome,
      commandIds: ping.commandIds,
      ...(heartbeat.rttMs === undefined ? {} : { rttMs: heartbeat.rttMs }),
      ...(heartbeat.agentId === undefined ? {} : { agentId: heartbeat.agentId }),
      ...(ping.error === undefined ? {} : { error: ping.error }),
    };
    return finish(context, EVENT, result, {
      site: input.site,
      commandIds: ping.commandIds,
      ...(heartbeat.rttMs === undefined ? {} : { rttMs: heartbeat.rttMs }),
    });
  },
});

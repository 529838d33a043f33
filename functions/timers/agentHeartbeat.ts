import * as df from 'durable-functions';
import { timer } from '../kit';
import { status } from '../names/status';

/**
 * Sends `agent.ping` to every site in LIFEBOAT_RELAY_SITES: one `agentHeartbeatSite` per site
 * (instance `heartbeat-<site>`; a site whose last heartbeat still runs is skipped, not stacked).
 * The status page turns a site red when it has not answered for two intervals.
 *
 * The schedule is the app setting LIFEBOAT_HEARTBEAT_SCHEDULE, resolved by the host through
 * `%LIFEBOAT_HEARTBEAT_SCHEDULE%` before any code runs: the setting MUST exist in the app settings
 * (infra sets it to the default `0 *\/5 * * * *`).
 */
timer(status.agentHeartbeat, {
  schedule: '%LIFEBOAT_HEARTBEAT_SCHEDULE%',
  extraInputs: [df.input.durableClient()],
  handler: async (_timer, context) => {
    const { getConfig } = await import('../../shared/config');
    const { heartbeatTimeouts, startHeartbeats } = await import('../../shared/status/heartbeatRun');
    const { emit } = await import('../../shared/telemetry');
    const { TransientError } = await import('../../shared/errors');
    const config = getConfig();
    const started = await startHeartbeats(
      df.getClient(context),
      status.agentHeartbeatSite.name,
      config.relay.sites,
      heartbeatTimeouts(config.status.heartbeatTimeoutSeconds),
    );
    for (const s of started)
      emit(context, 'lifeboat.status.heartbeat.trigger', {
        instanceId: s.instanceId,
        site: s.site,
        started: s.started,
        ...('reason' in s ? { reason: s.reason } : {}),
        ...('error' in s && s.error !== undefined
          ? { outcome: 'failed', error: { code: 'StartFailed', message: s.error } }
          : s.started
            ? {}
            : { outcome: 'refused' }),
      });
    const failed = started.filter((s) => 'error' in s && s.error !== undefined);
    if (failed.length > 0)
      throw new TransientError(`could not start heartbeats for ${failed.map((s) => s.site).join(', ')}`, {
        code: 'StartFailed',
      });
  },
});

import * as df from 'durable-functions';
import { timer } from '../kit';
import { standby } from '../names/standby';

/**
 * Starts the standby sync (`standbySync`, singleton instance `standby-sync`: a running one is
 * skipped and logged, not stacked) with the configured services that have a standby.
 *
 * The schedule is the app setting LIFEBOAT_STANDBY_SYNC_SCHEDULE, resolved by the host through
 * `%LIFEBOAT_STANDBY_SYNC_SCHEDULE%` before any code runs: the setting MUST exist in the app
 * settings (infra sets it to the default `0 0 2 * * *`, daily 02:00).
 */
timer(standby.scheduledStandbySync, {
  schedule: '%LIFEBOAT_STANDBY_SYNC_SCHEDULE%',
  extraInputs: [df.input.durableClient()],
  handler: async (_timer, context) => {
    const { randomBytes } = await import('node:crypto');
    const { getConfig } = await import('../../shared/config');
    const { buildStandbySyncInput, startStandbySync } = await import('../../shared/restore/standbySync');
    const { flowTickets, ticketingClient } = await import('../../shared/steps/tickets');
    const config = getConfig();
    const input = buildStandbySyncInput(
      config.backup.services,
      config.restore,
      new Date(),
      randomBytes(3).toString('hex'),
    );
    // Lifeboat's own start: the sync's ticket first (it restores into standbys in failover mode).
    const client = ticketingClient(df.getClient(context), await flowTickets());
    const started = await startStandbySync(client, standby.standbySync.name, input);
    const line = JSON.stringify({
      event: 'lifeboat.standby.sync.trigger',
      trigger: 'timer',
      ...started,
      services: input.syncs.map((s) => s.serviceName),
      skipped: input.skipped.map((s) => s.serviceName),
    });
    if (started.started) context.log(line);
    else context.warn(line);
  },
});

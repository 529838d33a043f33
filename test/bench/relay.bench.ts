import { RealClock } from '../../local/clock';
import type { RunAgentCommandOutcome } from '../../shared/relay/contracts';
import { startRelayWorld } from '../integration/relay/helpers';
import { benchSize, type Figure, type Measurement } from './figures';

/**
 * The relay's command round trip on the local stack, real clock, default settings (agent poll
 * defaults, host.json queue polling, configured timeouts): `sendAgentCommand` scheduled → agent
 * executes → signed result → `agentResults` verifies and raises → the orchestration resumes.
 * Measured per command from the orchestration's history (TaskScheduled of the send to the
 * OrchestratorStarted of the episode that received `result-<id>`), over 200 `agent.ping`
 * commands, 10 in flight at a time.
 */

const COMMANDS = benchSize(200, 2);
const IN_FLIGHT = benchSize(10, 2);

function percentile(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

export const figures: Figure[] = [
  {
    names: ['relay.roundtrip.p50_ms', 'relay.roundtrip.p95_ms'],
    async run(): Promise<Measurement[]> {
      const world = await startRelayWorld({
        clock: new RealClock(),
        app: 'packageMain',
        maxPollingIntervalMs: 'host',
        // The whole app is loaded, so every timer's `%SETTING%` must resolve; the timers that would
        // send their own commands (heartbeats) or restores fire once a year, outside any run.
        settings: {
          LIFEBOAT_BACKUP_SCHEDULE: '0 0 */6 * * *',
          LIFEBOAT_RESTORE_CANARY_SCHEDULE: '0 0 0 1 1 *',
          LIFEBOAT_APIM_REPORTS_SCHEDULE: '0 0 0 1 1 *',
          LIFEBOAT_STANDBY_SYNC_SCHEDULE: '0 0 0 1 1 *',
          LIFEBOAT_HEARTBEAT_SCHEDULE: '0 0 0 1 1 *',
        },
      });
      try {
        await world.startAgent({});
        const samples: number[] = [];
        const one = async (): Promise<void> => {
          const id = await world.host.startOrchestration('runAgentCommand', {
            site: world.site,
            type: 'agent.ping',
            mode: 'drill',
          });
          const status = await world.waitFor(id, 120_000);
          const outcome = status.output as RunAgentCommandOutcome;
          if (outcome.outcome !== 'succeeded')
            throw new Error(`round trip ended ${outcome.outcome}: ${JSON.stringify(outcome.error)}`);
          const history = world.host.getHistory(id);
          const scheduled = history.find((e) => e['EventType'] === 4 && e['Name'] === 'sendAgentCommand');
          const raisedAt = history.findIndex((e) => e['EventType'] === 15);
          const resumed = history
            .slice(0, raisedAt)
            .reverse()
            .find((e) => e['EventType'] === 12);
          if (scheduled === undefined || resumed === undefined)
            throw new Error('history lacks the send or the resume');
          samples.push(Date.parse(resumed['Timestamp']) - Date.parse(scheduled['Timestamp']));
        };
        let next = 0;
        await Promise.all(
          Array.from({ length: IN_FLIGHT }, async () => {
            while (next < COMMANDS) {
              next++;
              await one();
            }
          }),
        );
        samples.sort((a, b) => a - b);
        return [
          { name: 'relay.roundtrip.p50_ms', value: percentile(samples, 50), unit: 'ms' },
          { name: 'relay.roundtrip.p95_ms', value: percentile(samples, 95), unit: 'ms' },
        ];
      } finally {
        await world.stop();
      }
    },
  },
];

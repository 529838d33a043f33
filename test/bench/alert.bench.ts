import { RealClock } from '../../local/clock';
import { metricAlert } from '../fixtures/alerts';
import { PRIMARY, SUB, apimPlan, startAlertsWorld } from '../integration/alerts/world';
import { benchSize, type Figure, type Measurement } from './figures';

/**
 * From an alert to a failover run (issue 11), on the local stack with the real clock and host.json's
 * queue polling (maxPollingInterval 2 s, as in Azure): Azure Monitor raises the alert (the ARM
 * emulator) and `POST /api/alerts` answers 202 → the queue trigger picks the message up, dedupes,
 * matches, reads the alert from the Alerts Management API (the Azure check) and starts the plan's failover (approval `auto`)
 * → the run exists (its orchestration instance is in the task hub). Measured per alert from the
 * 202 to the instance appearing, over 100 alerts sent one after another; each run is left to end
 * before the next alert (one run per plan at a time). Target: p50 under 2,000 ms.
 */

/** A plan run's instance id (its steps' children are `<runId>-step-<id>`). */
const RUN_ID = /^bench-plan-failover-\d{8}T\d{6}Z-[a-z0-9]+$/;
const ALERTS = benchSize(Number(process.env['LIFEBOAT_BENCH_ALERTS'] ?? 100), 2);

function percentile(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const figures: Figure[] = [
  {
    names: ['alert.to_run_ms.p50', 'alert.to_run_ms.p95'],
    async run(): Promise<Measurement[]> {
      const world = await startAlertsWorld(
        [apimPlan('bench-plan', ['bench-apim-down'], { approval: 'auto' })],
        {},
        { clock: new RealClock(), hostPolling: true, durations: { backupMs: 50, restoreMs: 50 } },
      );
      try {
        const durable = world.host.host.durable;
        const seen = new Set<string>();
        const samples: number[] = [];
        for (let i = 0; i < ALERTS; i++) {
          const alert = metricAlert({
            alertId: `/subscriptions/${SUB}/providers/Microsoft.AlertsManagement/alerts/bench-${i}`,
            rule: 'bench-apim-down',
            targets: [PRIMARY],
            firedDateTime: new Date().toISOString(),
          });
          const res = await world.post('/api/alerts', alert);
          const accepted = performance.now();
          if (res.status !== 202)
            throw new Error(`intake answered ${res.status}: ${JSON.stringify(res.json)}`);
          let runId: string | undefined;
          const deadline = Date.now() + 60_000;
          while (runId === undefined) {
            runId = durable
              .list({})
              .map((s) => s.instanceId)
              .find((id) => RUN_ID.test(id) && !seen.has(id));
            if (runId !== undefined) break;
            if (Date.now() > deadline) throw new Error(`alert ${i}: no run after 60 s`);
            await sleep(5);
          }
          samples.push(performance.now() - accepted);
          seen.add(runId);
          // One run per plan at a time: let this one end before the next alert.
          await world.host.waitForInstance(runId, { timeoutMs: 120_000 });
        }
        const decisions = await world.decisions();
        const started = decisions.filter((d) => d.decision === 'started').length;
        if (started !== ALERTS)
          throw new Error(
            `expected ${ALERTS} started decisions, got ${started}: ${JSON.stringify(decisions.map((d) => [d.decision, d.reason]))}`,
          );
        const sorted = [...samples].sort((a, b) => a - b);
        return [
          { name: 'alert.to_run_ms.p50', value: Math.round(percentile(sorted, 50)), unit: 'ms' },
          { name: 'alert.to_run_ms.p95', value: Math.round(percentile(sorted, 95)), unit: 'ms' },
        ];
      } finally {
        await world.stop();
      }
    },
  },
];

import { existsSync } from 'node:fs';
import path from 'node:path';
import { msSince, SMOKE, type Figure, type Measurement } from './figures';
import { createTestHost } from '../../local/host/testing';

/**
 * Local Functions host figures: start to ready (including loading the app), and an orchestration
 * fanning out to N activities and in, at N = 100, 200, 400, to show how replay cost grows with
 * history size (one episode per event, each replaying the whole history).
 */
function repoRoot(): string {
  const fromDist = path.resolve(__dirname, '../../..');
  return existsSync(path.join(fromDist, 'host.json')) ? fromDist : process.cwd();
}

export const figures: Figure[] = [
  {
    names: [
      'host.start_ms',
      'host.fanout.100.ms',
      'host.fanout.100.episodes',
      'host.fanout.200.ms',
      'host.fanout.400.ms',
    ],
    async run() {
      const out: Measurement[] = [];
      const started = performance.now();
      const t = await createTestHost({
        appRoot: repoRoot(),
        app: { main: path.join(__dirname, 'fixtures', 'hostApp.js') },
        timers: false,
        queues: { enabled: false },
      });
      out.push({ name: 'host.start_ms', value: msSince(started), unit: 'ms' });
      try {
        for (const n of SMOKE ? [10] : [100, 200, 400]) {
          const before = t.host.durable.episodes;
          const t0 = performance.now();
          const id = await t.startOrchestration('benchFanOut', n);
          const status = await t.waitForInstance(id, { timeoutMs: 600_000 });
          if (status.output !== n)
            throw new Error(
              `fan-out ${n} ended ${status.runtimeStatus} with ${JSON.stringify(status.output)}`,
            );
          out.push({ name: `host.fanout.${n}.ms`, value: msSince(t0), unit: 'ms' });
          out.push({
            name: `host.fanout.${n}.episodes`,
            value: t.host.durable.episodes - before,
            unit: 'episodes',
          });
        }
      } finally {
        await t.stop();
      }
      return out;
    },
  },
];

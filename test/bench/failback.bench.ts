import type { VmFailbackResult } from '../../shared/onprem/contracts';
import { relayApp } from '../integration/relay/app';
import { startRelayWorld } from '../integration/relay/helpers';
import { benchSize, type Figure, type Measurement } from './figures';
import { startAsLifeboat } from '../helpers/tickets';

/**
 * `failback.makespan_ratio`: vmFailback's sliding window against the ideal. 20 VMs whose
 * failbacks take between 5 and 15 minutes (fixed, spread values), concurrency 5, on the virtual
 * clock with the real app, Azurite and a real agent in front of the simulated site. The measured
 * makespan (the orchestration's start to its completion, virtual time) is divided by the makespan
 * of greedy list scheduling of the same durations in the same order on 5 machines (each VM starts
 * as soon as one ends). Batches would wait for the slowest VM of each batch; the window does not.
 * Target (issue 8): at most 1.05. Status polls every 10 s (the per-VM overhead the window pays).
 */
const VMS = benchSize(20, 3);
const CONCURRENCY = 5;
const POLL_MS = 10_000;
/** A minute of the VMs' work; a smoke run makes their work 10 times shorter (fewer polls). */
const MINUTE = benchSize(60_000, 6_000);

/** Durations spread between 5 and 15 minutes, deterministic (a fixed permutation of 20 steps). */
export function failbackDurations(): number[] {
  return Array.from(
    { length: VMS },
    (_, i) => 5 * MINUTE + ((i * 7) % VMS) * Math.round((10 * MINUTE) / (VMS - 1)),
  );
}

/** Makespan of greedy list scheduling: in order, each job on the machine that frees first. */
export function greedyMakespan(durations: readonly number[], machines: number): number {
  const free = Array.from({ length: machines }, () => 0);
  for (const d of durations) {
    const i = free.indexOf(Math.min(...free));
    free[i] = free[i]! + d;
  }
  return Math.max(...free);
}

export const figures: Figure[] = [
  {
    names: ['failback.makespan_ratio', 'failback.makespan_min', 'failback.greedy_min'],
    async run(): Promise<Measurement[]> {
      const durations = failbackDurations();
      const names = durations.map((_, i) => `vm-${String(i + 1).padStart(2, '0')}`);
      const world = await startRelayWorld({ app: relayApp });
      try {
        await world.startAgent({
          lync: { pools: [] },
          hyperv: { vms: names.map((name, i) => ({ name, failbackDurationMs: durations[i]! })) },
        });
        const id = await startAsLifeboat(world.host, world.azurite.connectionString, 'vmFailback', {
          site: world.site,
          vms: names,
          mode: 'failover',
          concurrency: CONCURRENCY,
          pollMs: POLL_MS,
          timeoutMs: 3600_000,
          timeouts: { deliveryMs: 60_000, executionMs: 60_000, maxAttempts: 2 },
        });
        const status = await world.waitFor(id, 600_000);
        const result = status.output as VmFailbackResult;
        if (result.outcome !== 'succeeded')
          throw new Error(`vmFailback ended ${result.outcome}: ${JSON.stringify(result.error)}`);
        const history = world.host.getHistory(id);
        const started = history.find((e) => e['EventType'] === 0);
        const completed = history.find((e) => e['EventType'] === 1);
        if (started === undefined || completed === undefined)
          throw new Error('history lacks start or completion');
        const makespan = Date.parse(completed['Timestamp']) - Date.parse(started['Timestamp']);
        const greedy = greedyMakespan(durations, CONCURRENCY);
        return [
          {
            name: 'failback.makespan_ratio',
            value: Math.round((makespan / greedy) * 1000) / 1000,
            unit: 'x',
          },
          { name: 'failback.makespan_min', value: Math.round((makespan / 60_000) * 10) / 10, unit: 'min' },
          { name: 'failback.greedy_min', value: Math.round((greedy / 60_000) * 10) / 10, unit: 'min' },
        ];
      } finally {
        await world.stop();
      }
    },
  },
];

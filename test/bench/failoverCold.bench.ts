import { type Figure, type Measurement } from './figures';
import { failover } from './fixtures/failoverRun';

/**
 * `failover.apim_rto_min.cold` (issue 23): the sample plan's APIM failover with a standby never
 * synced, so the failover restores into it (30 minutes at the service; ./fixtures/failoverRun.ts),
 * against the warm figure of failover.bench.ts.
 */
export const figures: Figure[] = [
  {
    names: ['failover.apim_rto_min.cold'],
    async run(): Promise<Measurement[]> {
      const cold = await failover(false);
      // The figure means what it says only if the cold run restored.
      if (!cold.restored) throw new Error('the cold failover did not restore into the standby');
      return [{ name: 'failover.apim_rto_min.cold', value: cold.rtoMin, unit: 'min' }];
    },
  },
];

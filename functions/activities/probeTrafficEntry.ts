import { activity } from '../kit';
import { traffic } from '../names/traffic';

/**
 * GETs the gateway health path once, the same check as after a restore: of one origin (endpoint)
 * directly (`via: origin`, a drill), or through the public endpoint clients use (`via: public`,
 * after a failover switch; shared/traffic/activities.ts `probePublic`).
 */
activity(traffic.probeTrafficEntry, {
  input: async () => (await import('../../shared/traffic/contracts')).probeTrafficEntryInput,
  handler: async (input) => {
    const { trafficDeps } = await import('../../shared/traffic/deps');
    const { probeEntry, probePublic } = await import('../../shared/traffic/activities');
    const { NonRetryableError } = await import('../../shared/errors');
    const deps = await trafficDeps();
    if (input.via === 'public') return probePublic(deps, input.target, new Date());
    if (input.hostName === undefined)
      throw new NonRetryableError('hostName: required to probe an origin', { code: 'InvalidInput' });
    return probeEntry(deps, input.hostName, input.httpsPort);
  },
});

import { activity } from '../kit';
import { traffic } from '../names/traffic';

/** A cleanup: puts back the routing a run's switch recorded before it changed anything. */
activity(traffic.restoreTrafficRouting, {
  input: async () => (await import('../../shared/traffic/contracts')).restoreTrafficRoutingInput,
  handler: async (input) => {
    const { trafficDeps } = await import('../../shared/traffic/deps');
    const { restoreRouting } = await import('../../shared/traffic/activities');
    return restoreRouting(await trafficDeps(), input, new Date());
  },
});

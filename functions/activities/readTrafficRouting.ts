import { activity } from '../kit';
import { traffic } from '../names/traffic';

/** Reads a routing profile: the origin group's origins (Front Door) or the endpoints (Traffic Manager). */
activity(traffic.readTrafficRouting, {
  input: async () => (await import('../../shared/traffic/contracts')).readTrafficRoutingInput,
  handler: async ({ target }) => {
    const { trafficDeps } = await import('../../shared/traffic/deps');
    const { readRouting } = await import('../../shared/traffic/activities');
    return readRouting(await trafficDeps(), target, new Date());
  },
});

import { activity } from '../kit';
import { traffic } from '../names/traffic';

/** Records the routing, then enables and prefers the standby and disables the primary (shared/traffic). */
activity(traffic.switchTraffic, {
  input: async () => (await import('../../shared/traffic/contracts')).switchTrafficInput,
  handler: async (input) => {
    const { trafficDeps } = await import('../../shared/traffic/deps');
    const { switchTraffic } = await import('../../shared/traffic/activities');
    return switchTraffic(await trafficDeps(), input, new Date());
  },
});

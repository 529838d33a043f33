import { activity } from '../kit';
import { traffic } from '../names/traffic';

/** GETs an origin's (or endpoint's) gateway health path once: the same check as after a restore. */
activity(traffic.probeTrafficEntry, {
  input: async () => (await import('../../shared/traffic/contracts')).probeTrafficEntryInput,
  handler: async (input) => {
    const { trafficDeps } = await import('../../shared/traffic/deps');
    const { probeEntry } = await import('../../shared/traffic/activities');
    return probeEntry(await trafficDeps(), input.hostName, input.httpsPort);
  },
});

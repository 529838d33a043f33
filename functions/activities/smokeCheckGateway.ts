import { activity } from '../kit';
import { restore } from '../names/restore';

/** GETs the target gateway's health path (/status-0123456789abcdef) once. */
activity(restore.smokeCheckGateway, {
  input: async () => (await import('../../shared/restore/contracts')).smokeCheckGatewayInput,
  handler: async (v) => {
    const { restoreDeps } = await import('../../shared/restore/deps');
    const { probeGateway } = await import('../../shared/restore/steps');
    return probeGateway(await restoreDeps(), v.targetResourceId);
  },
});

import { activity } from '../kit';
import { standby } from '../names/standby';

/** Records the standby's state after a sync ended (shared/standby/record.ts `withSync`). */
activity(standby.recordStandbySync, {
  input: async () => (await import('../../shared/standby/contracts')).recordStandbySyncInput,
  handler: async ({ serviceName, sync }) => {
    const { standbyStore } = await import('../../shared/standby/deps');
    await (await standbyStore()).recordSync(serviceName, sync);
  },
});

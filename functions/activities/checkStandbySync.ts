import { activity } from '../kit';
import { standby } from '../names/standby';

/**
 * Whether a service's standby may be synced now (shared/standby/decide.ts `decideSync`): it has a
 * standby, its sync is on, the standby is not the active side, and no failover run in progress
 * restores the service (such a run owns the standby: its plan lock, shared/plans/owners.ts).
 */
activity(standby.checkStandbySync, {
  input: async () => (await import('../../shared/standby/contracts')).checkStandbySyncInput,
  handler: async ({ serviceName }) => {
    const { getConfig } = await import('../../shared/config');
    const { standbyStore } = await import('../../shared/standby/deps');
    const { decideSync } = await import('../../shared/standby/decide');
    const { planDeps, planEntries } = await import('../../shared/plans/deps');
    const { failoversOwning } = await import('../../shared/plans/owners');
    const config = getConfig();
    const service = config.backup.services.find(
      (s) => s.serviceName.toLowerCase() === serviceName.toLowerCase(),
    );
    const { store } = await planDeps();
    const [record, owningRuns] = await Promise.all([
      (await standbyStore()).read(serviceName),
      failoversOwning(serviceName, await planEntries(config), (plan) => store.readLock(plan)),
    ]);
    return decideSync({
      serviceName,
      hasStandby: service?.standby !== undefined,
      enabled: service?.standbySync !== false,
      record,
      owningRuns,
    });
  },
});

import { activity } from '../kit';
import { standby } from '../names/standby';

/**
 * Records the active side of every service the run's plan restores (shared/plans/owners.ts), with
 * the run that changed it: after a failover's traffic switch the standby carries production.
 * The plan is the one the run recorded (its report names it); recording again changes nothing.
 */
activity(standby.recordActiveSide, {
  input: async () => (await import('../../shared/standby/contracts')).recordActiveSideInput,
  handler: async ({ runId, side, mode, at }) => {
    const { NonRetryableError } = await import('../../shared/errors');
    const { planDeps, planEntries } = await import('../../shared/plans/deps');
    const { restoredServices } = await import('../../shared/plans/owners');
    const { standbyStore } = await import('../../shared/standby/deps');
    const { config, store } = await planDeps();
    const report = await store.readReport(runId);
    if (report === undefined)
      throw new NonRetryableError(`run ${runId} has no report: its active side cannot be recorded`, {
        code: 'RunNotFound',
      });
    const plan = (await planEntries(config)).find((e) => e.plan?.name === report.plan.name)?.plan;
    if (plan === undefined)
      throw new NonRetryableError(`plan ${report.plan.name} of run ${runId} is not declared or not valid`, {
        code: 'PlanNotFound',
      });
    const services = restoredServices(plan).flatMap((name) =>
      config.backup.services
        .filter((s) => s.serviceName.toLowerCase() === name && s.standby !== undefined)
        .map((s) => s.serviceName),
    );
    const records = await standbyStore();
    for (const name of services) await records.recordActiveSide(name, { side, runId, mode, since: at });
    return { services };
  },
});

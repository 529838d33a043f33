import * as df from 'durable-functions';
import { activity } from '../kit';
import { restore } from '../names/restore';

/**
 * Takes the restore target for one run (shared/restore/claim.ts): free, already this run's, or
 * held by a run that no longer runs (asked of the durable store). Else it answers who holds it.
 * A take is then recorded in the status digest of the target's service (logged, never fatal).
 */
activity(restore.claimRestoreTarget, {
  extraInputs: [df.input.durableClient()],
  input: async () => (await import('../../shared/restore/contracts')).claimRestoreTargetInput,
  handler: async ({ targetResourceId, instanceId, now }, context) => {
    const { restoreDeps } = await import('../../shared/restore/deps');
    const { createRestoreTargets } = await import('../../shared/restore/claimStore');
    const { isRunning, runtimeStatusOf } = await import('../../shared/durable/start');
    const client = df.getClient(context);
    const deps = await restoreDeps();
    const targets = createRestoreTargets(deps.container);
    const decision = await targets.claim(targetResourceId, instanceId, new Date(now), async (id) =>
      isRunning(await runtimeStatusOf(client, id)),
    );
    if (decision.take) {
      const { withTargetClaimed } = await import('../../shared/digest/service');
      const { recordInDigest, serviceOfTarget } = await import('../../shared/digest/store');
      const service = serviceOfTarget(deps.config, targetResourceId);
      if (service !== undefined)
        await recordInDigest(context, service, (d) =>
          withTargetClaimed(d, service, { targetResourceId, instanceId, at: now }),
        );
    }
    return decision;
  },
});

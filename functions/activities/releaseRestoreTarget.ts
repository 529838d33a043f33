import { activity } from '../kit';
import { restore } from '../names/restore';

/**
 * Frees the restore target held by a run and records its evidence unless it was refused
 * (shared/restore/claim.ts); then the same in the status digest of the target's service (logged,
 * never fatal).
 */
activity(restore.releaseRestoreTarget, {
  input: async () => (await import('../../shared/restore/contracts')).releaseRestoreTargetInput,
  handler: async ({ targetResourceId, instanceId, evidence }, context) => {
    const { restoreDeps } = await import('../../shared/restore/deps');
    const { createRestoreTargets } = await import('../../shared/restore/claimStore');
    const deps = await restoreDeps();
    await createRestoreTargets(deps.container).release(targetResourceId, instanceId, evidence);
    const { withTargetReleased } = await import('../../shared/digest/service');
    const { recordInDigest, serviceOfTarget } = await import('../../shared/digest/store');
    const service = serviceOfTarget(deps.config, targetResourceId);
    const at = evidence?.endedAt ?? new Date().toISOString();
    if (service !== undefined)
      await recordInDigest(context, service, (d) =>
        withTargetReleased(d, service, { targetResourceId, instanceId, at, evidence }),
      );
  },
});

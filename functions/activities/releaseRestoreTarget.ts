import { activity } from '../kit';
import { restore } from '../names/restore';

/** Frees the restore target held by a run and records its evidence unless it was refused (shared/restore/claim.ts). */
activity(restore.releaseRestoreTarget, {
  input: async () => (await import('../../shared/restore/contracts')).releaseRestoreTargetInput,
  handler: async ({ targetResourceId, instanceId, evidence }) => {
    const { restoreDeps } = await import('../../shared/restore/deps');
    const { createRestoreTargets } = await import('../../shared/restore/claimStore');
    await createRestoreTargets((await restoreDeps()).container).release(
      targetResourceId,
      instanceId,
      evidence,
    );
  },
});

import { activity } from '../kit';
import { restore } from '../names/restore';

/** Reads the restore target and decides whether a restore may begin now: it exists, its tier supports restore, it has no workspaces, it is not transitioning (shared/restore/steps.ts). */
activity(restore.preflightRestoreTarget, {
  input: async () => (await import('../../shared/restore/contracts')).preflightRestoreTargetInput,
  handler: async (v) => {
    const { restoreDeps } = await import('../../shared/restore/deps');
    const { preflightTarget } = await import('../../shared/restore/steps');
    return preflightTarget(await restoreDeps(), v.targetResourceId);
  },
});

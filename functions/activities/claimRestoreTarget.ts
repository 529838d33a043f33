import * as df from 'durable-functions';
import { activity } from '../kit';
import { restore } from '../names/restore';

/**
 * Takes the restore target for one run (shared/restore/claim.ts): free, already this run's, or
 * held by a run that no longer runs (asked of the durable store). Else it answers who holds it.
 */
activity(restore.claimRestoreTarget, {
  extraInputs: [df.input.durableClient()],
  input: async () => (await import('../../shared/restore/contracts')).claimRestoreTargetInput,
  handler: async ({ targetResourceId, instanceId, now }, context) => {
    const { restoreDeps } = await import('../../shared/restore/deps');
    const { createRestoreTargets } = await import('../../shared/restore/claimStore');
    const { isRunning, runtimeStatusOf } = await import('../../shared/durable/start');
    const client = df.getClient(context);
    const targets = createRestoreTargets((await restoreDeps()).container);
    return targets.claim(targetResourceId, instanceId, new Date(now), async (id) =>
      isRunning(await runtimeStatusOf(client, id)),
    );
  },
});

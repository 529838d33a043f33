import { activity } from '../kit';
import { restore } from '../names/restore';

/**
 * Checks the target rules again against configuration, then sends the restore POST into the
 * target and returns at once with the poll token, at most once per run: a begin delivered again
 * (at-least-once delivery, a retry after a lost response) finds its run's accepted POST recorded
 * and returns its token (shared/restore/operations.ts). The access key (AccessKey mode only) never
 * leaves this activity.
 */
activity(restore.beginApimRestore, {
  input: async () => (await import('../../shared/restore/contracts')).beginApimRestoreInput,
  handler: async (v, context) => {
    const { restoreDeps } = await import('../../shared/restore/deps');
    const { beginRestore } = await import('../../shared/restore/steps');
    return beginRestore(await restoreDeps(), v, (message) => context.log(message));
  },
});

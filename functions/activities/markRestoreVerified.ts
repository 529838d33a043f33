import { activity } from '../kit';
import { backup } from '../names/backup';

/**
 * Records on a backup blob that a restore of it was verified (when, into which target, outcome),
 * for the restore canary and drills. Only `succeeded` makes it restore-verified, which pruning then
 * keeps; a failed attempt is recorded and does not count. A later mark already there is kept.
 */
activity(backup.markRestoreVerified, {
  input: async () => (await import('../../shared/backups/contracts')).markRestoreVerifiedInput,
  handler: async ({ blobName, verifiedAt, target, outcome }) => {
    const { backupDeps } = await import('../../shared/backups/deps');
    return (await backupDeps()).store.markRestoreVerified(blobName, {
      at: new Date(verifiedAt),
      target,
      outcome,
    });
  },
});

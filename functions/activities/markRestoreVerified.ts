import { activity } from '../kit';
import { backup } from '../names/backup';

/**
 * Records on a backup blob that a restore of it was verified (when, into which target, outcome),
 * for the restore canary and drills. Only `succeeded` makes it restore-verified, which pruning then
 * keeps; a failed attempt is recorded and does not count. A later mark already there is kept. A
 * mark recorded is then recorded in the service's status digest (logged, never fatal).
 */
activity(backup.markRestoreVerified, {
  input: async () => (await import('../../shared/backups/contracts')).markRestoreVerifiedInput,
  handler: async ({ blobName, verifiedAt, target, outcome }, context) => {
    const { backupDeps } = await import('../../shared/backups/deps');
    const marked = await (
      await backupDeps()
    ).store.markRestoreVerified(blobName, {
      at: new Date(verifiedAt),
      target,
      outcome,
    });
    const { parseBackupBlobName } = await import('../../shared/backups/naming');
    const parsed = parseBackupBlobName(blobName);
    if (marked.recorded && parsed !== undefined) {
      const { withRestoreMark } = await import('../../shared/digest/service');
      const { recordInDigest } = await import('../../shared/digest/store');
      const service = parsed.serviceName;
      const mark = {
        blobName,
        takenAt: parsed.takenAt.toISOString(),
        at: new Date(verifiedAt).toISOString(),
        target,
        outcome,
      };
      await recordInDigest(context, service, (d) => withRestoreMark(d, service, mark));
    }
    return marked;
  },
});

import { activity } from '../kit';
import { backup } from '../names/backup';

/** Checks the backup blob exists and is not empty, and records `verified=true` with service, region, tier and time. */
activity(backup.verifyBackup, {
  input: async () => (await import('../../shared/backups/contracts')).verifyBackupInput,
  handler: async (v) => {
    const { backupDeps } = await import('../../shared/backups/deps');
    return (await backupDeps()).store.verify(v.blobName, {
      service: v.serviceName,
      region: v.region,
      tier: v.tier,
      takenAt: v.takenAt,
    });
  },
});

import { activity } from '../kit';
import { backup } from '../names/backup';

/**
 * Reads the service's configuration manifest again after the verified backup (names, revisions,
 * secret flags and counts; never a named value's value) and compares it with the one written
 * before the backup's POST (shared/restore/backupManifest.ts): a difference is recorded on the
 * manifest and on the backup blob (`configChangedDuringBackup`, issue 22).
 */
activity(backup.writeBackupManifest, {
  input: async () => (await import('../../shared/backups/contracts')).writeBackupManifestInput,
  handler: async (v) => {
    const { restoreDeps } = await import('../../shared/restore/deps');
    const { manifestAfterBackup } = await import('../../shared/restore/backupManifest');
    return manifestAfterBackup(await restoreDeps(), v);
  },
});

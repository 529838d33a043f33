import { activity } from '../kit';
import { backup } from '../names/backup';

/**
 * Reads the service's configuration manifest before the backup's POST and writes it beside the
 * backup-to-be (issue 22): `writeBackupManifest` reads it again once the backup completed, and a
 * difference records that the configuration changed during the backup.
 */
activity(backup.writeManifestBeforeBackup, {
  input: async () => (await import('../../shared/backups/contracts')).writeBackupManifestInput,
  handler: async (v) => {
    const { restoreDeps } = await import('../../shared/restore/deps');
    const { manifestBeforeBackup } = await import('../../shared/restore/backupManifest');
    return manifestBeforeBackup(await restoreDeps(), v);
  },
});

import { activity } from '../kit';
import { restore } from '../names/restore';

/** Lists the service's backups with their metadata and picks the one to restore (shared/restore/select.ts): the newest verified one inside the restore window of the target's tier, or the named one if it passes the same checks; else the refusal with its reason. */
activity(restore.selectRestoreBackup, {
  input: async () => (await import('../../shared/restore/contracts')).selectRestoreBackupInput,
  handler: async (v) => {
    const { restoreDeps } = await import('../../shared/restore/deps');
    const { selectFromStore } = await import('../../shared/restore/steps');
    return selectFromStore(await restoreDeps(), v);
  },
});

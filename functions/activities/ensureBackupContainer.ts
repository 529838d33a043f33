import { activity } from '../kit';
import { backup } from '../names/backup';

/** Creates the private backup container when it is missing. Idempotent. */
activity(backup.ensureBackupContainer, {
  input: async () => (await import('../../shared/steps/inputs')).noInput,
  handler: async () => {
    const { backupDeps } = await import('../../shared/backups/deps');
    return (await backupDeps()).store.ensureContainer();
  },
});

import { activity } from '../kit';
import { restore } from '../names/restore';

/** Reads the restored target's manifest through ARM's list operations and compares it with the manifest written beside the backup; differences come back as sentences. */
activity(restore.verifyRestore, {
  input: async () => (await import('../../shared/restore/contracts')).verifyRestoreInput,
  handler: async (v) => {
    const { restoreDeps } = await import('../../shared/restore/deps');
    const { verifyTarget } = await import('../../shared/restore/steps');
    return verifyTarget(await restoreDeps(), v);
  },
});

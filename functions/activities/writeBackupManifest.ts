import { activity } from '../kit';
import { backup } from '../names/backup';

/**
 * Reads the service's configuration manifest through ARM's list operations (names, revisions,
 * secret flags and counts; never a named value's value) and writes it beside the verified backup
 * (shared/restore/manifestStore.ts), for a restore to be verified against.
 */
activity(backup.writeBackupManifest, {
  input: async () => (await import('../../shared/backups/contracts')).writeBackupManifestInput,
  handler: async ({ resourceId, blobName }) => {
    const { restoreDeps } = await import('../../shared/restore/deps');
    const { findService } = await import('../../shared/backups/deps');
    const { writeManifestBlob } = await import('../../shared/restore/manifestStore');
    const { NonRetryableError } = await import('../../shared/errors');
    const deps = await restoreDeps();
    const service = findService(deps.config, resourceId);
    if (service === undefined)
      throw new NonRetryableError(`${resourceId} is not a configured service`, { code: 'UnknownService' });
    const manifest = await (await deps.apim()).readManifest(service);
    const written = await writeManifestBlob(deps.container, blobName, manifest);
    return { blobName: written.blobName, counts: manifest.counts };
  },
});

import { NonRetryableError } from '../errors';
import { configChangeDuringBackup, type ConfigurationManifest } from '../apim/manifest';
import { findService } from '../backups/deps';
import type { WriteBackupManifestOutput } from '../backups/contracts';
import type { RestoreDeps } from './deps';
import { readManifestBlob, writeManifestBlob } from './manifestStore';

/**
 * The manifest a restore is verified against, read twice around a backup (issue 22): before the
 * backup's POST (written beside the backup-to-be), and again once the backup completed. A
 * difference means the configuration changed while the backup ran: the procedure warns such a
 * change may be missing from the backup, so the manifest kept is the one read before (what the
 * backup most surely holds), with the difference recorded on it and on the backup blob.
 */

function serviceOf(deps: RestoreDeps, resourceId: string) {
  const service = findService(deps.config, resourceId);
  if (service === undefined)
    throw new NonRetryableError(`${resourceId} is not a configured service`, { code: 'UnknownService' });
  return service;
}

/** Reads the service's manifest before the backup's POST and writes it beside the backup-to-be. */
export async function manifestBeforeBackup(
  deps: RestoreDeps,
  input: { resourceId: string; blobName: string },
): Promise<WriteBackupManifestOutput> {
  const manifest = await (await deps.apim()).readManifest(serviceOf(deps, input.resourceId));
  const written = await writeManifestBlob(deps.container, input.blobName, manifest);
  return { blobName: written.blobName, counts: manifest.counts };
}

/**
 * Reads the service's manifest again after the backup completed and compares it with the one
 * read before. Without a manifest from before (its read failed), the one read now is written and
 * the change cannot be told (`changeChecked: false`).
 */
export async function manifestAfterBackup(
  deps: RestoreDeps,
  input: { resourceId: string; blobName: string },
): Promise<WriteBackupManifestOutput> {
  const after = await (await deps.apim()).readManifest(serviceOf(deps, input.resourceId));
  let before: ConfigurationManifest | undefined;
  try {
    before = await readManifestBlob(deps.container, input.blobName);
  } catch (error) {
    if (!(error instanceof NonRetryableError && error.code === 'ManifestMissing')) throw error;
  }
  if (before === undefined) {
    const written = await writeManifestBlob(deps.container, input.blobName, after);
    return { blobName: written.blobName, counts: after.counts, changeChecked: false };
  }
  const change = configChangeDuringBackup(before, after);
  const { duringBackup: _earlier, ...kept } = before;
  const manifest: ConfigurationManifest = change === undefined ? kept : { ...kept, duringBackup: change };
  const written = await writeManifestBlob(deps.container, input.blobName, manifest);
  if (change !== undefined) await deps.store.recordConfigChange(input.blobName, change.differenceCount);
  return {
    blobName: written.blobName,
    counts: manifest.counts,
    ...(change === undefined ? {} : { configChangedDuringBackup: change }),
  };
}

import type { ContainerClient } from '@azure/storage-blob';
import { NonRetryableError } from '../errors';
import { listBlobNames, recordStore } from '../storage';
import { servicePrefix } from '../backups/naming';
import { orphanManifests } from '../backups/prune';
import { configurationManifestSchema, type ConfigurationManifest } from '../apim/manifest';

/**
 * The configuration manifest written beside each backup. It lives under `_manifests/` with the
 * backup's own name (`_manifests/<service>/<service>-<stamp>.apimbackup.json`): the folder cannot
 * clash with a service folder (service names start with a letter), so backup listings, prune
 * counts and the catalog never see it (they list `<service>/` and parse backup names only).
 */
export const MANIFEST_FOLDER = '_manifests/';

/** The manifest blob of a backup blob. */
export function manifestBlobName(backupBlobName: string): string {
  return `${MANIFEST_FOLDER}${backupBlobName}.json`;
}

const manifests = (container: ContainerClient) =>
  recordStore({ container, schema: configurationManifestSchema, label: 'manifest store' });

/** Writes (or overwrites: idempotent) the manifest of `backupBlobName`. */
export async function writeManifestBlob(
  container: ContainerClient,
  backupBlobName: string,
  manifest: ConfigurationManifest,
): Promise<{ blobName: string }> {
  const name = manifestBlobName(backupBlobName);
  await manifests(container).put(name, manifest);
  return { blobName: name };
}

/**
 * Reads the manifest of `backupBlobName`. Missing → NonRetryableError `ManifestMissing`;
 * unreadable → NonRetryableError `RecordCorrupt` naming the blob (a restore cannot be verified
 * without it).
 */
export async function readManifestBlob(
  container: ContainerClient,
  backupBlobName: string,
): Promise<ConfigurationManifest> {
  const found = await manifests(container).read(manifestBlobName(backupBlobName));
  if (found === undefined)
    throw new NonRetryableError(`backup ${backupBlobName} has no manifest beside it`, {
      code: 'ManifestMissing',
    });
  return found.value;
}

/**
 * The backups of `serviceName` that have a manifest beside them (one listing of the service's
 * manifest folder): restore selection prefers them (issue 22).
 */
export async function backupsWithManifest(
  container: ContainerClient,
  serviceName: string,
): Promise<Set<string>> {
  const prefix = `${MANIFEST_FOLDER}${servicePrefix(serviceName.toLowerCase())}`;
  const names = await listBlobNames(container, prefix, `the manifests of ${serviceName}`);
  return new Set(
    names.filter((n) => n.endsWith('.json')).map((n) => n.slice(MANIFEST_FOLDER.length, -'.json'.length)),
  );
}

/**
 * Deletes the manifests of `serviceName` whose backup blob is no longer among `backupNames` (the
 * backups left after a prune): a pruned backup takes its manifest with it. Never throws for one
 * manifest: those that cannot be deleted are returned (the next prune tries again).
 */
export async function pruneManifests(
  container: ContainerClient,
  serviceName: string,
  backupNames: Iterable<string>,
): Promise<{ deleted: string[]; failed: string[] }> {
  const prefix = `${MANIFEST_FOLDER}${servicePrefix(serviceName.toLowerCase())}`;
  const names = await listBlobNames(container, prefix, `the manifests of ${serviceName}`);
  const out = { deleted: [] as string[], failed: [] as string[] };
  for (const name of orphanManifests(names, backupNames, MANIFEST_FOLDER)) {
    try {
      await container.getBlobClient(name).deleteIfExists();
      out.deleted.push(name);
    } catch {
      out.failed.push(name);
    }
  }
  return out;
}

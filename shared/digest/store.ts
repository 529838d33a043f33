import type { ContainerClient } from '@azure/storage-blob';
import type { Config } from '../config';
import type { Env } from '../config';
import { publicError } from '../errors';
import { blobServiceClient, recordStore, resolveAppBlobs, type RecordStore } from '../storage';
import { DIGEST_CONTAINER, serviceDigestBlob, serviceDigestSchema, type ServiceDigest } from './service';

/**
 * The digest records in the app's storage (`lifeboat-status/digest/services/<service>.json`),
 * through the one record store: updated read-modify-write under the ETag (concurrent writers of
 * one service never lose each other's fact), read by the status page with one GET per service.
 * A record that does not parse (another version, a hand edit) reads as none: the page says
 * unknown and the next writer replaces it.
 */
export function serviceDigests(container: ContainerClient): RecordStore<ServiceDigest> {
  return recordStore<ServiceDigest>({
    container,
    schema: serviceDigestSchema,
    label: 'the status digest',
    corrupt: 'absent',
  });
}

/** The digest store over the app's storage (AzureWebJobsStorage), built inside a handler. */
export async function digestStore(env: Env = process.env): Promise<RecordStore<ServiceDigest>> {
  const blobs = await blobServiceClient(resolveAppBlobs(env));
  return serviceDigests(blobs.getContainerClient(DIGEST_CONTAINER));
}

/** Where a digest writer logs a write it could not make. */
export interface DigestLog {
  warn(message: string): void;
}

/**
 * Applies one fact to a service's digest, after the writer's own write succeeded. A digest write
 * never fails the business step (a backup that was taken stays taken): a failure is logged as
 * `lifeboat.status.digestNotWritten` and answers false; the page then shows the fact as it was
 * before, and the stale rules (shared/status/digest.ts) turn what can no longer be trusted into
 * unknown. The next writer of the service writes the record again.
 */
export async function recordInDigest(
  log: DigestLog,
  service: string,
  change: (current: ServiceDigest | undefined) => ServiceDigest | undefined,
  store?: RecordStore<ServiceDigest>,
): Promise<boolean> {
  try {
    const digests = store ?? (await digestStore());
    await digests.update(serviceDigestBlob(service), change);
    return true;
  } catch (error) {
    log.warn(
      JSON.stringify({
        event: 'lifeboat.status.digestNotWritten',
        service,
        error: publicError(error),
      }),
    );
    return false;
  }
}

/** The protected service a standby or drill target belongs to (case-insensitive); undefined when none. */
export function serviceOfTarget(
  config: Pick<Config, 'backup'>,
  targetResourceId: string,
): string | undefined {
  const key = targetResourceId.toLowerCase();
  return config.backup.services.find(
    (s) =>
      s.standby?.resourceId.toLowerCase() === key ||
      s.drillTargets.some((d) => d.resourceId.toLowerCase() === key),
  )?.serviceName;
}

import { RestError } from '@azure/core-rest-pipeline';
import type { ContainerClient } from '@azure/storage-blob';
import { classifyStorageError } from '../backups/store';
import { TransientError } from '../errors';
import { appendHeartbeat, parseSiteHeartbeats, siteHeartbeatBlob, type Heartbeat } from './heartbeats';

/**
 * Records one heartbeat in its site's blob (read, append, write under the ETag read, so two writers
 * never lose each other's heartbeat: a 412 is transient and the activity's retry reads again).
 * Creates the private container on first use.
 */
export async function recordHeartbeat(
  container: ContainerClient,
  site: string,
  heartbeat: Heartbeat,
  options: { keep: number; now: Date },
): Promise<{ kept: number }> {
  const blob = container.getBlockBlobClient(siteHeartbeatBlob(site));
  let existing: unknown;
  let etag: string | undefined;
  try {
    const buffer = await blob.downloadToBuffer();
    const props = await blob.getProperties();
    etag = props.etag;
    try {
      existing = JSON.parse(buffer.toString('utf8')) as unknown;
    } catch {
      existing = undefined;
    }
  } catch (error) {
    const missing = error instanceof RestError && error.statusCode === 404;
    if (!missing) throw classifyStorageError(error, `reading the heartbeats of ${site}`);
  }
  const record = appendHeartbeat(parseSiteHeartbeats(existing), site, heartbeat, options.keep, options.now);
  const body = JSON.stringify(record);
  const upload = () =>
    blob.upload(body, Buffer.byteLength(body), {
      blobHTTPHeaders: { blobContentType: 'application/json' },
      conditions: etag === undefined ? { ifNoneMatch: '*' } : { ifMatch: etag },
    });
  try {
    try {
      await upload();
    } catch (error) {
      // The first heartbeat of the app: create the private container, then write.
      if (!(error instanceof RestError && error.statusCode === 404)) throw error;
      await container.createIfNotExists();
      await upload();
    }
  } catch (error) {
    if (error instanceof RestError && (error.statusCode === 412 || error.statusCode === 409))
      throw new TransientError(`the heartbeats of ${site} changed while recording; retrying helps`, {
        code: 'ConditionNotMet',
        cause: error,
      });
    throw classifyStorageError(error, `writing the heartbeats of ${site}`);
  }
  return { kept: record.heartbeats.length };
}

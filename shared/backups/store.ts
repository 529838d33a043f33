import type { BlobClient, ContainerClient } from '@azure/storage-blob';
import { z } from 'zod';
import { NonRetryableError, TransientError } from '../errors';
import { OUTCOMES, type Outcome } from '../outcome';
import { classifyStorageError, isNotFound, recordStore, statusOf, storageErrorCode } from '../storage';
import { parseBackupBlobName, servicePrefix } from './naming';
import type { BackupEntry } from './prune';
import {
  countsAsRestoreVerified,
  markReplaces,
  parseRestoreMark,
  restoreMarkMetadata,
  type RestoreMark,
} from './restoreMark';

/**
 * The backup catalog in Blob Storage: the container APIM writes to, read and pruned by the app.
 * Verification is recorded as blob metadata (index tags would allow server-side queries, but
 * Azurite does not support them, and listing one service's prefix is cheap enough).
 */

/** Metadata Lifeboat writes on a verified backup (keys are lower-case: Azure treats them case-insensitively). */
export interface BackupMetadata {
  service: string;
  region: string;
  tier: string;
  /** ISO time the backup was taken. */
  takenAt: string;
}

/** The Blob Batch API accepts at most 256 sub-requests per batch. */
export const MAX_BATCH = 256;
/** Largest page the List Blobs API returns. */
const PAGE_SIZE = 5000;

/** A listed backup, plus its metadata when the listing included it. */
export interface ListedBackup extends BackupEntry {
  metadata: Record<string, string>;
}

/** What a delete pass did. */
export interface DeleteResult {
  deleted: number;
  /** Already gone (another prune, a manual delete): counted as done, deletion is idempotent. */
  alreadyGone: number;
  /** HTTP requests sent (batches or single deletes). */
  requests: number;
  /**
   * Blobs that could not be deleted, each with the storage error code (a lease or legal hold:
   * `LeaseIdMissing`; an immutability policy; a batch request that failed as a whole). Present
   * only when some failed: they are skipped, not fatal, and the next prune tries them again.
   */
  failed?: DeleteFailure[];
}

/** One blob a delete pass could not delete. */
export interface DeleteFailure {
  name: string;
  /** The storage error code (`LeaseIdMissing`), else `Http<status>`. */
  code: string;
}

/** Backup catalog operations over one container. Create with {@link createBackupStore}. */
export interface BackupStore {
  /** Creates the container, private, when missing. Returns whether it was created. */
  ensureContainer(): Promise<{ created: boolean }>;
  /** Every backup of one service Lifeboat named, oldest first (paged listing of `<service>/`). */
  list(serviceName: string, options?: { includeMetadata?: boolean }): Promise<ListedBackup[]>;
  /**
   * Checks the blob exists and is not empty, then records `verified=true` with the service,
   * region, tier and time. Idempotent. Missing or empty → NonRetryableError.
   */
  verify(blobName: string, metadata: BackupMetadata): Promise<{ sizeBytes: number }>;
  /**
   * Deletes blobs with the Blob Batch API, up to 256 per request, `concurrency` batches at a time.
   * Never fails for a blob: each sub-request has its own status, and a blob that cannot be deleted
   * (or a batch request that failed as a whole) is reported in `failed` while the rest go.
   */
  deleteBatched(names: readonly string[], options?: { concurrency?: number }): Promise<DeleteResult>;
  /**
   * One HEAD: whether the blob still exists, its size and whether it carries `verified=true`;
   * undefined when it is gone (deleted outside Lifeboat, or by a lifecycle policy).
   */
  head(blobName: string): Promise<{ sizeBytes: number; verified: boolean } | undefined>;
  /**
   * Records a restore attempt on a backup blob (issue 9: `restoreverifiedat`, `restoretarget`,
   * `restoreoutcome`, merged into its metadata under its ETag), unless the blob already carries a
   * later attempt (`recorded: false`: a duplicate or late delivery never overwrites a newer
   * result). Then drops the service's catalog summary, so the next report lists the mark.
   * `restoreVerified`: whether the blob counts as restore-verified afterwards. A name Lifeboat
   * did not write, or a blob that is gone → NonRetryableError.
   */
  markRestoreVerified(
    blobName: string,
    mark: RestoreMark,
  ): Promise<{ recorded: boolean; restoreVerified: boolean }>;
  /**
   * Records on a backup blob that the configuration changed while it was taken (`configchanged`,
   * `configchanges`: the number of differences; issue 22), merged into its metadata under its
   * ETag. A blob that is gone → NonRetryableError; a concurrent change → TransientError.
   */
  recordConfigChange(blobName: string, differenceCount: number): Promise<void>;
  /** Deletes blobs with one request each (the baseline the batch path is measured against). */
  deleteOneByOne(names: readonly string[], options?: { concurrency?: number }): Promise<DeleteResult>;
  /** Writes the catalog summary of one service (`_catalog/<service>.json`). */
  writeSummary(serviceName: string, summary: StoredCatalogSummary): Promise<void>;
  /** Reads the catalog summary of one service; undefined when there is none or it is unreadable. */
  readSummary(serviceName: string): Promise<StoredCatalogSummary | undefined>;
}

/**
 * A per-service summary written after every prune (which lists the service anyway), so
 * `GET /api/backups` reads one small blob per service instead of listing thousands. Its folder
 * cannot clash with a service folder: service names start with a letter.
 */
export interface StoredCatalogSummary {
  /** When the listing behind it was taken (ISO). */
  asOf: string;
  count: number;
  verifiedCount: number;
  newestVerified: {
    name: string;
    takenAt: string;
    sizeBytes: number;
    /** The configuration changed while it was taken (differences; issue 22). */
    configChanges?: number | undefined;
  } | null;
  /** The newest restore-verified backup and its mark (absent in summaries written before marks existed: none). */
  newestRestoreVerified?: StoredRestoreVerified | null | undefined;
  /** The latest restore attempt on any backup of the service. */
  lastRestoreVerification?:
    { blobName: string; at: string; target: string; outcome: Outcome } | null | undefined;
}

/** A restore-verified backup in a stored summary. */
export interface StoredRestoreVerified {
  name: string;
  takenAt: string;
  verified: boolean;
  sizeBytes: number;
  /** When its restore was verified (ISO) and into which target. */
  at: string;
  target: string;
}

const storedSummarySchema = z.strictObject({
  asOf: z.iso.datetime(),
  count: z.number().int().min(0),
  verifiedCount: z.number().int().min(0),
  newestVerified: z
    .strictObject({
      name: z.string(),
      takenAt: z.iso.datetime(),
      sizeBytes: z.number().int().min(0),
      configChanges: z.number().int().min(1).optional(),
    })
    .nullable(),
  newestRestoreVerified: z
    .strictObject({
      name: z.string(),
      takenAt: z.iso.datetime(),
      verified: z.boolean(),
      sizeBytes: z.number().int().min(0),
      at: z.iso.datetime(),
      target: z.string(),
    })
    .nullable()
    .optional(),
  lastRestoreVerification: z
    .strictObject({
      blobName: z.string(),
      at: z.iso.datetime(),
      target: z.string(),
      outcome: z.enum(OUTCOMES),
    })
    .nullable()
    .optional(),
});

/** The summary blob of a service. */
export function summaryBlobName(serviceName: string): string {
  return `_catalog/${serviceName.toLowerCase()}.json`;
}

/** Creates the store over a container client (its credential and pipeline are used as given). */
export function createBackupStore(
  container: ContainerClient,
  options: { pageSize?: number } = {},
): BackupStore {
  const pageSize = options.pageSize ?? PAGE_SIZE;
  const blob = (name: string): BlobClient => container.getBlobClient(name);
  // An unreadable summary is not an error: the caller falls back to listing.
  const summaries = recordStore<StoredCatalogSummary>({
    container,
    schema: storedSummarySchema,
    label: 'backup catalog',
    corrupt: 'absent',
  });

  return {
    async ensureContainer() {
      try {
        // No `access` option: the container is private (backups hold subscription keys).
        const res = await container.createIfNotExists();
        return { created: res.succeeded };
      } catch (error) {
        throw classifyStorageError(error, `creating container ${container.containerName}`);
      }
    },

    async list(serviceName, options = {}) {
      const includeMetadata = options.includeMetadata ?? true;
      const out: ListedBackup[] = [];
      try {
        const pages = container
          .listBlobsFlat({ prefix: servicePrefix(serviceName), includeMetadata })
          .byPage({ maxPageSize: pageSize });
        for await (const page of pages) {
          for (const item of page.segment.blobItems) {
            const parsed = parseBackupBlobName(item.name);
            if (parsed === undefined) continue;
            const metadata = item.metadata ?? {};
            out.push({
              name: item.name,
              takenAt: parsed.takenAt,
              verified: metadata['verified'] === 'true',
              sizeBytes: item.properties.contentLength ?? 0,
              ...restoreOf(metadata),
              ...configChangesOf(metadata),
              metadata,
            });
          }
        }
      } catch (error) {
        // No container yet means no backup has been taken yet (the first run creates it): the
        // report must say "no backups" (an RPO breach), not fail.
        if (storageErrorCode(error) === 'ContainerNotFound') return [];
        throw classifyStorageError(error, `listing backups of ${serviceName}`);
      }
      return out;
    },

    async verify(blobName, metadata) {
      const client = blob(blobName);
      let props;
      try {
        props = await client.getProperties();
      } catch (error) {
        if (isNotFound(error)) {
          throw new NonRetryableError(
            `backup blob ${blobName} does not exist although the backup operation succeeded`,
            { code: 'BackupBlobMissing' },
          );
        }
        throw classifyStorageError(error, `reading backup blob ${blobName}`);
      }
      const sizeBytes = props.contentLength ?? 0;
      if (sizeBytes <= 0)
        throw new NonRetryableError(`backup blob ${blobName} is empty`, { code: 'BackupBlobEmpty' });
      try {
        // ifMatch: if APIM rewrote the blob after we read its size, fail and let the caller retry.
        await client.setMetadata(
          {
            ...(props.metadata ?? {}),
            verified: 'true',
            service: metadata.service,
            region: metadata.region,
            tier: metadata.tier,
            takenat: metadata.takenAt,
          },
          props.etag === undefined ? {} : { conditions: { ifMatch: props.etag } },
        );
      } catch (error) {
        throw classifyStorageError(error, `recording verification on ${blobName}`);
      }
      return { sizeBytes };
    },

    async markRestoreVerified(blobName, mark) {
      const parsed = parseBackupBlobName(blobName);
      if (parsed === undefined)
        throw new NonRetryableError(`${blobName} is not a backup blob Lifeboat named`, {
          code: 'NotABackupBlob',
        });
      const client = blob(blobName);
      let props;
      try {
        props = await client.getProperties();
      } catch (error) {
        if (isNotFound(error))
          throw new NonRetryableError(`backup blob ${blobName} does not exist (deleted since the restore?)`, {
            code: 'BackupBlobMissing',
          });
        throw classifyStorageError(error, `reading backup blob ${blobName}`);
      }
      const existing = parseRestoreMark(props.metadata ?? {});
      if (!markReplaces(existing, mark))
        return { recorded: false, restoreVerified: countsAsRestoreVerified(existing) };
      try {
        // ifMatch: metadata is replaced as a whole, so a concurrent change (a verification, another
        // mark) must not be lost; the 412 is transient and the retry reads the blob again.
        await client.setMetadata(
          { ...(props.metadata ?? {}), ...restoreMarkMetadata(mark) },
          props.etag === undefined ? {} : { conditions: { ifMatch: props.etag } },
        );
      } catch (error) {
        if (statusOf(error) === 412)
          throw new TransientError(`${blobName} changed while its restore was recorded; retrying helps`, {
            code: 'ConditionNotMet',
            cause: error,
          });
        throw classifyStorageError(error, `recording the restore on ${blobName}`);
      }
      try {
        // The summary the last prune wrote does not know the mark. A prune that listed before the
        // mark and writes its summary after it hides the mark until the next prune (one backup
        // interval); pruning itself always lists, so it never loses the mark.
        await container.getBlobClient(summaryBlobName(parsed.serviceName)).deleteIfExists();
      } catch (error) {
        throw classifyStorageError(error, `dropping the catalog summary of ${parsed.serviceName}`);
      }
      return { recorded: true, restoreVerified: countsAsRestoreVerified(mark) };
    },

    async recordConfigChange(blobName, differenceCount) {
      const client = blob(blobName);
      let props;
      try {
        props = await client.getProperties();
      } catch (error) {
        if (isNotFound(error))
          throw new NonRetryableError(`backup blob ${blobName} does not exist`, {
            code: 'BackupBlobMissing',
          });
        throw classifyStorageError(error, `reading backup blob ${blobName}`);
      }
      try {
        await client.setMetadata(
          { ...(props.metadata ?? {}), configchanged: 'true', [CONFIG_CHANGES_KEY]: String(differenceCount) },
          props.etag === undefined ? {} : { conditions: { ifMatch: props.etag } },
        );
      } catch (error) {
        if (statusOf(error) === 412)
          throw new TransientError(
            `${blobName} changed while its configuration change was recorded; retrying helps`,
            {
              code: 'ConditionNotMet',
              cause: error,
            },
          );
        throw classifyStorageError(error, `recording the configuration change on ${blobName}`);
      }
    },

    async head(blobName) {
      try {
        const props = await blob(blobName).getProperties();
        return { sizeBytes: props.contentLength ?? 0, verified: props.metadata?.['verified'] === 'true' };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw classifyStorageError(error, `checking backup blob ${blobName}`);
      }
    },

    async deleteBatched(names, options = {}) {
      const batches: string[][] = [];
      for (let i = 0; i < names.length; i += MAX_BATCH) batches.push(names.slice(i, i + MAX_BATCH));
      const batchClient = container.getBlobBatchClient();
      const result: DeleteResult = { deleted: 0, alreadyGone: 0, requests: 0 };
      const failed: DeleteFailure[] = [];
      await runPool(batches, options.concurrency ?? 4, async (batch) => {
        let res;
        try {
          result.requests++;
          res = await batchClient.deleteBlobs(batch.map(blob), { deleteSnapshots: 'include' });
        } catch (error) {
          // The whole request failed (network, throttling, permissions): report its blobs as not
          // deleted, like any blob that cannot be deleted; the other batches still run, and the
          // next prune lists what really remains.
          const code = storageErrorCode(error);
          for (const name of batch) failed.push({ name, code });
          return;
        }
        // The SDK files each sub-response under its request's Content-ID, which is the blob's index
        // in the batch (BatchResponseParser), so subResponses[i] answers batch[i].
        batch.forEach((name, i) => {
          const sub = res.subResponses[i];
          if (sub === undefined) failed.push({ name, code: 'NoSubResponse' });
          else if (sub.status >= 200 && sub.status < 300) result.deleted++;
          else if (sub.status === 404) result.alreadyGone++;
          else failed.push({ name, code: sub.errorCode ?? `Http${sub.status}` });
        });
      });
      if (failed.length > 0) result.failed = failed;
      return result;
    },

    async deleteOneByOne(names, options = {}) {
      const result: DeleteResult = { deleted: 0, alreadyGone: 0, requests: 0 };
      await runPool(names, options.concurrency ?? 4, async (name) => {
        result.requests++;
        try {
          const res = await blob(name).deleteIfExists({ deleteSnapshots: 'include' });
          if (res.succeeded) result.deleted++;
          else result.alreadyGone++;
        } catch (error) {
          throw classifyStorageError(error, `deleting ${name}`);
        }
      });
      return result;
    },

    async writeSummary(serviceName, summary) {
      await summaries.put(summaryBlobName(serviceName), summary);
    },

    readSummary: async (serviceName) => (await summaries.read(summaryBlobName(serviceName)))?.value,
  };
}

/** The metadata key recording a configuration change during the backup (the number of differences). */
export const CONFIG_CHANGES_KEY = 'configchanges';

/** The `configChanges` field of a listed blob's entry, when its metadata records a change. */
function configChangesOf(metadata: Record<string, string>): { configChanges?: number } {
  const n = Number(metadata[CONFIG_CHANGES_KEY]);
  return Number.isInteger(n) && n > 0 ? { configChanges: n } : {};
}

/** The restore mark of a listed blob, as the optional `restore` field of its entry. */
function restoreOf(metadata: Record<string, string>): { restore?: RestoreMark } {
  const mark = parseRestoreMark(metadata);
  return mark === undefined ? {} : { restore: mark };
}

/** Runs `fn` over `items` with at most `concurrency` in flight; rejects with the first failure. */
async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}

import { RestError } from '@azure/core-rest-pipeline';
import type { ContainerClient } from '@azure/storage-blob';
import { z } from 'zod';
import { classifyStorageError } from './store';

/**
 * The record of backup POSTs APIM accepted, one small blob per backup blob
 * (`_operations/<service>/<backup blob file>.json`), next to the backups in their container.
 *
 * Why it exists: the host delivers an activity at least once, and an activity whose response was
 * lost is run again with the same input. The orchestration only knows what an activity returned,
 * so the begin activity itself must find out that its POST was already accepted; this record is
 * how (issue 14, defect 4). It also lets the next run find a backup its predecessor gave up on
 * (timed out, failed on polls) and verify it once it has completed (defect 5). The poll token in
 * it is a polling URL with no credential (the ARM call still needs a bearer token).
 */

/** One accepted backup operation. */
export interface AcceptedOperation {
  /** The poll token `beginBackup` returned. */
  token: string;
  /** When the POST was accepted (ISO, orchestration time of the run). */
  acceptedAt: string;
}

const recordSchema = z.strictObject({ token: z.string().min(1), acceptedAt: z.iso.datetime() });

/** What a HEAD of a backup blob says. */
export interface BlobState {
  sizeBytes: number;
  verified: boolean;
}

/** Reads and writes the records of accepted operations over the backup container. */
export interface OperationLog {
  /** The record for `blobName`, if a POST for it was accepted and not yet settled. */
  read(blobName: string): Promise<AcceptedOperation | undefined>;
  record(blobName: string, op: AcceptedOperation): Promise<void>;
  /** Every recorded operation of one service (backup blob name and record). Unreadable records are skipped. */
  list(serviceName: string): Promise<{ blobName: string; op: AcceptedOperation }[]>;
  /** Deletes the record (idempotent). */
  forget(blobName: string): Promise<void>;
  /** HEAD of the backup blob itself: undefined when it does not exist. */
  inspect(blobName: string): Promise<BlobState | undefined>;
}

const PREFIX = '_operations/';

/** The record blob of a backup blob. Its folder cannot clash with a service folder (names start with a letter). */
export function operationRecordName(blobName: string): string {
  return `${PREFIX}${blobName}.json`;
}

function isNotFound(error: unknown): boolean {
  return error instanceof RestError && error.statusCode === 404;
}

/** The operation log over a container client. */
export function createOperationLog(container: ContainerClient): OperationLog {
  const readRecord = async (recordName: string): Promise<AcceptedOperation | undefined> => {
    let text: string;
    try {
      text = (await container.getBlobClient(recordName).downloadToBuffer()).toString('utf8');
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw classifyStorageError(error, `reading ${recordName}`);
    }
    try {
      const parsed = recordSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  };

  return {
    read: (blobName) => readRecord(operationRecordName(blobName)),

    async record(blobName, op) {
      const body = JSON.stringify(op);
      try {
        await container
          .getBlockBlobClient(operationRecordName(blobName))
          .upload(body, Buffer.byteLength(body), {
            blobHTTPHeaders: { blobContentType: 'application/json' },
          });
      } catch (error) {
        throw classifyStorageError(error, `recording the accepted backup of ${blobName}`);
      }
    },

    async list(serviceName) {
      const prefix = `${PREFIX}${serviceName.toLowerCase()}/`;
      const names: string[] = [];
      try {
        for await (const item of container.listBlobsFlat({ prefix })) names.push(item.name);
      } catch (error) {
        if (error instanceof RestError && error.code === 'ContainerNotFound') return [];
        throw classifyStorageError(error, `listing accepted backups of ${serviceName}`);
      }
      const out: { blobName: string; op: AcceptedOperation }[] = [];
      for (const name of names) {
        const op = await readRecord(name);
        if (op !== undefined) out.push({ blobName: name.slice(PREFIX.length, -'.json'.length), op });
      }
      return out;
    },

    async forget(blobName) {
      try {
        await container.getBlobClient(operationRecordName(blobName)).deleteIfExists();
      } catch (error) {
        throw classifyStorageError(error, `removing the record of ${blobName}`);
      }
    },

    async inspect(blobName) {
      try {
        const props = await container.getBlobClient(blobName).getProperties();
        return { sizeBytes: props.contentLength ?? 0, verified: props.metadata?.['verified'] === 'true' };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw classifyStorageError(error, `reading backup blob ${blobName}`);
      }
    },
  };
}

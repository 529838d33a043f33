import type { ContainerClient } from '@azure/storage-blob';
import { z } from 'zod';
import { classifyStorageError, isNotFound, recordStore } from '../storage';

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

/** The operation log over a container client. */
export function createOperationLog(container: ContainerClient): OperationLog {
  // An unreadable record counts as none: the begin then POSTs, which APIM refuses while the
  // recorded operation still runs (the run retries), so nothing is lost but a wait.
  const records = recordStore({
    container,
    schema: recordSchema,
    label: 'accepted backups',
    corrupt: 'absent',
  });

  return {
    read: async (blobName) => (await records.read(operationRecordName(blobName)))?.value,

    async record(blobName, op) {
      await records.put(operationRecordName(blobName), op);
    },

    async list(serviceName) {
      const out: { blobName: string; op: AcceptedOperation }[] = [];
      for (const name of await records.list(`${PREFIX}${serviceName.toLowerCase()}/`)) {
        const found = await records.read(name);
        if (found !== undefined)
          out.push({ blobName: name.slice(PREFIX.length, -'.json'.length), op: found.value });
      }
      return out;
    },

    async forget(blobName) {
      await records.remove(operationRecordName(blobName));
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

import type { ContainerClient } from '@azure/storage-blob';
import { z } from 'zod';
import type { ApimClient, BackupRestoreRequest, OperationPoll } from '../apim/port';
import type { ApimServiceId } from '../azure/resourceId';
import { errorMessage } from '../errors';
import { recordStore } from '../storage';
import { restoreInstanceId } from './run';

/**
 * "POST at most once" for restores, as shared/backups/operations.ts and begin.ts do it for
 * backups (issue 14, defect 4). The host delivers an activity at least once: a `beginApimRestore`
 * whose completion was lost runs again with the same input, and its second POST would be refused
 * with 409 ServiceLocked by the first one's running restore (then retried by the run until the
 * restore ends, and POSTed again: a second overwrite of the target) or, after the first ended,
 * accepted outright. So the begin records the accepted POST before it returns its token, and a
 * begin that finds the record of its own run returns that token instead of POSTing.
 *
 * One record per target (`_operations/_restores/<restore instance id>.json`, beside the backups'
 * `_operations/<service>/...`; the `_` folder cannot clash with a service name), overwritten by
 * the next run's accepted POST: one restore runs per target at a time (the singleton), and a run
 * is told apart by its `runId` (the orchestration's deterministic GUID), not by the instance id,
 * which every restore into the target shares. The record holds a polling URL and no credential.
 */

/** One accepted restore POST. */
export interface AcceptedRestore {
  /** The run that sent it (`context.df.newGuid` of the restore orchestration). */
  runId: string;
  backupName: string;
  /** The poll token `beginRestore` returned. */
  token: string;
  /** When the POST was accepted (ISO, orchestration time). */
  acceptedAt: string;
}

const recordSchema = z.strictObject({
  runId: z.string().min(1),
  backupName: z.string().min(1),
  token: z.string().min(1),
  acceptedAt: z.iso.datetime(),
});

/** Reads and writes the accepted restore of each target. */
export interface RestoreOperationLog {
  /** The last accepted restore POST into the target, if any (unreadable records count as none). */
  read(targetResourceId: string): Promise<AcceptedRestore | undefined>;
  record(targetResourceId: string, op: AcceptedRestore): Promise<void>;
}

/** The record blob of a target (every spelling of its id gives the same name). */
export function restoreRecordName(targetResourceId: string): string {
  return `_operations/_restores/${restoreInstanceId(targetResourceId)}.json`;
}

/** The restore operation log over the backup container. */
export function createRestoreOperationLog(container: ContainerClient): RestoreOperationLog {
  const records = recordStore({
    container,
    schema: recordSchema,
    label: 'accepted restores',
    corrupt: 'absent',
  });
  return {
    read: async (targetResourceId) => (await records.read(restoreRecordName(targetResourceId)))?.value,
    async record(targetResourceId, op) {
      await records.put(restoreRecordName(targetResourceId), op);
    },
  };
}

/** What {@link beginRestoreOnce} needs. */
export interface BeginRestoreDeps {
  apim: ApimClient;
  operations: RestoreOperationLog;
  /** Informational lines (a record that could not be written). */
  log?: (message: string) => void;
}

/** One restore to begin. */
export interface BeginRestore {
  target: ApimServiceId;
  runId: string;
  request: BackupRestoreRequest;
  /** Orchestration time, recorded as the acceptance time. */
  now: Date;
}

/** The begin's answer after at most one POST per run. */
export type BeginRestoreResult =
  | { status: 'running'; token: string; retryAfterMs: number | undefined }
  | { status: 'succeeded'; completedAt?: string };

/** Sends the restore POST for run `b.runId` unless that run's POST was already accepted. */
export async function beginRestoreOnce(deps: BeginRestoreDeps, b: BeginRestore): Promise<BeginRestoreResult> {
  const mine = async () => {
    const known = await deps.operations.read(b.target.resourceId);
    return known?.runId === b.runId ? known : undefined;
  };
  const known = await mine();
  if (known !== undefined) return { status: 'running', token: known.token, retryAfterMs: undefined };

  let begun: OperationPoll;
  try {
    begun = await deps.apim.beginRestore(b.target, b.request);
  } catch (error) {
    // Two deliveries of this begin at once: the one whose POST lost is refused with 409
    // ServiceLocked by the other's running restore, which may have been recorded by now.
    if ((error as { code?: unknown }).code === 'ServiceLocked') {
      const again = await mine();
      if (again !== undefined) return { status: 'running', token: again.token, retryAfterMs: undefined };
    }
    throw error;
  }
  if (begun.status === 'succeeded')
    return begun.completedAt === undefined
      ? { status: 'succeeded' }
      : { status: 'succeeded', completedAt: begun.completedAt };
  const retryAfterMs = begun.status === 'running' ? begun.retryAfterMs : undefined;
  try {
    await deps.operations.record(b.target.resourceId, {
      runId: b.runId,
      backupName: b.request.backupName,
      token: begun.token,
      acceptedAt: b.now.toISOString(),
    });
  } catch (error) {
    // The restore is running; failing here would make the run retry the begin and POST into it.
    // Without the record only a second delivery of this activity could POST again.
    deps.log?.(`${b.target.resourceId}: the accepted restore could not be recorded: ${errorMessage(error)}`);
  }
  return { status: 'running', token: begun.token, retryAfterMs };
}

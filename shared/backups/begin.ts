import type { ApimClient, BackupRestoreRequest, OperationPoll, OperationWatch } from '../apim/port';
import { parseApimResourceId, type ApimServiceId } from '../azure/resourceId';
import { errorMessage, NonRetryableError, TransientError } from '../errors';
import { parseBackupBlobName } from './naming';
import type { BlobState, OperationLog } from './operations';
import type { BackupStore } from './store';

/**
 * Starting a backup exactly once per blob, and settling what earlier runs left running (issue 14,
 * defects 4 and 5). The rules:
 * - once APIM accepted a POST for a blob (202 with its Location), nothing POSTs for that blob
 *   again: the accepted operation is recorded (operations.ts) before the token is returned, and a
 *   begin that finds the record (a retry, a second delivery of the activity) returns its token;
 * - a begin that finds the blob already written returns `succeeded` (verification follows);
 * - before its POST, a run settles the accepted operations of earlier runs of the service that
 *   are still unverified and within the retention: a completed one has its blob verified (so the
 *   prune that ends this run does not treat it as a leftover), a failed one is forgotten (its blob,
 *   if any, stays unverified and goes with the retention), a running one is left for later.
 */

/** What `beginBackupOnce` needs. */
export interface BeginDeps {
  apim: ApimClient;
  operations: OperationLog;
  store: Pick<BackupStore, 'verify'>;
  /** Retention in days: older records are not settled, only forgotten (the prune owns old blobs). */
  retentionDays: number;
  /** Informational lines (what was settled, a record that could not be written). */
  log?: (message: string) => void;
}

/** One backup to begin. */
export interface BeginBackup {
  service: ApimServiceId;
  serviceName: string;
  blobName: string;
  request: BackupRestoreRequest;
  /** Region and tier recorded on blobs verified while settling (from this run's preflight). */
  verifyAs?: { region: string; tier: string };
}

/** The begin's answer: the operation's state after at most one POST. */
export type BeginResult =
  { status: 'running'; token: string; retryAfterMs: number | undefined } | { status: 'succeeded' };

const DAY_MS = 24 * 60 * 60 * 1000;

/** Begins the backup into `b.blobName` unless a POST for it was already accepted. */
export async function beginBackupOnce(deps: BeginDeps, b: BeginBackup): Promise<BeginResult> {
  const takenAt = parseBackupBlobName(b.blobName)?.takenAt;
  if (takenAt === undefined)
    throw new NonRetryableError(`${b.blobName} is not a backup blob name Lifeboat writes`, {
      code: 'InvalidInput',
    });
  if (b.verifyAs !== undefined) await settleEarlier(deps, b, takenAt, b.verifyAs);

  const known = await deps.operations.read(b.blobName);
  if (known !== undefined) return { status: 'running', token: known.token, retryAfterMs: undefined };
  const blob = await deps.operations.inspect(b.blobName);
  if (blob !== undefined && blob.sizeBytes > 0) return { status: 'succeeded' };

  let poll: OperationPoll;
  try {
    poll = await deps.apim.beginBackup(b.service, b.request);
  } catch (error) {
    // Two deliveries of this begin at once: the one whose POST lost is refused with 409
    // ServiceLocked by the other's running backup, which may have been recorded by now.
    if ((error as { code?: unknown }).code === 'ServiceLocked') {
      const again = await deps.operations.read(b.blobName);
      if (again !== undefined) return { status: 'running', token: again.token, retryAfterMs: undefined };
    }
    throw error;
  }
  if (poll.status === 'succeeded') return { status: 'succeeded' };
  if (poll.status === 'unobservable')
    return { status: 'running', token: poll.token, retryAfterMs: undefined };
  try {
    await deps.operations.record(b.blobName, { token: poll.token, acceptedAt: takenAt.toISOString() });
  } catch (error) {
    // The backup is running; failing here would make the orchestration retry the begin and POST
    // into it. Without the record only a second delivery of this activity could POST again.
    deps.log?.(`${b.blobName}: the accepted backup could not be recorded: ${errorMessage(error)}`);
  }
  return { status: 'running', token: poll.token, retryAfterMs: poll.retryAfterMs };
}

/**
 * Settles earlier runs' accepted backups of the service (see the file comment). Never throws: a
 * record that cannot be settled now is tried again by the next run. Returns the blobs verified.
 */
export async function settleEarlier(
  deps: BeginDeps,
  b: Pick<BeginBackup, 'serviceName' | 'blobName'> & { service?: ApimServiceId },
  now: Date,
  verifyAs: { region: string; tier: string },
): Promise<string[]> {
  const cutoff = now.getTime() - deps.retentionDays * DAY_MS;
  const verified: string[] = [];
  let records;
  try {
    records = await deps.operations.list(b.serviceName);
  } catch (error) {
    deps.log?.(`${b.serviceName}: earlier backups not settled: ${errorMessage(error)}`);
    return verified;
  }
  for (const { blobName, op } of records) {
    if (blobName === b.blobName) continue;
    try {
      const takenAt = parseBackupBlobName(blobName)?.takenAt;
      const blob = await deps.operations.inspect(blobName);
      if (takenAt === undefined || takenAt.getTime() < cutoff || blob?.verified === true) {
        await deps.operations.forget(blobName);
        continue;
      }
      const state = await operationState(deps.apim, op.token, blob, b.service);
      if (state === 'running') continue;
      if (state === 'completed') {
        await deps.store.verify(blobName, {
          service: b.serviceName,
          region: verifyAs.region,
          tier: verifyAs.tier,
          takenAt: takenAt.toISOString(),
        });
        verified.push(blobName);
        deps.log?.(`${blobName}: completed after its run ended; verified now`);
      } else {
        deps.log?.(`${blobName}: its backup operation failed; the blob (if any) stays unverified`);
      }
      await deps.operations.forget(blobName);
    } catch (error) {
      // A blob that will never verify (empty, gone): stop asking. Anything else: next run.
      if (error instanceof NonRetryableError) await deps.operations.forget(blobName).catch(() => undefined);
      deps.log?.(`${blobName}: not settled: ${errorMessage(error)}`);
    }
  }
  return verified;
}

/** Whether a management operation (ours, while it runs) still holds the service. */
function isTransitioning(info: { provisioningState: string; targetProvisioningState: string }): boolean {
  const state = info.provisioningState.toLowerCase();
  return (state !== 'succeeded' && state !== 'failed') || info.targetProvisioningState !== '';
}

/**
 * One poll of an earlier operation: completed, failed, or still running (or unknown for now). A
 * transient answer is read as {@link pollBackupOnce} reads it: the blob written → completed; the
 * service idle without it → failed (an operation that failed with a 5xx repeats it on every poll).
 */
async function operationState(
  apim: ApimClient,
  token: string,
  blob: BlobState | undefined,
  service: ApimServiceId | undefined,
): Promise<'completed' | 'failed' | 'running'> {
  let poll: OperationPoll;
  try {
    poll = await apim.pollOnce(token);
  } catch (error) {
    // The operation failed (or expired at ARM): nothing left to wait for.
    if (error instanceof NonRetryableError) return 'failed';
    if (error instanceof TransientError) {
      if (blob !== undefined && blob.sizeBytes > 0) return 'completed';
      const info = service === undefined ? undefined : await apim.getService(service).catch(() => undefined);
      if (info !== undefined && !isTransitioning(info)) return 'failed';
    }
    throw error;
  }
  if (poll.status === 'succeeded') return 'completed';
  if (poll.status === 'unobservable' && poll.watch.kind === 'blob')
    return isWritten(poll.watch, blob) ? 'completed' : 'running';
  return 'running';
}

/**
 * Whether the watched effect of a backup whose result cannot be read (403 on its poll) is there:
 * its blob exists and is not empty (APIM writes the blob as the operation's last step; a partial
 * blob would fail verification's sequel, the restore, not pass silently). A restore watches its
 * target service instead (see {@link pollBackupOnce}).
 */
export function isWritten(
  watch: Extract<OperationWatch, { kind: 'blob' }>,
  blob: BlobState | undefined,
): boolean {
  return watch.kind === 'blob' && blob !== undefined && blob.sizeBytes > 0;
}

/** One poll's answer for the orchestration (see {@link pollBackupOnce}). */
export type BackupPoll =
  | {
      status: 'running';
      token: string;
      retryAfterMs: number | undefined;
      /** What is watched because the operation cannot be read (403 on its poll). */
      watching?: 'blob' | 'service';
      /** `watching: 'service'`: the target's state now (shared/restore/watch.ts decides from it). */
      target?: { provisioningState: string; transitioning: boolean };
    }
  /** `completedAt`: when the operation completed as the service reported it, if it did. */
  | { status: 'succeeded'; completedAt?: string }
  | { status: 'lost'; reason: string };

/**
 * One poll of the current run's operation, falling back to its watch when the operation cannot be
 * read: for a backup, `succeeded` once the watched blob is there, else `running` until the run's
 * deadline; for a restore, `running` with the target service's state (`watching: 'service'`),
 * which the restore run judges with what it saw before (shared/restore/watch.ts). A success
 * carries the completion time the service reported, if any (shared/apim/completion.ts).
 *
 * A transient error on the poll (5xx, 429, no answer) is either a hiccup while the operation runs
 * or the operation's own end: an operation that failed with a 5xx answers every later poll with
 * it. The service and the blob tell which, when `backup` is given: the blob written → succeeded;
 * the service still transitioning → the error is rethrown and the poll retried (never a new
 * POST into the running backup); the service idle without the blob → `lost`: the operation ended
 * without a backup, its record is dropped, and the run may start a new one.
 */
export async function pollBackupOnce(
  deps: Pick<BeginDeps, 'apim' | 'operations'>,
  token: string,
  backup?: { service: ApimServiceId; blobName: string },
): Promise<BackupPoll> {
  let poll: OperationPoll;
  try {
    poll = await deps.apim.pollOnce(token);
  } catch (error) {
    if (!(error instanceof TransientError) || backup === undefined) throw error;
    const blob = await deps.operations.inspect(backup.blobName);
    if (isWritten({ kind: 'blob', name: backup.blobName }, blob)) return { status: 'succeeded' };
    const info = await deps.apim.getService(backup.service).catch(() => undefined);
    if (info === undefined || isTransitioning(info)) throw error;
    await deps.operations.forget(backup.blobName);
    return {
      status: 'lost',
      reason: `the backup operation ended without a backup (the service is ${info.provisioningState}; the poll answered: ${errorMessage(error)})`,
    };
  }
  if (poll.status === 'succeeded')
    return poll.completedAt === undefined
      ? { status: 'succeeded' }
      : { status: 'succeeded', completedAt: poll.completedAt };
  if (poll.status === 'running') return poll;
  if (poll.watch.kind === 'service') {
    // A restore that cannot be read: report the target's state; whether it means "done" is the
    // restore's decision (it needs what earlier polls saw: shared/restore/watch.ts).
    const parsed = parseApimResourceId(poll.watch.resourceId);
    if (!parsed.ok)
      throw new NonRetryableError(`poll token: watched service ${parsed.error}`, {
        code: 'InvalidPollToken',
      });
    const info = await deps.apim.getService(parsed.value);
    return {
      status: 'running',
      token: poll.token,
      retryAfterMs: undefined,
      watching: 'service',
      target: { provisioningState: info.provisioningState, transitioning: isTransitioning(info) },
    };
  }
  const blob = await deps.operations.inspect(poll.watch.name);
  return isWritten(poll.watch, blob)
    ? { status: 'succeeded' }
    : { status: 'running', token: poll.token, retryAfterMs: undefined, watching: poll.watch.kind };
}

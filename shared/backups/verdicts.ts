import type { Problem } from '../errors';
import type { ApimOperationPoll, WriteBackupManifestOutput } from './contracts';
import type { PreflightDecision } from './preflight';
import type { BackupProgress, BackupRunResult, ManifestReport, PruneReport } from './run';

/**
 * What a backup run makes of its answers (pure: the orchestration only sequences). The preflight
 * verdicts serve restores too: a restore target's preflight decides with the same rules
 * (shared/backups/preflight.ts).
 */

/** What a backup's poll watches: the operation (undefined), or the blob when the operation cannot be read (403). */
export type BackupWatching = 'blob' | 'service' | undefined;

/** A refusal when a run is started under another instance id than the singleton's. */
export function notSingleton(subject: string, expectedId: string, route: string): Problem {
  return {
    code: 'NotSingleton',
    message: `${subject} use the instance id ${expectedId}: start them with POST ${route}`,
  };
}

/** What the preflight waits for (`subject` transitioning), or undefined when it need not wait. */
export function preflightWait(subject: string, decision: PreflightDecision): Problem | undefined {
  return decision.kind === 'wait'
    ? { code: 'ServiceTransitioning', message: `${subject}: ${decision.reason}` }
    : undefined;
}

/** Why `subject` is refused (its tier, its workspaces, a failed service), or undefined when it may go on. */
export function preflightRefusal(subject: string, decision: PreflightDecision): Problem | undefined {
  return decision.kind === 'unsupported'
    ? { code: decision.code, message: `${subject}: ${decision.reason}` }
    : undefined;
}

/** One running poll of a backup: remember what is watched; the operation's own end stops the polls. */
export function observeBackupPoll(
  _watching: BackupWatching,
  answer: Extract<ApimOperationPoll, { status: 'running' }>,
): { state: BackupWatching; stop: false } {
  return { state: answer.watching, stop: false };
}

/** The status while the run waits between polls: until when, and for what. */
export function backupPolling(nextCheckAt: Date, watching: BackupWatching): Partial<BackupProgress> {
  return {
    percent: 15,
    nextCheckAt: nextCheckAt.toISOString(),
    waitingFor:
      watching === 'blob'
        ? 'the backup blob (the operation cannot be read: 403 on its poll)'
        : 'the backup operation at API Management',
  };
}

/** The timeout of a backup whose operation was still running (or whose blob never came). */
export function backupTimeout(serviceName: string, timeoutMs: number, watching: BackupWatching): Problem {
  const minutes = Math.round(timeoutMs / 60000);
  return {
    code: 'BackupTimeout',
    message:
      watching === 'blob'
        ? `${serviceName}: backup blob not written ${minutes} minutes after the accepted POST (the operation cannot be read: 403 on its poll)`
        : `${serviceName}: backup still running after ${minutes} minutes`,
  };
}

/** An operation that ended without a backup: the run begins again, within its budget. */
export function backupLost(serviceName: string, reason: string): Problem {
  return { code: 'BackupOperationLost', message: `${serviceName}: ${reason}` };
}

/** What a backup run's status and result show of the run so far (mutated by the orchestration). */
export interface BackupRunView {
  readonly serviceName: string;
  polls: number;
  /** Named once the backup was started. */
  blobName?: string;
}

/** The custom status of a backup run in `phase`. */
export function backupProgress(
  view: BackupRunView,
  retries: number,
  phase: BackupProgress['phase'],
  extra: Partial<BackupProgress> = {},
): BackupProgress {
  return {
    phase,
    serviceName: view.serviceName,
    retries,
    polls: view.polls,
    ...extra,
    ...(view.blobName === undefined ? {} : { blobName: view.blobName }),
  };
}

/** How a backup run ends (the fields that vary with the ending). */
export type BackupEnding = Pick<
  BackupRunResult,
  'outcome' | 'error' | 'sizeBytes' | 'pruned' | 'prune' | 'takenAt' | 'manifest'
>;

/** A backup run's result. */
export function backupResult(view: BackupRunView, retries: number, ending: BackupEnding): BackupRunResult {
  return {
    serviceName: view.serviceName,
    ...ending,
    ...(view.blobName === undefined ? {} : { blobName: view.blobName }),
    retries,
    polls: view.polls,
  };
}

/** The fields of a backup run's log line. */
export function backupLogDetails(
  view: BackupRunView,
  retries: number,
  durationMs: number,
): Record<string, unknown> {
  return {
    service: view.serviceName,
    serviceName: view.serviceName,
    blobName: view.blobName ?? null,
    retries,
    polls: view.polls,
    durationMs,
  };
}

/** A verified backup's ending: the prune and the manifest are reported beside it, never fatal to it. */
export function backedUp(
  takenAt: Date,
  sizeBytes: number,
  prune: PruneReport,
  manifest: ManifestReport,
): BackupEnding {
  return {
    outcome: 'succeeded',
    takenAt: takenAt.toISOString(),
    sizeBytes,
    pruned: prune.deleted,
    prune,
    manifest,
  };
}

/**
 * The manifest step's report: the manifest written beside the backup, the configuration change
 * seen during the backup (issue 22), or why the change could not be told (`before`: the problem
 * of the read before the POST, when it failed). Never fatal.
 */
export function manifestReportOf(written: WriteBackupManifestOutput, before?: Problem): ManifestReport {
  const notChecked =
    written.changeChecked === false
      ? {
          changeNotChecked: {
            code: before?.code ?? 'ManifestNotReadBefore',
            message: `the manifest was not read before the backup's POST${before === undefined ? '' : ` (${before.message})`}: a configuration change during the backup cannot be told`,
          },
        }
      : {};
  return {
    outcome: 'succeeded',
    blobName: written.blobName,
    counts: written.counts,
    ...(written.configChangedDuringBackup === undefined
      ? {}
      : { configChangedDuringBackup: written.configChangedDuringBackup }),
    ...notChecked,
  };
}

/** A manifest that could not be written. */
export function manifestNotWritten(error: Problem): ManifestReport {
  return { outcome: 'failed', error };
}

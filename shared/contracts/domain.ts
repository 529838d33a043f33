/**
 * Pure decisions about what on-premises status values mean, shared by the agent (to choose an
 * outcome) and the app (to decide whether to keep polling). Facts:
 * docs/reference/onprem-commands.md.
 */

/** Lync Backup Service module names the sync and status cmdlets accept. */
export const LYNC_BACKUP_MODULES = [
  'UserServices.PresenceFocus',
  'ConfServices.DataConf',
  'CentralMgmt.CMSMaster',
  'ApplicationServer.RGSDataStore',
  'ApplicationServer.RGSFileStore',
] as const;
export type LyncBackupModule = (typeof LYNC_BACKUP_MODULES)[number];
/** The module holding conference content, the default for sync and status. */
export const DEFAULT_LYNC_MODULE: LyncBackupModule = 'ConfServices.DataConf';

export const LYNC_EXPORT_STATUSES = [
  'SteadyState',
  'FinalState',
  'NonSteadyState',
  'NotInitialized',
  'ErrorState',
] as const;
export type LyncExportStatus = (typeof LYNC_EXPORT_STATUSES)[number];
export const LYNC_IMPORT_STATUSES = ['NormalState', 'ErrorState'] as const;
export type LyncImportStatus = (typeof LYNC_IMPORT_STATUSES)[number];

/** Where a long-running on-premises operation stands. */
export type ProgressState = 'done' | 'inProgress' | 'failed';

/**
 * Normalises an ExportStatus/ImportStatus as printed by `Get-CsBackupServiceStatus` or written in
 * Microsoft's procedure ("Steady State" with a space): whitespace is removed, case is kept.
 * Returns the text unchanged when it is not a known value, so the schema can refuse it by name.
 */
export function normaliseLyncStatus(text: string): string {
  return text.replace(/\s+/g, '');
}

/**
 * What one Backup Service reading says: ErrorState on either side is a failure; ExportStatus
 * SteadyState with ImportStatus NormalState is done, the one state Microsoft's procedure names
 * ("Steady State"); anything else, FinalState included (the procedure does not name it), is in
 * progress. Whether a steady reading proves that a given sync finished is the flow's decision
 * (shared/onprem/lync.ts): a reading taken before the sync moved the state proves nothing.
 */
export function lyncStatusState(
  exportStatus: LyncExportStatus,
  importStatus: LyncImportStatus,
): ProgressState {
  if (exportStatus === 'ErrorState' || importStatus === 'ErrorState') return 'failed';
  if (exportStatus === 'SteadyState' && importStatus === 'NormalState') return 'done';
  return 'inProgress';
}

/** `Msvm_ReplicationService` method return codes and their documented meaning. */
export const HYPERV_RETURN_CODES: Readonly<Record<number, string>> = Object.freeze({
  0: 'Completed with No Error',
  4096: 'Method Parameters Checked - Job Started',
  32768: 'Failed',
  32769: 'Access Denied',
  32770: 'Not Supported',
  32771: 'Status is unknown',
  32772: 'Timeout',
  32773: 'Invalid parameter',
  32774: 'System is in use',
  32775: 'Invalid state for this operation',
  32776: 'Incorrect data type',
  32777: 'System is not available',
  32778: 'Out of memory',
  32779: 'File not found',
});

/** The documented meaning of a WMI return code (`Unknown return code <n>` otherwise). */
export function hypervReturnMeaning(code: number): string {
  return HYPERV_RETURN_CODES[code] ?? `Unknown return code ${code}`;
}

/** What a return code of `InitiateFailback` asks the caller to do next. */
export type ReturnCodeAction = 'completed' | 'pollJob' | 'rereadState' | 'retry' | 'failed';

/**
 * 0 completed; 4096 poll the job; 32775 (invalid state: often already applied), 32771 (status
 * unknown) and 32772 (timeout) re-read the replication state, since the call may have taken
 * effect; 32774 (system in use) and 32777 (system not available) may pass: retry with backoff
 * within the step's budget; every other code is final.
 */
export function hypervReturnAction(code: number): ReturnCodeAction {
  if (code === 0) return 'completed';
  if (code === 4096) return 'pollJob';
  if (code === 32775 || code === 32771 || code === 32772) return 'rereadState';
  if (code === 32774 || code === 32777) return 'retry';
  return 'failed';
}

/** Whether a failure code from the agent is a temporary WMI answer worth retrying (32774, 32777). */
export function isRetryableWmiCode(code: string): boolean {
  return code === 'wmi-32774' || code === 'wmi-32777';
}

/**
 * Hyper-V Replica replication states as Lifeboat names them (`Get-VMReplication`'s `State`, with
 * the reference's `WaitingForFailback` / `FailbackCompleted` names). Anything else is `Unknown`.
 */
export const REPLICATION_STATES = [
  'Disabled',
  'ReadyForInitialReplication',
  'InitialReplicationInProgress',
  'WaitingForInitialReplication',
  'Replicating',
  'PreparedForFailover',
  'FailedOverWaitingCompletion',
  'FailedOver',
  'Suspended',
  'Error',
  'WaitingForStartResynchronize',
  'Resynchronizing',
  'ResynchronizeSuspended',
  'RecoveryInProgress',
  'FailbackInProgress',
  'WaitingForFailback',
  'FailbackCompleted',
  'Unknown',
] as const;
export type ReplicationState = (typeof REPLICATION_STATES)[number];

/**
 * A VM's Hyper-V Replica role (Msvm_ComputerSystem.ReplicationMode: 0 None, 1 Primary, 2 Recovery
 * (the replica), 3 Test replica, 4 Extended replica). InitiateFailback works on a recovery VM:
 * `Replica` here.
 */
export const REPLICATION_MODES = [
  'None',
  'Primary',
  'Replica',
  'TestReplica',
  'ExtendedReplica',
  'Unknown',
] as const;
export type ReplicationMode = (typeof REPLICATION_MODES)[number];

/** After a 32775 (or a restart mid-failback): the VM is already where InitiateFailback takes it. */
export function isFailbackAlreadyApplied(state: ReplicationState): boolean {
  return state === 'WaitingForFailback' || state === 'FailbackInProgress' || state === 'FailbackCompleted';
}

/** CIM_ConcreteJob JobState names (values 2-11 of the CIM schema). */
export const JOB_STATES = [
  'New',
  'Starting',
  'Running',
  'Suspended',
  'ShuttingDown',
  'Completed',
  'Terminated',
  'Killed',
  'Exception',
  'Service',
] as const;
export type JobState = (typeof JOB_STATES)[number];

/** CIM JobState number → name (2 New … 11 Service); `undefined` for other numbers. */
export function jobStateName(value: number): JobState | undefined {
  return JOB_STATES[value - 2];
}

/** Completed (with error code 0) is done; Terminated, Killed, Exception or a non-zero error code failed. */
export function jobProgress(state: JobState, errorCode = 0): ProgressState {
  if (state === 'Completed') return errorCode === 0 ? 'done' : 'failed';
  if (state === 'Terminated' || state === 'Killed' || state === 'Exception') return 'failed';
  return 'inProgress';
}

import { describe, expect, it } from 'vitest';
import {
  LYNC_EXPORT_STATUSES,
  LYNC_IMPORT_STATUSES,
  COMMAND_TYPES,
  commandKind,
  hypervReturnAction,
  hypervReturnMeaning,
  isAllowedInMode,
  isFailbackAlreadyApplied,
  jobProgress,
  jobStateName,
  lyncStatusState,
  normaliseLyncStatus,
} from '../../../shared/contracts';

describe('lyncStatusState', () => {
  // Issue 22 item 3: the procedure names only "Steady State"; FinalState is no longer done here.
  it('is done only for SteadyState with NormalState, failed on any ErrorState', () => {
    const table: string[] = [];
    for (const e of LYNC_EXPORT_STATUSES)
      for (const i of LYNC_IMPORT_STATUSES) table.push(`${e}/${i}=${lyncStatusState(e, i)}`);
    expect(table).toEqual([
      'SteadyState/NormalState=done',
      'SteadyState/ErrorState=failed',
      'FinalState/NormalState=inProgress',
      'FinalState/ErrorState=failed',
      'NonSteadyState/NormalState=inProgress',
      'NonSteadyState/ErrorState=failed',
      'NotInitialized/NormalState=inProgress',
      'NotInitialized/ErrorState=failed',
      'ErrorState/NormalState=failed',
      'ErrorState/ErrorState=failed',
    ]);
  });
  it('accepts the documented spelling "Steady State"', () => {
    expect(normaliseLyncStatus('Steady State')).toBe('SteadyState');
  });
});

describe('Hyper-V return codes and jobs', () => {
  it('maps codes to meanings and next actions', () => {
    expect(hypervReturnMeaning(4096)).toBe('Method Parameters Checked - Job Started');
    expect(hypervReturnMeaning(32775)).toBe('Invalid state for this operation');
    expect(hypervReturnMeaning(12)).toBe('Unknown return code 12');
    expect([0, 4096, 32775, 32768, 32769].map(hypervReturnAction)).toEqual([
      'completed',
      'pollJob',
      'rereadState',
      'failed',
      'failed',
    ]);
    // Issue 22 item 7: every documented code, one by one.
    const actions = Object.fromEntries(
      [32768, 32769, 32770, 32771, 32772, 32773, 32774, 32775, 32776, 32777, 32778, 32779, 1].map((c) => [
        c,
        hypervReturnAction(c),
      ]),
    );
    expect(actions).toEqual({
      1: 'failed',
      32768: 'failed',
      32769: 'failed',
      32770: 'failed',
      32771: 'rereadState',
      32772: 'rereadState',
      32773: 'failed',
      32774: 'retry',
      32775: 'rereadState',
      32776: 'failed',
      32777: 'retry',
      32778: 'failed',
      32779: 'failed',
    });
  });
  it('reads job states', () => {
    expect(jobStateName(7)).toBe('Completed');
    expect(jobStateName(1)).toBeUndefined();
    expect(jobProgress('Completed')).toBe('done');
    expect(jobProgress('Completed', 5)).toBe('failed');
    expect(jobProgress('Exception')).toBe('failed');
    expect(jobProgress('Running')).toBe('inProgress');
  });
  it('knows when a failback was already applied', () => {
    expect(isFailbackAlreadyApplied('WaitingForFailback')).toBe(true);
    expect(isFailbackAlreadyApplied('FailbackCompleted')).toBe(true);
    expect(isFailbackAlreadyApplied('FailedOver')).toBe(false);
  });
});

describe('drill rule', () => {
  it('refuses exactly the state-changing types in drill mode', () => {
    const refused = COMMAND_TYPES.filter((t) => !isAllowedInMode(t, 'drill'));
    expect(refused.sort()).toEqual([
      'hyperv.initiateFailback',
      'lync.backupSync',
      'pchat.ensureLegacyEndpoint',
    ]);
    expect(COMMAND_TYPES.every((t) => isAllowedInMode(t, 'failover'))).toBe(true);
    expect(commandKind('hyperv.startTestFailover')).toBe('testFailover');
  });
});

import { describe, expect, it } from 'vitest';
import type { RestoreRunResult } from '../../../shared/restore/run';
import {
  completionTimings,
  observeRestorePoll,
  RESTORE_WATCH_START,
  restoreLogDetails,
  restoreLost,
  restoreNotRun,
  restorePolling,
  restoreProgress,
  restoreResult,
  restoreStarted,
  restoreTargetFailed,
  restoreTimeout,
  smokeCheckVerdict,
  verificationFailure,
} from '../../../shared/restore/verdicts';

const TARGET = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/standby';
const running = { status: 'running' as const, token: 't', retryAfterMs: null };
const watched = (provisioningState: string, transitioning: boolean) => ({
  ...running,
  watching: 'service' as const,
  target: { provisioningState, transitioning },
});

describe('observeRestorePoll', () => {
  it('an operation that answers is running: seen, not watched, not stopped', () => {
    expect(observeRestorePoll(RESTORE_WATCH_START, running)).toEqual({
      state: { watching: false, sawRunning: true, targetFailed: false },
      stop: false,
    });
  });
  it('a watched target back from Updating after it was seen running stops the polls', () => {
    const first = observeRestorePoll(RESTORE_WATCH_START, watched('Updating', true));
    expect(first).toEqual({ state: { watching: true, sawRunning: true, targetFailed: false }, stop: false });
    expect(observeRestorePoll(first.state, watched('Succeeded', false))).toEqual({
      state: { watching: true, sawRunning: true, targetFailed: false },
      stop: true,
    });
    expect(observeRestorePoll(first.state, watched('Failed', false)).state.targetFailed).toBe(true);
  });
  it('a settled target never seen Updating is watched on, not taken as done', () => {
    expect(observeRestorePoll(RESTORE_WATCH_START, watched('Succeeded', false))).toEqual({
      state: { watching: true, sawRunning: false, targetFailed: false },
      stop: false,
    });
  });
  it('once watched, stays watched (the timeout message says so)', () => {
    const w = observeRestorePoll(RESTORE_WATCH_START, watched('Updating', true)).state;
    expect(observeRestorePoll(w, running).state.watching).toBe(true);
  });
});

describe('restore endings', () => {
  it('the timeout says whether the operation or the target was watched, and what was seen', () => {
    expect(restoreTimeout(TARGET, 60 * 60_000, RESTORE_WATCH_START)).toEqual({
      code: 'RestoreTimeout',
      message: `${TARGET}: restore still running 60 minutes after the accepted POST`,
    });
    const never = { watching: true, sawRunning: false, targetFailed: false };
    expect(restoreTimeout(TARGET, 60 * 60_000, never).message).toContain(
      'the target was never seen Updating',
    );
    expect(restoreTimeout(TARGET, 60 * 60_000, { ...never, sawRunning: true }).message).toContain(
      'the target was still Updating',
    );
  });
  it('a lost operation and a target settled in Failed are failures with their own codes', () => {
    expect(restoreLost(TARGET, 'gone')).toEqual({ code: 'RestoreOperationLost', message: `${TARGET}: gone` });
    expect(restoreTargetFailed(TARGET).code).toBe('RestoreFailed');
    expect(restoreTargetFailed(TARGET).message).toContain('provisioningState is Failed');
  });
  it('verification fails on any difference and counts those not listed', () => {
    expect(verificationFailure({ equal: true, differences: [], differenceCount: 0 })).toBeUndefined();
    expect(
      verificationFailure({
        equal: false,
        differences: ['api a missing', 'product p missing'],
        differenceCount: 5,
      }),
    ).toEqual({
      code: 'VerificationFailed',
      message:
        "the restored target differs from the backup's manifest: api a missing; product p missing (and 3 more)",
    });
    expect(
      verificationFailure({ equal: false, differences: ['api a missing'], differenceCount: 1 })?.message,
    ).not.toContain('more');
  });
  it('the smoke check reports its status and fails on a non-OK gateway', () => {
    expect(smokeCheckVerdict(TARGET, { ok: true, httpStatus: 200 })).toEqual({
      smokeCheck: { status: 'passed', httpStatus: 200 },
    });
    expect(smokeCheckVerdict(TARGET, { ok: false, httpStatus: 503 })).toEqual({
      smokeCheck: { status: 'failed', httpStatus: 503 },
      failure: {
        code: 'SmokeCheckFailed',
        message: `the gateway of ${TARGET} answered its health path with HTTP 503`,
      },
    });
  });
});

describe('restore run shapes', () => {
  const input = {
    serviceName: 'contoso',
    mode: 'drill' as const,
    targetResourceId: ` ${TARGET} `,
  } as Parameters<typeof restoreStarted>[0];
  it('starts with the target as given (trimmed) and no retries or polls', () => {
    expect(restoreStarted(input, '2026-01-01T00:00:00.000Z')).toEqual({
      serviceName: 'contoso',
      mode: 'drill',
      outcome: 'succeeded',
      target: { resourceId: TARGET },
      timings: { startedAt: '2026-01-01T00:00:00.000Z' },
      retries: 0,
      polls: 0,
    });
  });
  it('completion says where its time came from', () => {
    expect(completionTimings(undefined, 'd')).toEqual({ completedAtSource: 'unknown', detectedAt: 'd' });
    expect(completionTimings('c', 'd')).toEqual({
      completedAtSource: 'operation',
      completedAt: 'c',
      detectedAt: 'd',
    });
  });
  it('status, result and log line carry the backup once selected, and the end time', () => {
    const result: RestoreRunResult = {
      ...restoreStarted(input, 's'),
      polls: 2,
      backup: { name: 'b', takenAt: 't' },
    };
    expect(
      restoreProgress(
        result,
        1,
        'polling',
        restorePolling(new Date('2026-01-01T00:00:00Z'), RESTORE_WATCH_START),
      ),
    ).toEqual({
      phase: 'polling',
      serviceName: 'contoso',
      targetResourceId: TARGET,
      mode: 'drill',
      retries: 1,
      polls: 2,
      backup: 'b',
      percent: 10,
      nextCheckAt: '2026-01-01T00:00:00.000Z',
      waitingFor: 'the restore operation at API Management',
    });
    const ended = restoreResult(result, 1, 'failed', 'e', { code: 'X', message: 'm' });
    expect(ended).toMatchObject({
      outcome: 'failed',
      error: { code: 'X' },
      retries: 1,
      timings: { startedAt: 's', endedAt: 'e' },
    });
    expect(restoreResult(result, 1, 'succeeded', 'e')).not.toHaveProperty('error');
    expect(restoreLogDetails(result, 1)).toEqual({
      service: 'contoso',
      target: TARGET,
      mode: 'drill',
      backup: 'b',
      retries: 1,
      polls: 2,
    });
  });
  it('a run that never ran reports what its raw input says, bounded', () => {
    const ending = { outcome: 'refused' as const, error: { code: 'InvalidInput', message: 'bad' } };
    expect(
      restoreNotRun(ending, { mode: 'drill', targetResourceId: 'x'.repeat(400) }, 'contoso'),
    ).toMatchObject({
      serviceName: 'contoso',
      mode: 'drill',
      target: { resourceId: 'x'.repeat(300) },
      outcome: 'refused',
    });
    expect(restoreNotRun(ending, null, '(unknown)')).toMatchObject({
      mode: 'failover',
      target: { resourceId: '' },
    });
  });
});

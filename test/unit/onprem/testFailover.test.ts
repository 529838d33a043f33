import { describe, expect, it } from 'vitest';
import { failbackVmInputSchema, vmFailbackInputSchema } from '../../../shared/onprem/contracts';
import {
  commandCrashed,
  summariseFailback,
  testFailoverCheck,
  testFailoverOutcome,
} from '../../../shared/onprem/hyperv';
import type { RunAgentCommandOutcome } from '../../../shared/relay/contracts';

/** The test failover's pure decisions (issue 10, the Hyper-V drill variant). */

const base = { commandIds: ['c'], attempts: 1 };
const started = (created = true): RunAgentCommandOutcome<'hyperv.startTestFailover'> => ({
  ...base,
  type: 'hyperv.startTestFailover',
  outcome: 'succeeded',
  output: { vm: 'app-01', testVmName: 'app-01 - Test', created },
});
const stopped = (removed: boolean): RunAgentCommandOutcome<'hyperv.stopTestFailover'> => ({
  ...base,
  type: 'hyperv.stopTestFailover',
  outcome: 'succeeded',
  output: { vm: 'app-01', removed },
});
const read = (
  replicationState: 'FailedOver' | 'Error',
): RunAgentCommandOutcome<'hyperv.replicationState'> => ({
  ...base,
  type: 'hyperv.replicationState',
  outcome: 'succeeded',
  output: { vm: 'app-01', replicationState },
});
const notOk = <T extends 'hyperv.startTestFailover' | 'hyperv.stopTestFailover'>(
  type: T,
  outcome: 'failed' | 'timedOut' | 'refused',
  code = 'CmdletFailed',
): RunAgentCommandOutcome<T> => ({ ...base, type, outcome, error: { code, message: `${type} ${outcome}` } });

describe('testFailoverOutcome', () => {
  it('succeeds when the test VM was created, replication read and the test VM removed', () => {
    expect(
      testFailoverOutcome({
        vm: 'app-01',
        start: started(),
        check: testFailoverCheck(read('FailedOver')),
        stop: stopped(true),
        polls: 1,
      }),
    ).toEqual({
      vm: 'app-01',
      action: 'testFailover',
      outcome: 'succeeded',
      polls: 1,
      replicationState: 'FailedOver',
      testVm: { name: 'app-01 - Test', created: true, removed: true },
    });
  });

  it('a stop that failed is the failure, naming the test VM, whatever the check said', () => {
    const out = testFailoverOutcome({
      vm: 'app-01',
      start: started(),
      check: testFailoverCheck(read('Error')),
      stop: notOk('hyperv.stopTestFailover', 'failed'),
      polls: 1,
    });
    expect(out).toMatchObject({
      outcome: 'failed',
      testVm: { created: true, removed: null },
      error: { code: 'TestVmNotRemoved' },
    });
    expect(out.error?.message).toMatch(/^test VM app-01 - Test still exists: Stop-VMFailover failed/);
  });

  it('a stop that did not answer is timedOut, and the test VM "may" still exist when the start did not answer either', () => {
    const out = testFailoverOutcome({
      vm: 'app-01',
      start: notOk('hyperv.startTestFailover', 'timedOut', 'timedOut'),
      check: undefined,
      stop: notOk('hyperv.stopTestFailover', 'timedOut', 'timedOut'),
      polls: 0,
    });
    expect(out).toMatchObject({ outcome: 'timedOut', testVm: { created: false, removed: null } });
    expect(out.error?.message).toMatch(/^test VM app-01 - Test may still exist/);
  });

  it('a start that timed out but whose test VM the stop removed: timedOut, created proven by the removal', () => {
    expect(
      testFailoverOutcome({
        vm: 'app-01',
        start: notOk('hyperv.startTestFailover', 'timedOut', 'timedOut'),
        check: undefined,
        stop: stopped(true),
        polls: 0,
      }),
    ).toMatchObject({ outcome: 'timedOut', testVm: { created: true, removed: true } });
  });

  it('a refused start with nothing to remove keeps the refusal (a correct refusal is not a failure)', () => {
    expect(
      testFailoverOutcome({
        vm: 'app-01',
        start: notOk('hyperv.startTestFailover', 'refused', 'refusedInDrill'),
        check: undefined,
        stop: stopped(false),
        polls: 0,
      }),
    ).toMatchObject({ outcome: 'refused', error: { code: 'refusedInDrill' } });
  });

  it('a created test VM that the stop did not find is a failure (no evidence of cleanup)', () => {
    expect(
      testFailoverOutcome({
        vm: 'app-01',
        start: started(),
        check: testFailoverCheck(read('FailedOver')),
        stop: stopped(false),
        polls: 1,
      }),
    ).toMatchObject({ outcome: 'failed', error: { code: 'TestVmNotFound' } });
  });

  it('replication in Error during the test fails the check, with the state as evidence', () => {
    expect(
      testFailoverOutcome({
        vm: 'app-01',
        start: started(),
        check: testFailoverCheck(read('Error')),
        stop: stopped(true),
        polls: 1,
      }),
    ).toMatchObject({
      outcome: 'failed',
      replicationState: 'Error',
      error: { code: 'replicationState' },
      testVm: { removed: true },
    });
  });

  it('a relay run that threw becomes a failed outcome of that command', () => {
    expect(commandCrashed('hyperv.stopTestFailover', new Error('storage down'))).toMatchObject({
      type: 'hyperv.stopTestFailover',
      outcome: 'failed',
      attempts: 0,
      error: { message: expect.stringContaining('storage down') as unknown },
    });
  });
});

describe('summariseFailback for test failovers', () => {
  it('names a test VM left behind first in the summary', () => {
    const ok = testFailoverOutcome({
      vm: 'app-01',
      start: started(),
      check: testFailoverCheck(read('FailedOver')),
      stop: stopped(true),
      polls: 1,
    });
    const refusedVm = {
      vm: 'app-02',
      outcome: 'refused' as const,
      polls: 0,
      error: { code: 'x', message: 'x' },
    };
    const leftover = {
      ...testFailoverOutcome({
        vm: 'sql-01',
        start: started(),
        check: undefined,
        stop: notOk('hyperv.stopTestFailover', 'failed'),
        polls: 0,
      }),
    };
    const result = summariseFailback('dc1', 'drill', [ok, refusedVm, leftover], 'testFailover');
    expect(result).toMatchObject({
      outcome: 'partial',
      action: 'testFailover',
      error: { code: 'SomeVmsNotTested' },
    });
    expect(result.error?.message).toMatch(
      /^2 of 3 VMs not test-failed-over and cleaned up: sql-01 failed \(TestVmNotRemoved\), app-02/,
    );
  });
});

describe('the action field', () => {
  it('defaults to failback and accepts testFailover; anything else is refused naming the field', () => {
    const vm = {
      site: 'dc1',
      vm: 'app-01',
      mode: 'drill',
      pollMs: 1000,
      timeoutMs: 1000,
      timeouts: { deliveryMs: 1000, executionMs: 1000 },
    };
    expect(failbackVmInputSchema.parse(vm).action).toBe('failback');
    expect(
      vmFailbackInputSchema.parse({ site: 'dc1', vms: ['a'], mode: 'drill', action: 'testFailover' }).action,
    ).toBe('testFailover');
    const bad = vmFailbackInputSchema.safeParse({ site: 'dc1', vms: ['a'], mode: 'drill', action: 'commit' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]).toMatchObject({
      path: ['action'],
      message: 'action must be "failback" or "testFailover"',
    });
  });
});

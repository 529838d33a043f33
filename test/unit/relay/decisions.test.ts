import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { VmFailbackOutcome } from '../../../shared/onprem/contracts';
import {
  distinctVms,
  failbackNextStep,
  failbackStateVerdict,
  summariseFailback,
} from '../../../shared/onprem/hyperv';
import { interpretStateQuery } from '../../../shared/relay/stateQueries';
import type { RunAgentCommandOutcome } from '../../../shared/relay/contracts';
import {
  decideAfterTimeout,
  isBoundEvent,
  resultDeadline,
  resultEventName,
} from '../../../shared/relay/decisions';
import { nextPoll } from '../../../shared/steps/poll';

const base = { type: 'hyperv.initiateFailback' as const, commandIds: ['c'], attempts: 1 };

describe('relay decisions', () => {
  it('names the result event after the command id and waits delivery + execution', () => {
    expect(resultEventName('abc')).toBe('result-abc');
    expect(
      resultDeadline(new Date('2026-01-01T00:00:00Z'), {
        deliveryMs: 60_000,
        executionMs: 30_000,
      }).toISOString(),
    ).toBe('2026-01-01T00:01:30.000Z');
  });

  it('re-sends reads, asks state before re-sending state-changing commands, never re-sends test failovers, gives up at the budget', () => {
    expect(decideAfterTimeout('agent.ping', {}, 1, 2)).toEqual({ action: 'resend' });
    expect(decideAfterTimeout('hyperv.initiateFailback', { vm: 'vm1' }, 1, 2)).toEqual({
      action: 'queryState',
      query: { type: 'hyperv.replicationState', params: { vm: 'vm1' } },
    });
    expect(
      decideAfterTimeout(
        'lync.backupSync',
        { poolFqdn: 'p.contoso.com', module: 'ConfServices.DataConf' },
        1,
        3,
      ),
    ).toMatchObject({ action: 'queryState', query: { type: 'lync.backupStatus' } });
    expect(
      decideAfterTimeout(
        'pchat.ensureLegacyEndpoint',
        { sipAddress: 'sip:a@b.com', poolFqdn: 'p.b.com' },
        1,
        2,
      ),
    ).toMatchObject({ action: 'queryState', query: { type: 'pchat.getLegacyEndpoint' } });
    expect(decideAfterTimeout('hyperv.startTestFailover', { vm: 'vm1' }, 1, 2).action).toBe('giveUp');
    expect(decideAfterTimeout('agent.ping', {}, 2, 2).action).toBe('giveUp');
  });

  it('reads what a state query says about a lost failback, sync or endpoint', () => {
    const fb = { type: 'hyperv.initiateFailback' as const, params: { vm: 'vm1' } };
    expect(interpretStateQuery(fb, { vm: 'vm1', replicationState: 'WaitingForFailback' }).verdict).toBe(
      'alreadyDone',
    );
    expect(interpretStateQuery(fb, { vm: 'vm1', replicationState: 'FailbackCompleted' }).verdict).toBe(
      'alreadyDone',
    );
    expect(interpretStateQuery(fb, { vm: 'vm1', replicationState: 'FailedOver' }).verdict).toBe('resend');
    expect(interpretStateQuery(fb, { vm: 'vm1', replicationState: 'Replicating' }).verdict).toBe('failed');
    const sync = {
      type: 'lync.backupSync' as const,
      params: { poolFqdn: 'p.contoso.com', lostPoolFqdn: 'q.contoso.com' },
    };
    expect(
      interpretStateQuery(sync, {
        poolFqdn: 'p.contoso.com',
        module: 'ConfServices.DataConf',
        exportStatus: 'NonSteadyState',
        importStatus: 'NormalState',
        state: 'inProgress',
      }).verdict,
    ).toBe('alreadyDone');
    expect(
      interpretStateQuery(sync, {
        poolFqdn: 'p.contoso.com',
        module: 'ConfServices.DataConf',
        exportStatus: 'SteadyState',
        importStatus: 'NormalState',
        state: 'done',
      }).verdict,
    ).toBe('resend');
    const ep = {
      type: 'pchat.ensureLegacyEndpoint' as const,
      params: { sipAddress: 'sip:a@b.com', poolFqdn: 'PC.b.com' },
    };
    expect(interpretStateQuery(ep, { sipAddress: 'sip:a@b.com', exists: false }).verdict).toBe('resend');
    expect(
      interpretStateQuery(ep, { sipAddress: 'sip:a@b.com', exists: true, poolFqdn: 'pc.b.com' }).verdict,
    ).toBe('alreadyDone');
    expect(
      interpretStateQuery(ep, { sipAddress: 'sip:a@b.com', exists: true, poolFqdn: 'other.b.com' }),
    ).toMatchObject({ verdict: 'failed', error: { code: 'conflict' } });
  });

  it('accepts only an event bound to the command id and hash', () => {
    const ev = { commandId: 'c1', commandHash: 'h1', agentId: 'a', outcome: 'succeeded', output: null };
    expect(isBoundEvent(ev, 'c1', 'h1')).toBe(true);
    expect(isBoundEvent(ev, 'c1', 'h2')).toBe(false);
    expect(isBoundEvent(ev, 'c2', 'h1')).toBe(false);
    expect(isBoundEvent(null, 'c1', 'h1')).toBe(false);
    expect(isBoundEvent('result', 'c1', 'h1')).toBe(false);
  });

  it('polls on the interval, never past the deadline, and times out at it', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(nextPoll(now, 30_000, new Date('2026-01-01T01:00:00Z'))).toEqual({
      next: 'wait',
      fireAt: new Date('2026-01-01T00:00:30Z'),
    });
    expect(nextPoll(now, 30_000, new Date('2026-01-01T00:00:10Z'))).toEqual({
      next: 'wait',
      fireAt: new Date('2026-01-01T00:00:10Z'),
    });
    expect(nextPoll(now, 30_000, now)).toEqual({ next: 'timedOut' });
  });

  it('follows InitiateFailback return codes: 4096 polls the job, 0 and alreadyDone poll state, others stop', () => {
    const ok = (output: unknown): RunAgentCommandOutcome<'hyperv.initiateFailback'> => ({
      ...base,
      outcome: 'succeeded',
      output: output as NonNullable<RunAgentCommandOutcome<'hyperv.initiateFailback'>['output']>,
    });
    expect(failbackNextStep(ok({ returnCode: 4096, meaning: 'x', jobId: 'j' }))).toEqual({
      next: 'pollJob',
      jobId: 'j',
    });
    expect(failbackNextStep(ok({ returnCode: 0, meaning: 'x' }))).toEqual({ next: 'pollState' });
    expect(
      failbackNextStep({
        ...base,
        outcome: 'succeeded',
        alreadyDone: true,
        output: { returnCode: 32775, meaning: 'x' },
      }),
    ).toEqual({ next: 'pollState' });
    expect(failbackNextStep(ok({ returnCode: 32769, meaning: 'Access Denied' }))).toMatchObject({
      next: 'stop',
      outcome: 'failed',
      error: { code: 'wmi-32769' },
    });
    expect(
      failbackNextStep({ ...base, outcome: 'refused', error: { code: 'refusedInDrill', message: 'm' } }),
    ).toMatchObject({ next: 'stop', outcome: 'refused', error: { code: 'refusedInDrill' } });
    expect(failbackNextStep({ ...base, outcome: 'timedOut' })).toMatchObject({
      next: 'stop',
      outcome: 'timedOut',
    });
    expect(failbackStateVerdict('FailbackCompleted')).toBe('done');
    expect(failbackStateVerdict('WaitingForFailback')).toBe('inProgress');
    expect(failbackStateVerdict('Error')).toBe('failed');
  });

  it('counts a VM once whatever the case of its name (Hyper-V names are case-insensitive)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('app-01', 'APP-01', 'App-01', 'sql-01', 'SQL-01', 'web'), { maxLength: 30 }),
        (vms) => {
          const out = distinctVms(vms);
          expect(new Set(out.map((v) => v.toLowerCase())).size).toBe(out.length);
          expect(new Set(vms.map((v) => v.toLowerCase())).size).toBe(out.length);
        },
      ),
    );
    expect(distinctVms(['app-01', 'APP-01', 'sql-01'])).toEqual(['app-01', 'sql-01']);
  });

  it('summarises failbacks: all ok succeeded, none ok their common outcome or failed, otherwise partial', () => {
    const vm = (outcome: VmFailbackOutcome['outcome']): VmFailbackOutcome => ({ vm: 'v', outcome, polls: 0 });
    expect(
      summariseFailback('s', 'failover', [vm('succeeded'), { ...vm('succeeded'), alreadyDone: true }])
        .outcome,
    ).toBe('succeeded');
    expect(summariseFailback('s', 'failover', [vm('succeeded'), vm('failed')]).outcome).toBe('partial');
    expect(summariseFailback('s', 'drill', [vm('refused'), vm('timedOut')]).outcome).toBe('failed');
    expect(summariseFailback('s', 'drill', [vm('refused'), vm('refused')]).outcome).toBe('refused');
    expect(summariseFailback('s', 'failover', [vm('succeeded'), vm('failed'), vm('failed')]).counts).toEqual({
      succeeded: 1,
      failed: 2,
      refused: 0,
      timedOut: 0,
    });
  });
});

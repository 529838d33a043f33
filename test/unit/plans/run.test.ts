import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../../shared/outcome';
import type { AlertReport, RunReport } from '../../../shared/plans/report';
import {
  cleanupEnded,
  closeUnfinished,
  decided,
  diffRuns,
  finalReport,
  groupStarted,
  initialReport,
  markCriticalPath,
  summaryOf,
  runningSteps,
  stepEnded,
  waitEnded,
  waitStarted,
  withAlert,
  type StepEnded,
} from '../../../shared/plans/run';
import { at, runInput, samplePlan, when } from './helpers';

const alert = (over: Partial<AlertReport> = {}): AlertReport => ({
  alertId: '/subscriptions/x/providers/Microsoft.AlertsManagement/alerts/1',
  rule: 'contoso-apim-down',
  monitorCondition: 'Fired',
  firedDateTime: at(-20),
  receivedAt: at(-19),
  ...over,
});

const ended = (
  stepId: string,
  outcome: Outcome,
  endMinute: number,
  over: Partial<StepEnded> = {},
): StepEnded => ({
  type: 'stepEnded',
  stepId,
  outcome,
  ...(outcome === 'succeeded' ? {} : { error: { code: `${stepId}Failed`, message: `${stepId} went wrong` } }),
  summary: `${stepId}: ${outcome}`,
  evidence: {},
  startedAt: at(0),
  endedAt: at(endMinute),
  ...over,
});

/** A drill of the sample plan, started at minute 0 (no approval). */
const drill = () => initialReport(runInput(), when(0));
/** A failover of the sample plan with approval auto. */
const failover = () =>
  initialReport(
    runInput({ mode: 'failover', runId: 'dr-all-failover-x', plan: samplePlan({ approval: 'auto' }) }),
    when(0),
  );

/** Runs every group of `r` (its plan is the sample plan) with the given outcomes; group g starts at minute 10·g·… */
function runAll(r: RunReport, outcomes: Record<string, Outcome>, plan = samplePlan()): RunReport {
  let report = r;
  let minute = 1;
  for (const [gi, group] of plan.groups.entries()) {
    report = groupStarted(report, plan, gi, when(minute));
    let stop = false;
    for (const step of group.steps) {
      minute += 10;
      const next = stepEnded(report, ended(step.id, outcomes[step.id] ?? 'succeeded', minute));
      report = next.report;
      stop ||= next.stop;
    }
    if (stop) {
      report = closeUnfinished(report, 'skipped', when(minute));
      break;
    }
  }
  return report;
}

const cleanAll = (r: RunReport, outcome: Outcome = 'succeeded') =>
  r.cleanup.reduce(
    (acc, c) =>
      cleanupEnded(
        acc,
        c.id,
        outcome === 'succeeded'
          ? { outcome, detail: 'removed by the cleanup' }
          : { outcome, error: { code: 'CleanupFailed', message: 'no' }, detail: 'Stop-VMFailover failed' },
        when(100),
      ),
    r,
  );

const stepOf = (r: RunReport, id: string) => r.groups.flatMap((g) => g.steps).find((s) => s.id === id)!;

describe('initialReport', () => {
  it('a failover that requires approval waits for it; with approval auto it records the automatic approval', () => {
    const pending = initialReport(runInput({ mode: 'failover' }), when(0));
    expect(pending.state).toBe('pendingApproval');
    expect(pending.approvals).toEqual([]);
    const auto = failover();
    expect(auto.state).toBe('running');
    expect(auto.approvals).toEqual([{ decision: 'auto', at: at(0) }]);
  });
  it('a failover waiting for approval carries its deadline, in the run and its summary (issue 21, item 9)', () => {
    const input = runInput({ mode: 'failover', reason: 'gateway down' });
    const pending = initialReport(input, when(0));
    const deadline = new Date(when(0).getTime() + input.approvalTimeoutMs).toISOString();
    expect(pending.approvalDeadline).toBe(deadline);
    expect(summaryOf(pending)).toMatchObject({ approvalDeadline: deadline, reason: 'gateway down' });
    expect(failover().approvalDeadline).toBeUndefined();
  });

  it('a drill never waits for approval and records none, even when the plan requires it', () => {
    const r = drill();
    expect(r.state).toBe('running');
    expect(r.approvals).toEqual([]);
    expect(r.percent).toBe(0);
    expect(r.groups.flatMap((g) => g.steps).map((s) => [s.id, s.status, s.variant])).toEqual([
      ['apim', 'pending', 'drill'],
      ['vms', 'pending', 'drill'],
      ['lync', 'pending', 'drill'],
      ['pchat', 'pending', 'drill'],
    ]);
  });

  it('a failover preempting a drill waits for it (after approval, when approval is required)', () => {
    const auto = initialReport(
      runInput({ mode: 'failover', plan: samplePlan({ approval: 'auto' }), preempted: 'drill-1' }),
      when(0),
    );
    expect(auto.state).toBe('waitingForDrill');
    const required = initialReport(runInput({ mode: 'failover', preempted: 'drill-1' }), when(0));
    expect(required.state).toBe('pendingApproval');
    expect(decided(required, { decision: 'approved', by: 'bob', at: at(1) }).state).toBe('waitingForDrill');
  });

  it('the RTO clock of a failover starts when its alert fired; of a drill, when it was requested', () => {
    const fromAlert = initialReport(runInput({ mode: 'failover', alert: alert() }), when(0));
    expect(fromAlert.rtoStartAt).toBe(at(-20));
    expect(fromAlert.alerts).toHaveLength(1);
    const noFired = initialReport(
      runInput({ mode: 'failover', alert: { ...alert(), firedDateTime: undefined } }),
      when(0),
    );
    expect(noFired.rtoStartAt).toBe(at(0));
    expect(initialReport(runInput({ alert: alert() }), when(0)).rtoStartAt).toBe(at(0));
  });
});

describe('decided', () => {
  it('maps each decision to the run state', () => {
    const r = initialReport(runInput({ mode: 'failover' }), when(0));
    expect(decided(r, { decision: 'approved', by: 'bob', at: at(1) }).state).toBe('running');
    expect(decided(r, { decision: 'rejected', by: 'bob', at: at(1) }).state).toBe('rejected');
    expect(decided(r, { decision: 'expired', at: at(30) }).state).toBe('expired');
    expect(decided(r, { decision: 'cancelled', at: at(1) }).state).toBe('cancelled');
    expect(decided(r, { decision: 'approved', by: 'bob', at: at(1) }).approvals).toHaveLength(1);
  });
});

describe('groupStarted', () => {
  it('registers one cleanup per test VM in a drill, once, before its steps run', () => {
    const plan = samplePlan();
    const r = groupStarted(drill(), plan, 1, when(5));
    expect(r.cleanup.map((c) => c.id)).toEqual(['test-vm:dc1:app-01', 'test-vm:dc1:app-02']);
    expect(r.cleanup.map((c) => c.action)).toEqual([
      { site: 'dc1', vm: 'app-01' },
      { site: 'dc1', vm: 'App-02' },
    ]);
    expect(r.cleanup.every((c) => c.status === 'pending' && c.registeredAt === at(5))).toBe(true);
    expect(r.startedAt).toBe(at(5));
    expect(r.currentGroup).toBe(1);
    expect(runningSteps(r)).toEqual(['vms', 'lync']);
    // Started again (a replay of the same group, or the same VM in another step): still once.
    const again = groupStarted(r, plan, 1, when(6));
    expect(again.cleanup).toHaveLength(2);
    expect(again.startedAt).toBe(at(5));
  });

  it('the same VM in two steps of a drill gets one cleanup', () => {
    const plan = samplePlan({
      groups: [
        {
          name: 'twice',
          steps: [
            {
              id: 'a',
              kind: 'hyperv.failback',
              timeoutMinutes: 10,
              params: { site: 'dc1', vms: ['app-01'] },
            },
            {
              id: 'b',
              kind: 'hyperv.failback',
              timeoutMinutes: 10,
              params: { site: 'dc1', vms: ['APP-01'] },
            },
          ],
        },
      ],
    });
    const r = groupStarted(initialReport(runInput({ plan }), when(0)), plan, 0, when(1));
    expect(r.cleanup.map((c) => [c.id, c.stepId])).toEqual([['test-vm:dc1:app-01', 'a']]);
  });

  it('registers no cleanup in a failover', () => {
    const r = groupStarted(failover(), samplePlan({ approval: 'auto' }), 1, when(5));
    expect(r.cleanup).toEqual([]);
    expect(runningSteps(r)).toEqual(['vms', 'lync']);
  });

  it('refuses a group the plan does not have', () => {
    expect(() => groupStarted(drill(), samplePlan(), 7, when(1))).toThrow(RangeError);
  });
});

describe('stepEnded', () => {
  it('a failed stop step stops the plan; a failed continue step does not; a success never does', () => {
    const r = groupStarted(drill(), samplePlan(), 1, when(0));
    const lync = stepEnded(r, ended('lync', 'failed', 5));
    expect(lync.stop).toBe(false);
    expect(stepOf(lync.report, 'lync')).toMatchObject({
      status: 'ended',
      outcome: 'failed',
      durationMs: 5 * 60_000,
    });
    const vms = stepEnded(lync.report, ended('vms', 'timedOut', 9));
    expect(vms.stop).toBe(true);
    expect(stepEnded(r, ended('vms', 'succeeded', 9)).stop).toBe(false);
    expect(vms.report.percent).toBe(50);
  });

  it('ignores a step that is not running (a duplicate or late signal)', () => {
    const r = groupStarted(drill(), samplePlan(), 0, when(0));
    expect(stepEnded(r, ended('vms', 'failed', 3))).toEqual({ report: r, stop: false });
    const once = stepEnded(r, ended('apim', 'succeeded', 30)).report;
    expect(stepEnded(once, ended('apim', 'failed', 31))).toEqual({ report: once, stop: false });
  });

  it('keeps the recovery point with the evidence', () => {
    const r = groupStarted(drill(), samplePlan(), 0, when(0));
    const next = stepEnded(
      r,
      ended('apim', 'succeeded', 30, { recoveryPointAt: at(-120), evidence: { a: 1 } }),
    );
    expect(stepOf(next.report, 'apim').evidence).toEqual({ a: 1, recoveryPointAt: at(-120) });
  });
});

describe('closeUnfinished', () => {
  it('skips pending steps after a stop and marks running ones cancelled', () => {
    let r = groupStarted(drill(), samplePlan(), 0, when(0));
    r = stepEnded(r, ended('apim', 'succeeded', 30)).report;
    r = groupStarted(r, samplePlan(), 1, when(30));
    r = stepEnded(r, ended('vms', 'failed', 40)).report;
    const skipped = closeUnfinished(r, 'skipped', when(41));
    expect(skipped.groups.flatMap((g) => g.steps).map((s) => [s.id, s.status])).toEqual([
      ['apim', 'ended'],
      ['vms', 'ended'],
      ['lync', 'cancelled'],
      ['pchat', 'skipped'],
    ]);
    expect(stepOf(skipped, 'lync').endedAt).toBe(at(41));
    expect(skipped.percent).toBe(100);
    expect(stepOf(closeUnfinished(r, 'cancelled', when(41)), 'pchat').status).toBe('cancelled');
  });
});

describe('cleanupEnded', () => {
  it('records one cleanup and leaves the others', () => {
    const r = groupStarted(drill(), samplePlan(), 1, when(0));
    const next = cleanupEnded(r, 'test-vm:dc1:app-01', { outcome: 'succeeded', detail: 'removed' }, when(9));
    expect(next.cleanup).toMatchObject([
      { id: 'test-vm:dc1:app-01', status: 'ended', outcome: 'succeeded', endedAt: at(9), detail: 'removed' },
      { id: 'test-vm:dc1:app-02', status: 'pending' },
    ]);
  });
});

describe('finalReport', () => {
  it('a drill whose steps and cleanups all succeeded succeeded, and is completed', () => {
    const r = finalReport(cleanAll(runAll(drill(), {})), when(100));
    expect(r).toMatchObject({ state: 'completed', outcome: 'succeeded', percent: 100, endedAt: at(100) });
    expect(r.error).toBeUndefined();
  });

  it('a failed continue step makes the run partial, naming the step', () => {
    const r = finalReport(runAll(failover(), { lync: 'failed' }), when(100));
    expect(r.outcome).toBe('partial');
    expect(r.error).toEqual({ code: 'lyncFailed', message: 'lync: lync went wrong' });
  });

  it('a failed stop step: partial when something succeeded, failed when nothing did', () => {
    const stopped = finalReport(runAll(failover(), { vms: 'failed' }), when(100));
    expect(stopped.outcome).toBe('partial');
    expect(stepOf(stopped, 'pchat').status).toBe('skipped');
    const nothing = finalReport(runAll(failover(), { apim: 'failed' }), when(100));
    expect(nothing.outcome).toBe('failed');
    expect(nothing.error?.code).toBe('apimFailed');
  });

  it('a run whose only ended step was refused is refused', () => {
    const r = finalReport(runAll(failover(), { apim: 'refused' }), when(100));
    expect(r.outcome).toBe('refused');
    expect(r.error?.code).toBe('apimFailed');
  });

  it('cancelled before any step ran: refused; after some steps: partial (or failed when one failed)', () => {
    const before = finalReport(
      { ...drill(), state: 'cancelled', cancel: { at: at(0), by: 'carol' } },
      when(1),
    );
    expect(before).toMatchObject({
      state: 'cancelled',
      outcome: 'refused',
      error: { code: 'Cancelled', message: 'cancelled by carol before any step ran' },
    });
    let r = groupStarted(failover(), samplePlan(), 0, when(0));
    r = stepEnded(r, ended('apim', 'succeeded', 30)).report;
    r = {
      ...closeUnfinished(r, 'cancelled', when(31)),
      state: 'cancelled',
      cancel: { at: at(31), by: 'carol' },
    };
    const after = finalReport(r, when(31));
    expect(after).toMatchObject({
      state: 'cancelled',
      outcome: 'partial',
      error: { code: 'Cancelled', message: 'cancelled by carol after 1 of 4 steps' },
    });
    let bad = groupStarted(failover(), samplePlan(), 0, when(0));
    bad = stepEnded(bad, ended('apim', 'failed', 30)).report;
    bad = { ...closeUnfinished(bad, 'cancelled', when(31)), state: 'cancelled' };
    expect(finalReport(bad, when(31)).outcome).toBe('failed');
    const preempted = finalReport({ ...r, preemptedBy: 'dr-all-failover-y' }, when(31));
    expect(preempted.error).toEqual({
      code: 'Preempted',
      message: 'preempted by failover dr-all-failover-y after 1 of 4 steps',
    });
  });

  it('a drill preempted while its first group ran is not "cancelled before any step ran": a test VM left behind fails it', () => {
    const plan = samplePlan({ groups: [samplePlan().groups[1]!, samplePlan().groups[0]!] });
    const input = runInput({ plan });
    let r = groupStarted(initialReport(input, when(0)), plan, 0, when(0));
    r = {
      ...closeUnfinished(r, 'cancelled', when(5)),
      state: 'cancelled',
      cancel: { at: at(5), reason: 'preempted by failover f1' },
      preemptedBy: 'f1',
    };
    const cleanedUp = finalReport(cleanAll(r), when(9));
    expect(cleanedUp.error).toEqual({
      code: 'Preempted',
      message: 'preempted by failover f1 after 0 of 3 steps',
    });
    const leftBehind = finalReport(cleanAll(r, 'failed'), when(9));
    expect(leftBehind.outcome).toBe('failed');
    expect(leftBehind.error?.code).toBe('CleanupFailed');
    expect(leftBehind.error?.message).toContain('test VM app-01 - Test at dc1 still exists');
  });

  it('rejected and expired failovers are refused, nothing changed', () => {
    const pending = initialReport(runInput({ mode: 'failover' }), when(0));
    const rejected = finalReport(decided(pending, { decision: 'rejected', by: 'bob', at: at(2) }), when(2));
    expect(rejected).toMatchObject({
      state: 'rejected',
      outcome: 'refused',
      error: { code: 'Rejected', message: 'rejected by bob: nothing was changed' },
    });
    expect(rejected.rto.achievedMinutes).toBeUndefined();
    const expired = finalReport(decided(pending, { decision: 'expired', at: at(30) }), when(30));
    expect(expired).toMatchObject({
      state: 'expired',
      outcome: 'refused',
      error: { code: 'ApprovalExpired' },
    });
  });

  it('a failed cleanup makes the run failed, saying which test VM still exists', () => {
    const r = runAll(drill(), {});
    const oneFailed = cleanupEnded(
      cleanupEnded(r, 'test-vm:dc1:app-01', { outcome: 'succeeded', detail: 'removed' }, when(90)),
      'test-vm:dc1:app-02',
      { outcome: 'failed', error: { code: 'CleanupFailed', message: 'x' }, detail: 'failed' },
      when(91),
    );
    const end = finalReport(oneFailed, when(92));
    expect(end.outcome).toBe('failed');
    expect(end.error).toEqual({
      code: 'CleanupFailed',
      message: 'test VM App-02 - Test at dc1 still exists',
    });
    // A cleanup that never ran counts too.
    expect(finalReport(r, when(92)).error?.message).toContain('test VM app-01 - Test at dc1 still exists');
    // Even after a cancel.
    const cancelled = finalReport({ ...cleanAll(r, 'failed'), state: 'cancelled' }, when(92));
    expect(cancelled.outcome).toBe('failed');
    expect(cancelled.error?.code).toBe('CleanupFailed');
  });

  it('RTO is achieved when every required step succeeded: from the alert to the last required step', () => {
    const input = runInput({
      mode: 'failover',
      runId: 'f',
      plan: samplePlan({ approval: 'auto' }),
      alert: alert(),
    });
    // runAll ends apim at 11, vms at 21, lync at 31, pchat at 41; lync and pchat are `continue`.
    const ok = finalReport(runAll(initialReport(input, when(0)), {}), when(50));
    expect(ok.rto).toEqual({ targetMinutes: 240, achievedMinutes: 41, met: true });
    const continueFailed = finalReport(runAll(initialReport(input, when(0)), { pchat: 'failed' }), when(50));
    expect(continueFailed.outcome).toBe('partial');
    expect(continueFailed.rto).toEqual({ targetMinutes: 240, achievedMinutes: 41, met: true });
    const requiredFailed = finalReport(runAll(initialReport(input, when(0)), { vms: 'failed' }), when(50));
    expect(requiredFailed.rto).toEqual({ targetMinutes: 240 });
    const tight = initialReport(
      { ...input, plan: samplePlan({ approval: 'auto', rtoMinutes: 30 }) },
      when(0),
    );
    expect(finalReport(runAll(tight, {}), when(50)).rto).toEqual({
      targetMinutes: 30,
      achievedMinutes: 41,
      met: false,
    });
  });

  it('a plan without any stop step requires every step for its RTO', () => {
    const plan = samplePlan({
      approval: 'auto',
      groups: samplePlan().groups.map((g) => ({
        ...g,
        steps: g.steps.map((s) => ({ ...s, onFailure: 'continue' as const })),
      })),
    });
    const input = runInput({ mode: 'failover', runId: 'c', plan });
    const ok = finalReport(runAll(initialReport(input, when(0)), {}, plan), when(50));
    expect(ok.outcome).toBe('succeeded');
    expect(ok.rto).toEqual({ targetMinutes: 240, achievedMinutes: 41, met: true });
    const oneFailed = finalReport(runAll(initialReport(input, when(0)), { lync: 'failed' }, plan), when(50));
    expect(oneFailed.outcome).toBe('partial');
    expect(oneFailed.rto).toEqual({ targetMinutes: 240 });
  });

  it('RPO is the age of the oldest recovery point restored, at the run start', () => {
    let r = groupStarted(failover(), samplePlan(), 0, when(0));
    r = stepEnded(r, ended('apim', 'succeeded', 30, { recoveryPointAt: at(-600) })).report;
    r = groupStarted(r, samplePlan(), 1, when(30));
    r = stepEnded(r, ended('vms', 'succeeded', 40, { recoveryPointAt: at(-1500) })).report;
    r = stepEnded(r, ended('lync', 'succeeded', 40, { recoveryPointAt: at(-60) })).report;
    r = groupStarted(r, samplePlan(), 2, when(40));
    r = stepEnded(r, ended('pchat', 'succeeded', 41)).report;
    const end = finalReport(r, when(41));
    expect(end.rpo).toEqual({
      targetMinutes: 1440,
      achievedMinutes: 1500,
      met: false,
      source: 'the oldest recovery point restored (backup takenAt)',
    });
    expect(finalReport(runAll(failover(), {}), when(50)).rpo).toEqual({ targetMinutes: 1440 });
  });

  it('marks the critical path', () => {
    const end = finalReport(runAll(failover(), {}), when(50));
    expect(end.groups.map((g) => g.steps.filter((s) => s.critical).map((s) => s.id))).toEqual([
      ['apim'],
      ['lync'],
      ['pchat'],
    ]);
  });
});

describe('markCriticalPath', () => {
  it('marks the longest step of each group; a group with no timed step has none', () => {
    let r = groupStarted(failover(), samplePlan(), 1, when(0));
    r = stepEnded(r, ended('vms', 'succeeded', 50)).report;
    r = stepEnded(r, ended('lync', 'succeeded', 15)).report;
    const marked = markCriticalPath(r);
    expect(marked.groups.map((g) => g.steps.map((s) => [s.id, s.critical]))).toEqual([
      [['apim', false]],
      [
        ['vms', true],
        ['lync', false],
      ],
      [['pchat', false]],
    ]);
  });
});

describe('diffRuns', () => {
  it('lists added and removed steps and changed outcomes', () => {
    const before = finalReport(runAll(failover(), { lync: 'failed' }), when(50));
    const plan = samplePlan({
      approval: 'auto',
      groups: [
        samplePlan().groups[0]!,
        {
          name: 'On-premises',
          steps: [
            samplePlan().groups[1]!.steps[1]!,
            {
              id: 'sql',
              kind: 'hyperv.failback',
              timeoutMinutes: 10,
              params: { site: 'dc1', vms: ['sql-01'] },
            },
          ],
        },
      ],
    });
    const after = finalReport(
      runAll(
        initialReport(runInput({ mode: 'failover', runId: 'next', plan }), when(0)),
        { apim: 'failed' },
        plan,
      ),
      when(50),
    );
    expect(diffRuns(before, after)).toEqual({
      previousRunId: 'dr-all-failover-x',
      added: ['sql'],
      removed: ['vms', 'pchat'],
      outcomeChanged: [
        { id: 'apim', from: 'succeeded', to: 'failed' },
        { id: 'lync', from: 'failed', to: 'notRun' },
      ],
    });
  });
});

describe('withAlert', () => {
  it('attaches an alert once per alert id and condition', () => {
    const r = withAlert(failover(), alert());
    expect(r.alerts).toHaveLength(1);
    expect(withAlert(r, alert({ receivedAt: at(5) }))).toBe(r);
    const resolved = withAlert(r, alert({ monitorCondition: 'Resolved', resolvedDateTime: at(10) }));
    expect(resolved.alerts.map((a) => a.monitorCondition)).toEqual(['Fired', 'Resolved']);
    expect(withAlert(resolved, alert({ alertId: 'other' })).alerts).toHaveLength(3);
  });
});

describe('waits', () => {
  it('an approval and a preempted drill are waits with a start and an end; the final report closes an open one', () => {
    const r = initialReport(runInput({ mode: 'failover', preempted: 'd1' }), when(0));
    let w = waitStarted(r, 'approval', 'a person to approve', when(0));
    expect(waitStarted(w, 'approval', 'again', when(1)).waits).toHaveLength(1);
    w = waitEnded(w, when(2), 'approval');
    w = waitStarted(w, 'preemptedDrill', 'drill d1 to finish its cleanup', when(2));
    expect(w.waits).toEqual([
      { kind: 'approval', what: 'a person to approve', from: at(0), to: at(2) },
      { kind: 'preemptedDrill', what: 'drill d1 to finish its cleanup', from: at(2) },
    ]);
    expect(finalReport(w, when(5)).waits?.[1]?.to).toBe(at(5));
  });
});

import { describe, expect, it } from 'vitest';
import { FRONT_DOOR } from '../../../local/fixtures';
import {
  FAILBACK_NOTHING_TO_DO,
  backupAtFailover,
  failbackRefusal,
  failbackSkippedVerdict,
  failbackVerdict,
  failbackWork,
  homeward,
  roundTripDifference,
  roundTripOf,
  type FailbackContext,
  type FailbackApimResult,
} from '../../../shared/plans/failback';
import { planSchema, type PlanStep } from '../../../shared/plans/plan';
import { initialReport, stepEnded, trafficPutBackNeeded, groupStarted } from '../../../shared/plans/run';
import type { RestoreRunResult } from '../../../shared/restore/run';
import { restoreInstanceId } from '../../../shared/restore/run';
import { decideRestoreTarget } from '../../../shared/restore/target';
import { failbackPairRefusal, pairOfStandby, reversedPair } from '../../../shared/restore/reversed';
import type { StandbyRecord } from '../../../shared/standby/record';
import { planRunShape } from '../../../shared/plans/versions';
import { renderReportHtml } from '../../../shared/plans/reportHtml';
import { at, runInput, samplePlan, when } from './helpers';

const SUB = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups';
const PRIMARY = `${SUB}/rg-weu/providers/Microsoft.ApiManagement/service/contoso-apim`;
const STANDBY = `${SUB}/rg-neu/providers/Microsoft.ApiManagement/service/contoso-apim-standby`;
const DRILL = `${SUB}/rg-neu/providers/Microsoft.ApiManagement/service/contoso-apim-drill`;

const service = {
  serviceName: 'contoso-apim',
  resourceId: PRIMARY,
  standby: { resourceId: STANDBY, serviceName: 'contoso-apim-standby' },
  drillTargets: [{ resourceId: DRILL, serviceName: 'contoso-apim-drill' }],
  allowRestoreOverPrimary: false,
};
const ctx = (over: Partial<FailbackContext> = {}): FailbackContext => ({
  services: [service],
  restore: {
    timeoutMinutes: 90,
    pollDefaultSeconds: 60,
    retryBudget: 8,
    retryBaseSeconds: 30,
    smokeCheck: true,
  },
  backup: { pollDefaultSeconds: 60, timeoutMinutes: 60, lockedRetryBudget: 5, retryBaseSeconds: 30 },
  runId: 'dr-all-failback-1',
  left: {
    runId: 'dr-all-failover-1',
    since: at(0),
    backup: 'contoso-apim/contoso-apim-20261129T080000Z.apimbackup',
  },
  ...over,
});
const trafficStep = {
  id: 'traffic',
  kind: 'traffic.switch',
  timeoutMinutes: 20,
  params: {
    provider: 'frontDoor',
    profile: FRONT_DOOR,
    originGroup: 'apim',
    primary: 'primary',
    standby: 'standby',
  },
} as const;
const plan = samplePlan({
  groups: [
    ...samplePlan().groups,
    { name: 'Traffic', steps: [trafficStep] },
    {
      name: 'People',
      steps: [
        { id: 'people', kind: 'manual', timeoutMinutes: 30, params: { instructions: 'Tell the users.' } },
      ],
    },
  ],
});
const steps = Object.fromEntries(plan.groups.flatMap((g) => g.steps.map((s) => [s.id, s]))) as Record<
  string,
  PlanStep
>;
const standbyActive: StandbyRecord = {
  serviceName: 'contoso-apim',
  active: { side: 'standby', runId: 'dr-all-failover-1', mode: 'failover', since: at(0) },
};

describe('failbackRefusal', () => {
  it('refuses while the primary carries production, naming the service and the run that brought it back', () => {
    expect(failbackRefusal(plan, [service], new Map())).toMatchObject({ code: 'NotFailedOver' });
    expect(failbackRefusal(plan, [service], new Map())?.message).toContain('contoso-apim is not failed over');
    const home: StandbyRecord = {
      serviceName: 'contoso-apim',
      active: { side: 'primary', runId: 'dr-all-failback-0', mode: 'failback', since: at(5) },
    };
    expect(failbackRefusal(plan, [service], new Map([['contoso-apim', home]]))?.message).toContain(
      'failback dr-all-failback-0',
    );
  });

  it('allows a failback once the standby is the active side', () => {
    expect(failbackRefusal(plan, [service], new Map([['contoso-apim', standbyActive]]))).toBeUndefined();
  });

  it('refuses a plan that restores no service with a standby', () => {
    const noStandby = { ...service, standby: undefined };
    expect(failbackRefusal(plan, [noStandby], new Map([['contoso-apim', standbyActive]]))?.message).toContain(
      'restores no service with a standby',
    );
    const onlyTraffic = planSchema.parse({ ...plan, groups: [{ name: 'Traffic', steps: [trafficStep] }] });
    expect(failbackRefusal(onlyTraffic, [service], new Map())?.message).toContain('no apim.restore step');
  });
});

describe('failbackWork', () => {
  it('apim.restore: a fresh backup of the standby restored into the primary, the pair reversed', () => {
    const work = failbackWork(steps['apim']!, 'failover', ctx());
    expect(work).toMatchObject({
      kind: 'failback',
      target: 'contoso-apim',
      input: {
        runId: 'dr-all-failback-1',
        serviceName: 'contoso-apim',
        standbyName: 'contoso-apim-standby',
        backup: { serviceName: 'contoso-apim-standby', resourceId: STANDBY, pollDefaultMs: 60_000 },
        restore: {
          serviceName: 'contoso-apim-standby',
          targetResourceId: PRIMARY,
          mode: 'failover',
          failback: true,
          service: { resourceId: STANDBY, standbyResourceId: PRIMARY, allowRestoreOverPrimary: false },
        },
        restoreInstanceId: restoreInstanceId(PRIMARY),
        left: { runId: 'dr-all-failover-1' },
      },
    });
  });

  it('apim.restore in a failback drill: into the first drill target, never the primary', () => {
    const work = failbackWork(steps['apim']!, 'drill', ctx());
    expect(work).toMatchObject({
      kind: 'failback',
      target: 'contoso-apim-drill',
      input: {
        restore: { targetResourceId: DRILL, mode: 'drill' },
        restoreInstanceId: restoreInstanceId(DRILL),
      },
    });
    const noDrill = failbackWork(
      steps['apim']!,
      'drill',
      ctx({ services: [{ ...service, drillTargets: [] }] }),
    );
    expect(noDrill).toMatchObject({ kind: 'refused', error: { code: 'NoDrillTarget' } });
  });

  it('apim.restore: refused for an unknown service or one without a standby', () => {
    expect(failbackWork(steps['apim']!, 'failover', ctx({ services: [] }))).toMatchObject({
      kind: 'refused',
      error: { code: 'UnknownService' },
    });
    expect(
      failbackWork(steps['apim']!, 'failover', ctx({ services: [{ ...service, standby: undefined }] })),
    ).toMatchObject({ kind: 'refused', error: { code: 'NoStandby' } });
  });

  it('traffic.switch: switched home (the primary enabled and preferred), or read only in a drill', () => {
    expect(failbackWork(steps['traffic']!, 'failover', ctx())).toMatchObject({
      kind: 'traffic',
      action: 'failover',
      target: { primary: 'standby', standby: 'primary' },
      applyTimeoutMs: 20 * 60_000,
    });
    expect(failbackWork(steps['traffic']!, 'drill', ctx())).toMatchObject({
      kind: 'traffic',
      action: 'drill',
    });
  });

  it('each on-premises kind and a manual step declare they have nothing to do, with the reason', () => {
    for (const id of ['vms', 'lync', 'pchat', 'people']) {
      const step = steps[id]!;
      for (const mode of ['failover', 'drill'] as const) {
        const work = failbackWork(step, mode, ctx());
        expect(work).toEqual({
          kind: 'skipped',
          reason: FAILBACK_NOTHING_TO_DO[step.kind as keyof typeof FAILBACK_NOTHING_TO_DO],
        });
      }
    }
    const verdict = failbackSkippedVerdict(steps['vms']!, FAILBACK_NOTHING_TO_DO['hyperv.failback']);
    expect(verdict).toMatchObject({
      outcome: 'succeeded',
      skipped: expect.stringContaining('nothing to do'),
    });
  });
});

describe('the reversed pair and the target rules', () => {
  it('a failback restores into the primary, a failback drill into a drill target, never into the active standby', () => {
    const rules = (mode: 'failover' | 'drill') => {
      const reversed = reversedPair(service, mode)!;
      return {
        resourceId: reversed.resourceId,
        standbyResourceId: reversed.standby?.resourceId,
        drillTargetResourceIds: reversed.drillTargets.map((d) => d.resourceId),
        allowRestoreOverPrimary: reversed.allowRestoreOverPrimary,
      };
    };
    expect(decideRestoreTarget(rules('failover'), PRIMARY, 'failover')).toMatchObject({ ok: true });
    expect(decideRestoreTarget(rules('drill'), DRILL, 'drill')).toMatchObject({
      ok: true,
      role: 'drillTarget',
    });
    // A failback drill never restores into the primary, even as the reversed pair's "standby".
    expect(decideRestoreTarget(rules('drill'), PRIMARY, 'drill')).toMatchObject({
      ok: false,
      code: 'TargetNotAllowed',
    });
    expect(decideRestoreTarget(rules('failover'), STANDBY, 'failover')).toMatchObject({
      ok: false,
      code: 'PrimaryNotAllowed',
    });
    // The pair as configured still refuses the primary.
    expect(
      decideRestoreTarget({ resourceId: PRIMARY, standbyResourceId: STANDBY }, PRIMARY, 'failover'),
    ).toMatchObject({ ok: false, code: 'PrimaryNotAllowed' });
    expect(reversedPair({ ...service, standby: undefined })).toBeUndefined();
  });

  it("a failback's restore runs only while the record says the standby carries production", () => {
    expect(pairOfStandby([service], 'Contoso-APIM-Standby')).toBe(service);
    expect(pairOfStandby([service], 'contoso-apim')).toBeUndefined();
    expect(failbackPairRefusal(service, standbyActive)).toBeUndefined();
    expect(failbackPairRefusal(service, undefined)).toMatchObject({ code: 'NotFailedOver' });
  });

  it('homeward swaps the traffic target', () => {
    expect(homeward(trafficStep.params as never)).toMatchObject({ primary: 'standby', standby: 'primary' });
  });
});

const restored: RestoreRunResult = {
  serviceName: 'contoso-apim-standby',
  mode: 'failover',
  outcome: 'succeeded',
  target: { resourceId: PRIMARY, role: 'standby' },
  backup: { name: 'contoso-apim-standby/contoso-apim-standby-20261129T120000Z.apimbackup', takenAt: at(180) },
  recoveryPointAgeMs: 60_000,
  timings: { startedAt: at(181) },
  verification: { equal: true, differences: [], differenceCount: 0 },
  smokeCheck: { status: 'passed', httpStatus: 200 },
  retries: 0,
  polls: 3,
};

describe('the round trip', () => {
  const difference = roundTripDifference('a', 'b', [
    { kind: 'extraApi', api: 'late' },
    { kind: 'missingProduct', product: 'gold' },
    { kind: 'secretChanged', namedValue: 'key', expected: false, actual: true },
  ]);

  it('describes what was written on the standby meanwhile', () => {
    expect(difference).toEqual({
      from: 'a',
      to: 'b',
      changeCount: 3,
      changes: [
        "API 'late' was added on the standby",
        "product 'gold' was removed on the standby",
        "named value 'key' became secret on the standby",
      ],
    });
  });

  it('a failback verdict says where it restored, with the fresh backup and the round trip', () => {
    const result: FailbackApimResult = {
      outcome: 'succeeded',
      backup: { name: restored.backup!.name, takenAt: at(180), outcome: 'succeeded' },
      restore: restored,
      difference,
      left: ctx().left!,
    };
    const verdict = failbackVerdict(result, 'contoso-apim', false);
    expect(verdict).toMatchObject({
      outcome: 'succeeded',
      evidence: {
        role: 'primary',
        direction: 'failback',
        roundTrip: { leftRun: 'dr-all-failover-1', leftAt: at(0), difference: { changeCount: 3 } },
      },
    });
    expect(verdict.summary).toContain('restored into the primary contoso-apim');
    expect(verdict.summary).toContain('3 change(s), now on the primary');
    expect(failbackVerdict(result, 'contoso-apim-drill', true).evidence['role']).toBe('drillTarget');
  });

  it('a fresh backup that failed restores nothing, and says so', () => {
    const verdict = failbackVerdict(
      { outcome: 'failed', error: { code: 'FreshBackupFailed', message: 'the fresh backup ended failed' } },
      'contoso-apim',
      false,
    );
    expect(verdict).toMatchObject({ outcome: 'failed', error: { code: 'FreshBackupFailed' } });
    expect(verdict.summary).toContain('nothing was restored into the primary contoso-apim');
  });

  it('the report shows when production left, when it came back and how long it was away', () => {
    const evidence = { roundTrip: { leftRun: 'dr-all-failover-1', leftAt: at(0), difference } };
    const trip = roundTripOf([{ kind: 'apim.restore', target: 'contoso-apim', evidence }], at(90));
    expect(trip).toEqual({
      leftAt: at(0),
      leftRun: 'dr-all-failover-1',
      backAt: at(90),
      awayMinutes: 90,
      differences: [{ service: 'contoso-apim', ...difference }],
      notes: [],
    });
    const drill = roundTripOf(
      [
        {
          kind: 'apim.restore',
          target: 'contoso-apim',
          evidence: { roundTrip: { ...evidence.roundTrip, differenceNote: 'no manifest' } },
        },
      ],
      undefined,
    );
    expect(drill.backAt).toBeUndefined();
    expect(drill.notes).toEqual(['contoso-apim: no manifest']);
  });

  it("finds the backup the standby started from in the failover's report", () => {
    const report = {
      groups: [{ steps: [{ kind: 'apim.restore', target: 'contoso-apim', evidence: { backup: 'x/y' } }] }],
    };
    expect(backupAtFailover(report, 'Contoso-APIM')).toBe('x/y');
    expect(backupAtFailover(report, 'other')).toBeUndefined();
    expect(backupAtFailover(undefined, 'contoso-apim')).toBeUndefined();
  });
});

describe('a failback run', () => {
  it('a step skipped by design does not make a traffic switch be put back', () => {
    const input = runInput({ mode: 'failover', failback: true, plan });
    let report = initialReport(input, when(0));
    expect(report.failback).toBe(true);
    report = { ...report, state: 'running' };
    plan.groups.forEach((_, gi) => (report = groupStarted(report, plan, gi, when(gi))));
    for (const s of plan.groups.flatMap((g) => g.steps)) {
      const skipped = s.kind !== 'apim.restore' && s.kind !== 'traffic.switch';
      report = stepEnded(report, {
        type: 'stepEnded',
        stepId: s.id,
        outcome: 'succeeded',
        summary: 'ok',
        evidence: {},
        ...(skipped ? { skipped: 'nothing to do in a failback' } : {}),
        startedAt: at(1),
        endedAt: at(2),
      }).report;
    }
    expect(trafficPutBackNeeded(report)).toBe(false);
    expect(trafficPutBackNeeded({ ...report, cancel: { at: at(3) } })).toBe(true);
  });
});

describe('the orchestration version of a failback', () => {
  it('failbacks run on planRun 2.2 and later only; failovers and drills keep their shape', () => {
    expect(planRunShape('2.2')).toEqual({ version: '2.2', checkSites: true, failback: true });
    expect(planRunShape('3')).toMatchObject({ checkSites: true, failback: true });
    expect(planRunShape('2.10.1')).toMatchObject({ failback: true });
    expect(planRunShape('2.1')).toEqual({ version: '2.1', checkSites: true, failback: false });
    expect(planRunShape('')).toEqual({ version: '', checkSites: false, failback: false });
    expect(() => planRunShape('v2')).toThrow(RangeError);
  });
});

describe('the failback report page', () => {
  const base = initialReport(runInput({ mode: 'failover', failback: true, plan }), when(0));
  const trip = {
    leftAt: at(-120),
    leftRun: 'dr-all-failover-1',
    differences: [
      { service: 'contoso-apim', ...roundTripDifference('a', 'b', [{ kind: 'extraApi', api: 'late' }]) },
    ],
    notes: [],
  };

  it('says FAILBACK and shows the round trip: when production left, when it came back, what it brought home', () => {
    const html = renderReportHtml({ ...base, roundTrip: { ...trip, backAt: at(30), awayMinutes: 150 } });
    expect(html).toContain('<strong>FAILBACK</strong>');
    expect(html).toContain('Round trip');
    expect(html).toContain('dr-all-failover-1');
    expect(html).toContain('after 150 min on the standby');
    expect(html).toContain('API &#39;late&#39; was added on the standby');
    expect(html).toContain('now on the primary');
  });

  it('a failback drill says so, and that production stays on the standby', () => {
    const drill = initialReport(runInput({ mode: 'drill', failback: true, plan }), when(0));
    const html = renderReportHtml({ ...drill, roundTrip: trip });
    expect(html).toContain('FAILBACK DRILL');
    expect(html).toContain('not in a drill: production stays on the standby');
    expect(html).toContain('which the primary would get');
    // A failover's page has no round trip.
    expect(renderReportHtml(initialReport(runInput({ mode: 'failover', plan }), when(0)))).not.toContain(
      'Round trip',
    );
  });
});

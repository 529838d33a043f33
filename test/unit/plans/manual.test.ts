import { describe, expect, it } from 'vitest';
import type { StepDecision } from '../../../shared/plans/decisions';
import { planSchema, stepSchema, type Plan } from '../../../shared/plans/plan';
import type { RunReport } from '../../../shared/plans/report';
import {
  finalReport,
  groupStarted,
  initialReport,
  stepEnded,
  waitingManualSteps,
} from '../../../shared/plans/run';
import { checkManualDecision } from '../../../shared/plans/start';
import {
  decideManualStep,
  manualSkippedVerdict,
  manualVerdict,
  stepWork,
  type StepContext,
} from '../../../shared/plans/steps';
import { at, runInput, when } from './helpers';

/** The manual step kind (issue 22 item 5): its validation, its work per mode, its verdicts and the run's view. */

const INSTRUCTIONS = "Fail the pool's users back to pool1 (Invoke-CsPoolFailback).\nThen confirm.";

const manualStep = (params: Record<string, unknown> = {}, over: Record<string, unknown> = {}) => ({
  id: 'users-back',
  kind: 'manual',
  timeoutMinutes: 60,
  params: { instructions: INSTRUCTIONS, ...params },
  ...over,
});

const plan = (step = manualStep()): Plan =>
  planSchema.parse({
    name: 'manual',
    description: 'a manual step, then a pchat endpoint',
    rtoMinutes: 240,
    rpoMinutes: 1440,
    approval: 'auto',
    groups: [
      { name: 'people', steps: [step] },
      {
        name: 'pchat',
        steps: [
          {
            id: 'pchat',
            kind: 'pchat.legacyEndpoint',
            timeoutMinutes: 30,
            params: { site: 'dc1', sipAddress: 'sip:pc@contoso.local', poolFqdn: 'pchat.contoso.local' },
          },
        ],
      },
    ],
  });

const problems = (step: unknown) => {
  const parsed = stepSchema.safeParse(step);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

const ctx: StepContext = {
  services: [],
  sites: ['dc1'],
  restore: {} as StepContext['restore'],
};

const decision = (id: string, d: 'done' | 'abort', name: string, comment?: string): StepDecision => ({
  id,
  runId: 'r',
  stepId: 'users-back',
  decision: d,
  by: { id: `${name}-oid`, name },
  at: at(10),
  ...(comment === undefined ? {} : { comment }),
});

describe('the manual step in a plan', () => {
  it('takes bounded instructions and a drill policy (skip by default)', () => {
    expect(stepSchema.parse(manualStep())).toMatchObject({
      kind: 'manual',
      onFailure: 'stop',
      params: { instructions: INSTRUCTIONS, drill: 'skip' },
    });
    expect(problems(manualStep({ instructions: '   ' }))).toEqual(['params.instructions: must not be empty']);
    expect(problems(manualStep({ instructions: 'x'.repeat(2001) }))).toEqual([
      'params.instructions: must be at most 2000 characters',
    ]);
    expect(problems(manualStep({ instructions: 'ring \u0007 the bell' }))).toEqual([
      'params.instructions: must not contain control characters (line breaks and tabs are allowed)',
    ]);
    expect(problems(manualStep({ instructions: 42 }))).toEqual(['params.instructions: must be a string']);
    expect(problems(manualStep({ drill: 'sometimes' }))).toEqual(['params.drill: must be "skip" or "wait"']);
    expect(problems(manualStep({ site: 'dc1' }))).toEqual([expect.stringContaining('site')]);
  });

  it('waits in a failover; a drill skips it with the reason, or waits when the plan says so', () => {
    const step = stepSchema.parse(manualStep());
    expect(stepWork(step, 'failover', ctx)).toEqual({ kind: 'manual', instructions: INSTRUCTIONS });
    expect(stepWork(step, 'drill', ctx)).toEqual({
      kind: 'manual',
      instructions: INSTRUCTIONS,
      skip: 'a drill shows a manual step and skips it (its params.drill is "skip")',
    });
    const rehearsed = stepSchema.parse(manualStep({ drill: 'wait' }));
    expect(stepWork(rehearsed, 'drill', ctx)).toEqual({ kind: 'manual', instructions: INSTRUCTIONS });
  });
});

describe('manual step verdicts', () => {
  const step = stepSchema.parse(manualStep());

  it('the first recorded decision counts; later ones are kept as ignored', () => {
    const found = decideManualStep([
      decision('20261129T091100000Z-b', 'abort', 'bob'),
      decision('20261129T091000000Z-a', 'done', 'alex', 'all users on pool1'),
    ]);
    expect(found?.decided.by.name).toBe('alex');
    const v = manualVerdict(step, INSTRUCTIONS, found);
    expect(v).toMatchObject({
      outcome: 'succeeded',
      summary: 'done, confirmed by alex: all users on pool1',
      evidence: {
        instructions: INSTRUCTIONS,
        decision: { decision: 'done', by: 'alex', comment: 'all users on pool1' },
        ignored: [{ decision: 'abort', by: 'bob', reason: 'the step was already decided (done by alex)' }],
      },
    });
    expect(decideManualStep([])).toBeUndefined();
  });

  it('abort fails the step; no decision by the deadline is timedOut; a drill skip says why', () => {
    expect(
      manualVerdict(step, INSTRUCTIONS, {
        decided: decision('20261129T091000000Z-a', 'abort', 'alex'),
        ignored: [],
      }),
    ).toMatchObject({
      outcome: 'failed',
      error: { code: 'ManualStepAborted', message: 'users-back: aborted by alex' },
    });
    expect(manualVerdict(step, INSTRUCTIONS, undefined)).toMatchObject({
      outcome: 'timedOut',
      error: {
        code: 'StepTimedOut',
        message: "users-back: nobody confirmed done or abort within 60 minutes (the step's timeout)",
      },
    });
    expect(manualSkippedVerdict(INSTRUCTIONS, 'a drill skips it')).toEqual({
      outcome: 'succeeded',
      skipped: 'a drill skips it',
      summary: 'skipped: a drill skips it',
      evidence: { instructions: INSTRUCTIONS },
    });
  });
});

describe('the run with a manual step', () => {
  const failover = () => {
    const p = plan();
    return { p, r: initialReport(runInput({ mode: 'failover', plan: p, runId: 'r' }), when(0)) };
  };
  const ended = (r: RunReport, over: Record<string, unknown>, minute: number) =>
    stepEnded(r, {
      type: 'stepEnded',
      stepId: 'users-back',
      outcome: 'succeeded',
      summary: 's',
      evidence: {},
      startedAt: at(1),
      endedAt: at(minute),
      ...over,
    });

  it('shows the instructions, how and until when to confirm, and a wait on the timeline', () => {
    const { p, r } = failover();
    const started = groupStarted(r, p, 0, when(1));
    const step = started.groups[0]!.steps[0]!;
    expect(step).toMatchObject({
      status: 'running',
      target: "a person: Fail the pool's users back to pool1 (Invoke-CsPoolFailback).",
      manual: {
        instructions: INSTRUCTIONS,
        waits: true,
        deadline: at(61),
        done: '/api/runs/r/steps/users-back/done',
        abort: '/api/runs/r/steps/users-back/abort',
      },
    });
    expect(started.waits).toEqual([
      { kind: 'manualStep', what: 'a person to confirm manual step users-back', from: at(1) },
    ]);
    const status = waitingManualSteps(started);
    expect(status.text).toBe(
      `manual step users-back waits for a person (POST /api/runs/r/steps/users-back/done or /api/runs/r/steps/users-back/abort before ${at(61)}): ${INSTRUCTIONS}`,
    );
    expect(checkManualDecision(started, 'users-back')).toEqual({ ok: true, role: 'approver' });
    expect(checkManualDecision(started, 'pchat')).toMatchObject({
      ok: false,
      status: 409,
      code: 'NotAManualStep',
    });
    expect(checkManualDecision(started, 'nope')).toMatchObject({ ok: false, status: 404 });

    const done = ended(started, {}, 20).report;
    expect(done.waits?.[0]?.to).toBe(at(20));
    expect(waitingManualSteps(done).steps).toEqual([]);
    expect(checkManualDecision(done, 'users-back')).toMatchObject({ ok: false, code: 'StepNotWaiting' });
  });

  it('abort stops the plan by the step policy', () => {
    const { p, r } = failover();
    const aborted = ended(groupStarted(r, p, 0, when(1)), { outcome: 'failed' }, 20);
    expect(aborted.stop).toBe(true);
  });

  it('a drill skips it: the step is `skipped` with the reason, and the drill can still succeed', () => {
    const p = plan();
    const r = groupStarted(initialReport(runInput({ plan: p, runId: 'r' }), when(0)), p, 0, when(1));
    expect(r.groups[0]!.steps[0]!.manual).toEqual({ instructions: INSTRUCTIONS, waits: false });
    expect(r.waits).toBeUndefined();
    expect(checkManualDecision(r, 'users-back')).toMatchObject({ ok: false, code: 'StepNotWaiting' });
    const skipped = ended(r, { skipped: 'a drill skips it' }, 1);
    expect(skipped.stop).toBe(false);
    expect(skipped.report.groups[0]!.steps[0]).toMatchObject({
      status: 'skipped',
      skipped: 'a drill skips it',
    });
    const next = groupStarted(skipped.report, p, 1, when(2));
    const pchat = stepEnded(next, {
      type: 'stepEnded',
      stepId: 'pchat',
      outcome: 'succeeded',
      summary: 'read',
      evidence: {},
      startedAt: at(2),
      endedAt: at(3),
    }).report;
    expect(finalReport(pchat, when(4))).toMatchObject({ outcome: 'succeeded', state: 'completed' });
  });
});

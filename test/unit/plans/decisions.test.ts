import { describe, expect, it } from 'vitest';
import {
  actorOf,
  canonicalJson,
  decideAdmission,
  decideStepAdmission,
  newRequestId,
  planRequestSchema,
  TICKET_MAX_AGE_MS,
  type AdmissionEntry,
  type PlanRequest,
  type StartTicket,
} from '../../../shared/plans/decisions';
import type { RunReport } from '../../../shared/plans/report';
import {
  applyRequest,
  decidedRequestIds,
  finalReport,
  groupStarted,
  initialReport,
  type PlanRunStart,
} from '../../../shared/plans/run';
import { at, runInput, samplePlan, when } from './helpers';

/**
 * Issue 20: a run trusts only what Lifeboat wrote. Admission (start ticket, plan by name and
 * hash, failovers switch) and the run's decisions on recorded requests, in arrival order.
 */

const PLAN = samplePlan();
const SHA = 'b'.repeat(64);
const entries: AdmissionEntry[] = [{ name: 'dr-all', valid: true, plan: PLAN, sha256: SHA }];
const RUN = 'dr-all-failover-20261129T090000Z-abc';

const start = (over: Partial<PlanRunStart> = {}): PlanRunStart => ({
  runId: RUN,
  mode: 'failover',
  plan: 'dr-all',
  planSha256: SHA,
  requestedBy: 'alice',
  requestedAt: at(0),
  reason: 'primary down',
  approvalTimeoutMs: 30 * 60_000,
  preemptWaitMs: 15 * 60_000,
  ...over,
});
const ticketOf = (input: PlanRunStart, writtenAt = at(0)): StartTicket => ({
  runId: input.runId,
  input,
  writtenAt,
});

describe('decideAdmission', () => {
  it('admits the start its route recorded, with the deployed plan loaded by name', () => {
    const s = start();
    const a = decideAdmission(s, RUN, ticketOf(s), entries, true, when(1));
    expect(a).toEqual({ admitted: true, input: { ...s, plan: PLAN } });
    // Key order does not matter (the input went through the task hub).
    const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(s).reverse()))) as unknown;
    expect(decideAdmission(reordered, RUN, ticketOf(s), entries, true, when(1)).admitted).toBe(true);
  });

  it('refuses an inline plan, a start without ticket, a changed input, another instance id: none are Lifeboat’s', () => {
    const s = start();
    const inline = { ...s, plan: { ...PLAN, approval: 'auto' } };
    expect(decideAdmission(inline, RUN, ticketOf(s), entries, true, when(1))).toMatchObject({
      admitted: false,
      code: 'InlinePlan',
      ticketed: false,
    });
    expect(decideAdmission(s, RUN, undefined, entries, true, when(1))).toMatchObject({
      code: 'NoTicket',
      ticketed: false,
    });
    const tampered = { ...s, approvalTimeoutMs: 999_999_000 };
    expect(decideAdmission(tampered, RUN, ticketOf(s), entries, true, when(1))).toMatchObject({
      code: 'TicketMismatch',
    });
    expect(decideAdmission(s, `${RUN}-2`, ticketOf(s), entries, true, when(1))).toMatchObject({
      code: 'TicketMismatch',
    });
    expect(decideAdmission({ runId: RUN }, RUN, ticketOf(s), entries, true, when(1))).toMatchObject({
      code: 'InvalidStart',
    });
  });

  it('refuses a stale ticket, failovers switched off, and a plan that changed or went away', () => {
    const s = start();
    const late = new Date(Date.parse(at(0)) + TICKET_MAX_AGE_MS + 1);
    expect(decideAdmission(s, RUN, ticketOf(s), entries, true, late)).toMatchObject({
      code: 'TicketExpired',
    });
    expect(decideAdmission(s, RUN, ticketOf(s), entries, false, when(1))).toMatchObject({
      code: 'FailoversDisabled',
      ticketed: true,
    });
    const drill = start({ mode: 'drill' });
    expect(decideAdmission(drill, RUN, ticketOf(drill), entries, false, when(1)).admitted).toBe(true);
    const changed: AdmissionEntry[] = [{ ...entries[0]!, sha256: 'c'.repeat(64) }];
    expect(decideAdmission(s, RUN, ticketOf(s), changed, true, when(1))).toMatchObject({
      code: 'PlanChanged',
      ticketed: true,
    });
    expect(decideAdmission(s, RUN, ticketOf(s), [], true, when(1))).toMatchObject({ code: 'PlanNotFound' });
  });
});

describe('decideStepAdmission', () => {
  const step = PLAN.groups[0]!.steps[0]!;
  const raw = (over: Record<string, unknown> = {}) => ({
    runId: RUN,
    step,
    mode: 'failover',
    notify: { instanceId: RUN, event: 'signal' },
    ...over,
  });
  const found = { ticket: ticketOf(start()), entries, stepStatus: 'running' };
  it('admits the plan’s own step that its run shows running', () => {
    expect(decideStepAdmission(raw(), `${RUN}-step-apim`, found)).toEqual({ admitted: true });
  });
  it('refuses a step its run did not start, another step, another mode, another instance id', () => {
    expect(decideStepAdmission(raw(), `${RUN}-step-apim`, { ...found, stepStatus: 'pending' })).toMatchObject(
      {
        code: 'StepNotStarted',
      },
    );
    expect(
      decideStepAdmission(raw({ step: { ...step, timeoutMinutes: 1 } }), `${RUN}-step-apim`, found),
    ).toMatchObject({ code: 'StepMismatch' });
    expect(decideStepAdmission(raw({ mode: 'drill' }), `${RUN}-step-apim`, found)).toMatchObject({
      code: 'NoTicket',
    });
    expect(decideStepAdmission(raw(), 'anything', found)).toMatchObject({ code: 'NotStartedByRun' });
    // A failback's step does other work (issue 23): the direction must be the run's, both ways.
    expect(decideStepAdmission(raw({ failback: true }), `${RUN}-step-apim`, found)).toMatchObject({
      code: 'NoTicket',
    });
    const back = { ...found, ticket: ticketOf(start({ failback: true })) };
    expect(decideStepAdmission(raw(), `${RUN}-step-apim`, back)).toMatchObject({ code: 'NoTicket' });
    expect(decideStepAdmission(raw({ failback: true }), `${RUN}-step-apim`, back)).toEqual({
      admitted: true,
    });
    expect(
      decideStepAdmission(raw({ notify: { instanceId: 'x', event: 'signal' } }), `${RUN}-step-apim`, found),
    ).toMatchObject({ code: 'NotStartedByRun' });
  });
});

describe('request records', () => {
  it('ids sort in arrival order and the record schema accepts them', () => {
    const a = newRequestId(new Date('2026-11-29T09:00:00.005Z'), 'Z_z9');
    const b = newRequestId(new Date('2026-11-29T09:00:00.010Z'), 'aa');
    expect(a).toBe('20261129T090000005Z-zz9');
    expect(a < b).toBe(true);
    expect(
      planRequestSchema.safeParse({
        id: a,
        runId: RUN,
        kind: 'approve',
        at: at(0),
        by: actorOf({ objectId: 'oid-bob', name: 'bob' }),
      }).success,
    ).toBe(true);
    expect(actorOf(undefined)).toBeUndefined();
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
  });
});

describe('applyRequest', () => {
  let n = 0;
  const request = (kind: PlanRequest['kind'], over: Partial<PlanRequest> = {}): PlanRequest => ({
    id: newRequestId(when(n), `r${++n}`),
    runId: RUN,
    kind,
    at: at(n),
    ...over,
  });
  const pending = (): RunReport => initialReport(runInput({ runId: RUN, mode: 'failover' }), when(0));
  const bob = actorOf({ objectId: 'oid-bob', name: 'bob' });
  const carol = actorOf({ objectId: 'oid-carol', name: 'carol' });

  it('approve then reject sent together: the first is applied, the second ignored with the reason', () => {
    const approved = applyRequest(pending(), request('approve', { ...(bob && { by: bob }) }), when(1)).report;
    expect(approved.state).toBe('running');
    const rejected = applyRequest(
      approved,
      request('reject', { ...(carol && { by: carol }) }),
      when(1),
    ).report;
    expect(rejected.state).toBe('running');
    expect(rejected.approvals).toMatchObject([{ decision: 'approved', by: 'bob' }]);
    expect(rejected.requests).toMatchObject([
      { kind: 'approve', outcome: 'applied', by: { id: 'oid-bob', name: 'bob' } },
      { kind: 'reject', outcome: 'ignored', reason: 'the failover was already approved by bob' },
    ]);
    expect(decidedRequestIds(rejected)).toHaveLength(2);
  });

  it('a Resolved alert after the approval never stops the failover; before it, it cancels the pending one', () => {
    const resolved = request('resolved', { reason: 'alert resolved before approval' });
    const approved = applyRequest(pending(), request('approve', { ...(bob && { by: bob }) }), when(1)).report;
    const after = applyRequest(approved, resolved, when(2));
    expect(after.report.state).toBe('running');
    expect(after.stop).toBeUndefined();
    expect(after.report.requests?.at(-1)).toMatchObject({
      kind: 'resolved',
      outcome: 'ignored',
      reason: expect.stringContaining('never stops a failover after its approval'),
    });
    const before = applyRequest(pending(), resolved, when(2)).report;
    expect(before.state).toBe('cancelled');
    expect(finalReport(before, when(3))).toMatchObject({ outcome: 'refused' });
  });

  it('every cancel is kept: the first is applied, later ones ignored naming the first canceller', () => {
    const plan = samplePlan();
    const running = groupStarted(
      initialReport(runInput({ runId: RUN, mode: 'drill', plan }), when(0)),
      plan,
      0,
      when(1),
    );
    const first = applyRequest(
      running,
      request('cancel', { ...(bob && { by: bob }), reason: 'freeze' }),
      when(2),
    );
    expect(first.stop).toBe('cancel');
    const second = applyRequest(first.report, request('cancel', { ...(carol && { by: carol }) }), when(3));
    expect(second.stop).toBeUndefined();
    expect(second.report.cancel).toMatchObject({ by: 'bob', reason: 'freeze' });
    expect(second.report.requests?.map((q) => [q.by?.name, q.outcome])).toEqual([
      ['bob', 'applied'],
      ['carol', 'ignored'],
    ]);
    expect(second.report.requests?.[1]?.reason).toContain('already being cancelled by bob');
    // A drill needs no approval; a preempting failover's cancel preempts.
    expect(applyRequest(running, request('approve'), when(2)).report.requests?.[0]?.outcome).toBe('ignored');
    expect(applyRequest(running, request('cancel', { preemptedBy: 'f1' }), when(2))).toMatchObject({
      stop: 'preempt',
      report: { preemptedBy: 'f1' },
    });
  });

  it('a cancel shows `cancelling` at once, through the cleanups; the final report says `cancelled`', () => {
    const plan = samplePlan();
    const running = groupStarted(
      initialReport(runInput({ runId: RUN, mode: 'drill', plan }), when(0)),
      plan,
      0,
      when(1),
    );
    expect(running.state).toBe('running');
    const cancelling = applyRequest(running, request('cancel', { reason: 'freeze' }), when(2)).report;
    expect(cancelling.state).toBe('cancelling');
    const ended = finalReport(cancelling, when(3));
    expect(ended).toMatchObject({ state: 'cancelled', error: { code: 'Cancelled' } });
    // A preemption recorded while the drill cleans up (every step ended) still marks it preempted.
    const cleaning = { ...running, state: 'cleaningUp' as const };
    const preempted = applyRequest(cleaning, request('cancel', { preemptedBy: 'f1' }), when(2)).report;
    expect(preempted).toMatchObject({ state: 'cancelling', preemptedBy: 'f1' });
    expect(finalReport(preempted, when(3))).toMatchObject({
      state: 'cancelled',
      error: { code: 'Preempted' },
    });
  });

  it('a run that is finishing keeps late requests as ignored, and still attaches alerts', () => {
    const r = pending();
    const late = applyRequest(r, request('approve'), when(5), true).report;
    expect(late.state).toBe('pendingApproval');
    expect(late.requests?.[0]).toMatchObject({
      outcome: 'ignored',
      reason: expect.stringContaining('finishing'),
    });
    const alert = {
      alertId: 'a1',
      rule: 'r',
      monitorCondition: 'Fired' as const,
      receivedAt: at(0),
    };
    const attached = applyRequest(r, request('alert', { alert }), when(5), true).report;
    expect(attached.alerts).toMatchObject([{ alertId: 'a1' }]);
  });
});

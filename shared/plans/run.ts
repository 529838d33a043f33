import { z } from 'zod';
import {
  alertIdField,
  alertRuleField,
  alertTimeField,
  reportTargetIdsField,
  severityField,
} from './alertFields';
import type { Outcome, Problem } from '../outcome';
import { planSchema, type Plan, type PlanStep, type RunMode } from './plan';
import type { PlanRequest } from './decisions';
import type {
  AlertReport,
  ApprovalReport,
  CleanupReport,
  ManualStepReport,
  RequestReport,
  RunReport,
  RunSummary,
  StepReport,
  WaitReport,
} from './report';

/**
 * A plan run as pure state transitions (issue 10): the `planRun` orchestration only sequences
 * these and writes the report they produce, so every decision (which steps run next, what a
 * failure stops, what a cleanup is, the outcome, RTO and RPO achieved, the critical path) is
 * here, with `now` as an input and unit tests.
 */

// The alert's fields take the intake's own length rules (../alerts/limits.ts): an alert the
// intake accepted always fits the run input.
export const alertReportSchema = z.strictObject({
  alertId: alertIdField,
  rule: alertRuleField,
  severity: severityField.optional(),
  monitorCondition: z.enum(['Fired', 'Resolved']),
  firedDateTime: alertTimeField.optional(),
  resolvedDateTime: alertTimeField.optional(),
  targetIds: reportTargetIdsField.optional(),
  receivedAt: alertTimeField,
});

const who = z.string().min(1).max(256);

/**
 * What the run works with once admitted: the start input with the deployed plan it names
 * (loaded by the run's first activity, shared/plans/decisions.ts, never taken from the input).
 */
export const planRunInputSchema = z.strictObject({
  runId: z.string().min(1).max(200),
  mode: z.enum(['drill', 'failover']),
  plan: planSchema,
  planSha256: z.string().regex(/^[0-9a-f]{64}$/),
  requestedBy: who.optional(),
  /** The requester's Entra object id (or `alert:<rule>`): what the two-person rule compares. */
  requestedById: who.optional(),
  requestedAt: z.string().max(40),
  reason: z.string().max(2000).optional(),
  alert: alertReportSchema.optional(),
  /** The drill this failover preempted: the failover waits for it to finish its cleanup first. */
  preempted: z.string().max(200).optional(),
  /**
   * A failback (issue 23, ./failback.ts): production comes home from the standby. `mode` keeps
   * its meaning (`failover`: real, with the failovers' switch and approval; `drill`: a rehearsal).
   */
  failback: z.literal(true).optional(),
  approvalTimeoutMs: z.number().int().min(1000),
  preemptWaitMs: z.number().int().min(0),
});
export type PlanRunInput = z.input<typeof planRunInputSchema>;
export type ParsedPlanRunInput = z.output<typeof planRunInputSchema>;

/**
 * What `planRun` is started with (by shared/plans/start.ts, after validation and the plan's
 * lock, with a start ticket recorded first): the plan by name and hash, never the plan itself.
 */
export const planRunStartSchema = planRunInputSchema.extend({
  plan: z.string().min(1).max(100),
});
export type PlanRunStart = z.infer<typeof planRunStartSchema>;

/**
 * The orchestration's own input schema: anything. The run's first activity decides what it is
 * (shared/plans/decisions.ts `admitPlanRun`), so a start that is not Lifeboat's ends `refused`
 * with a security event rather than as mere invalid input.
 */
export const planRunRawSchema = z.unknown();

/** What a step child (`planStep`) reports when it ends. */
export interface StepEnded {
  type: 'stepEnded';
  stepId: string;
  outcome: Exclude<Outcome, never>;
  error?: Problem;
  summary: string;
  evidence: Record<string, unknown>;
  /** The recovery point the step restored (backup takenAt), for the RPO achieved. */
  recoveryPointAt?: string;
  /** Skipped by design, and why (a drill skips a manual step): the step counts as not needed. */
  skipped?: string;
  startedAt: string;
  endedAt: string;
}

/**
 * Bells a run hears (one event name, so no waiter is ever left stale). None carries a decision or
 * a result the run believes: a `request` names a record the run reads (shared/plans/decisions.ts),
 * a `stepEnded` names a step whose child's own output the run reads, a `drillEnded` names a drill
 * whose end the run checks. Extra fields (a child's result sent with its bell) are ignored.
 */
export const planSignalSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('request'), id: z.string().min(1).max(100) }),
  z.object({ type: z.literal('stepEnded'), stepId: z.string().min(1).max(100) }),
  z.object({ type: z.literal('drillEnded'), runId: z.string().min(1).max(200) }),
]);
export type PlanSignal = z.infer<typeof planSignalSchema>;

/** What a step child's output must be for the run to record it (the child's own result). */
export const stepEndedSchema = z.object({
  type: z.literal('stepEnded'),
  stepId: z.string(),
  outcome: z.enum(['succeeded', 'partial', 'failed', 'refused', 'timedOut']),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  summary: z.string(),
  evidence: z.record(z.string(), z.unknown()),
  recoveryPointAt: z.string().optional(),
  skipped: z.string().max(500).optional(),
  startedAt: z.string(),
  endedAt: z.string(),
});

/** The event every signal arrives as. */
export const PLAN_SIGNAL = 'signal';

// ------------------------------------------------------------------------------------------------
// The report as the run's state

/** What a step acts on, as a person reads it. */
export function stepTarget(step: PlanStep): string {
  switch (step.kind) {
    case 'apim.restore':
      return step.params.service;
    case 'lync.conferenceRestore':
      return `${step.params.site}: ${step.params.poolFqdn} (${step.params.module})`;
    case 'hyperv.failback':
      return `${step.params.site}: ${step.params.vms.join(', ')}`;
    case 'pchat.legacyEndpoint':
      return `${step.params.site}: ${step.params.sipAddress} → ${step.params.poolFqdn}`;
    case 'traffic.switch':
      return `${step.params.profile.split('/').at(-1) ?? ''}: ${step.params.primary} → ${step.params.standby}`;
    case 'manual': {
      const first = step.params.instructions.split('\n')[0] ?? '';
      return `a person: ${first.length > 80 ? `${first.slice(0, 79)}…` : first}`;
    }
  }
}

/** The report of a run that has just been requested. */
export function initialReport(input: ParsedPlanRunInput, now: Date): RunReport {
  const plan = input.plan;
  const needsApproval = input.mode === 'failover' && plan.approval === 'required';
  return {
    schemaVersion: 1,
    runId: input.runId,
    plan: {
      name: plan.name,
      description: plan.description,
      rtoMinutes: plan.rtoMinutes,
      rpoMinutes: plan.rpoMinutes,
      approval: plan.approval,
      sha256: input.planSha256,
    },
    mode: input.mode,
    ...(input.failback === true ? { failback: true as const } : {}),
    state: needsApproval ? 'pendingApproval' : input.preempted !== undefined ? 'waitingForDrill' : 'running',
    ...(input.reason === undefined ? {} : { reason: input.reason }),
    ...(input.requestedBy === undefined ? {} : { requestedBy: input.requestedBy }),
    ...(input.requestedById === undefined ? {} : { requestedById: input.requestedById }),
    requestedAt: input.requestedAt,
    ...(needsApproval
      ? { approvalDeadline: new Date(now.getTime() + input.approvalTimeoutMs).toISOString() }
      : {}),
    rtoStartAt:
      input.mode === 'failover' && input.alert?.firedDateTime !== undefined
        ? input.alert.firedDateTime
        : input.requestedAt,
    approvals:
      input.mode === 'failover' && !needsApproval ? [{ decision: 'auto', at: now.toISOString() }] : [],
    alerts: input.alert === undefined ? [] : [input.alert as AlertReport],
    ...(input.preempted === undefined ? {} : { preempted: input.preempted }),
    percent: 0,
    groups: plan.groups.map((g, gi) => ({
      name: g.name,
      steps: g.steps.map((s): StepReport => ({
        id: s.id,
        kind: s.kind,
        group: gi,
        variant: input.mode,
        onFailure: s.onFailure,
        timeoutMinutes: s.timeoutMinutes,
        target: stepTarget(s),
        status: 'pending',
      })),
    })),
    cleanup: [],
    rto: { targetMinutes: plan.rtoMinutes },
    rpo: { targetMinutes: plan.rpoMinutes },
    writtenAt: now.toISOString(),
  };
}

const allSteps = (r: RunReport) => r.groups.flatMap((g) => g.steps);

function mapStep(r: RunReport, id: string, f: (s: StepReport) => StepReport): RunReport {
  return {
    ...r,
    groups: r.groups.map((g) => ({ ...g, steps: g.steps.map((s) => (s.id === id ? f(s) : s)) })),
  };
}

/** Percent complete: steps that reached an end (ended, skipped, cancelled) of all steps. */
export function percentOf(r: RunReport): number {
  const steps = allSteps(r);
  const done = steps.filter((s) => s.status !== 'pending' && s.status !== 'running').length;
  return steps.length === 0 ? 100 : Math.floor((done / steps.length) * 100);
}

/** The run after an approval decision arrived (or the wait expired). */
export function decided(r: RunReport, approval: ApprovalReport): RunReport {
  const state =
    approval.decision === 'approved' || approval.decision === 'auto'
      ? r.preempted !== undefined
        ? 'waitingForDrill'
        : 'running'
      : approval.decision === 'rejected'
        ? 'rejected'
        : approval.decision === 'expired'
          ? 'expired'
          : 'cancelled';
  return { ...r, state, approvals: [...r.approvals, approval] };
}

/** The run waiting for something outside it (a wait of the same kind already open is kept). */
export function waitStarted(r: RunReport, kind: WaitReport['kind'], what: string, now: Date): RunReport {
  const waits = r.waits ?? [];
  // One open wait per kind, and per manual step (they may wait side by side in a group).
  if (waits.some((w) => w.kind === kind && w.to === undefined && (kind !== 'manualStep' || w.what === what)))
    return r;
  return { ...r, waits: [...waits, { kind, what, from: now.toISOString() }] };
}

/** The run's open waits of `kind` (every kind when omitted; only the one for `what` when given) ended at `now`. */
export function waitEnded(r: RunReport, now: Date, kind?: WaitReport['kind'], what?: string): RunReport {
  if (r.waits === undefined) return r;
  const to = now.toISOString();
  return {
    ...r,
    waits: r.waits.map((w) =>
      w.to === undefined && (kind === undefined || w.kind === kind) && (what === undefined || w.what === what)
        ? { ...w, to }
        : w,
    ),
  };
}

/** What a manual step's wait is called on the timeline. */
const manualWait = (stepId: string) => `a person to confirm manual step ${stepId}`;

/** The run with an alert attached (the same alert id and condition is attached once). */
export function withAlert(r: RunReport, alert: AlertReport | z.infer<typeof alertReportSchema>): RunReport {
  if (r.alerts.some((a) => a.alertId === alert.alertId && a.monitorCondition === alert.monitorCondition))
    return r;
  return { ...r, alerts: [...r.alerts, alert as AlertReport] };
}

/** What the report keeps of a cancel request (who, when, why). */
export function cancelOf(
  request: Pick<PlanRequest, 'by' | 'reason'>,
  at: string,
): NonNullable<RunReport['cancel']> {
  return {
    at,
    ...(request.by === undefined ? {} : { by: request.by.name }),
    ...(request.reason === undefined ? {} : { reason: request.reason }),
  };
}

/** What a request did to the run; `stop` when the run must stop after the steps in flight. */
export interface RequestApplied {
  report: RunReport;
  stop?: 'cancel' | 'preempt';
}

/**
 * Decides one request in arrival order (pure): approve and reject only while the failover waits
 * for approval, the first cancel of a run that has not ended, a Resolved alert only before the
 * approval (a Resolved alert never stops an approved failover: README), alerts attached. Every
 * request is kept in `requests` with what became of it (`applied`, or `ignored` with the reason).
 * A cancel accepted while the run runs or cleans up makes it `cancelling` at once (a preemption
 * recorded while the drill still cleaned up marks it preempted: its lock is the failover's).
 * `closing`: the run takes no more decisions (its cleanups ended, its final report is under way).
 */
export function applyRequest(r: RunReport, q: PlanRequest, now: Date, closing = false): RequestApplied {
  const at = now.toISOString();
  const entry = (outcome: 'applied' | 'ignored', reason?: string): RequestReport => ({
    id: q.id,
    kind: q.kind,
    ...(q.by === undefined ? {} : { by: q.by }),
    at: q.at,
    decidedAt: at,
    outcome,
    ...(reason === undefined ? {} : { reason }),
  });
  const kept = (next: RunReport, e: RequestReport): RunReport => ({
    ...next,
    requests: [...(next.requests ?? []), e],
  });
  const ignore = (reason: string): RequestApplied => ({ report: kept(r, entry('ignored', reason)) });
  const lastApproval = r.approvals.at(-1);
  const notPending = () =>
    lastApproval !== undefined && lastApproval.decision !== 'expired'
      ? `the failover was already ${lastApproval.decision}${by(lastApproval.by)}`
      : `the run is ${r.state}, not waiting for approval`;

  if (q.kind === 'alert' || q.kind === 'resolved') {
    const withIt = q.alert === undefined ? r : withAlert(r, q.alert);
    if (q.kind === 'alert') return { report: kept(withIt, entry('applied')) };
    if (r.state !== 'pendingApproval' || closing)
      return {
        report: kept(
          withIt,
          entry('ignored', `${notPending()}: a Resolved alert never stops a failover after its approval`),
        ),
      };
    const cancelled = decided(withIt, {
      decision: 'cancelled',
      at,
      ...(q.by === undefined ? {} : { by: q.by.name }),
      ...(q.reason === undefined ? {} : { comment: q.reason }),
    });
    return { report: kept({ ...cancelled, cancel: cancelOf(q, at) }, entry('applied')) };
  }
  if (closing)
    return ignore('the run was already finishing (cleanup and report): it takes no more decisions');
  if (q.kind === 'approve' || q.kind === 'reject') {
    if (r.mode !== 'failover') return ignore(`${r.runId} is a drill: drills need no approval`);
    if (r.state !== 'pendingApproval') return ignore(notPending());
    const next = decided(r, {
      decision: q.kind === 'approve' ? 'approved' : 'rejected',
      at,
      ...(q.by === undefined ? {} : { by: q.by.name }),
      ...(q.comment === undefined ? {} : { comment: q.comment }),
    });
    return { report: kept(next, entry('applied')) };
  }
  // cancel
  if (r.cancel !== undefined)
    return ignore(`the run is already being cancelled${by(r.cancel.by)} (at ${r.cancel.at})`);
  if (isEnded(r.state)) return ignore(`the run already ended (${r.state})`);
  const cancel = cancelOf(q, at);
  if (r.state === 'pendingApproval') {
    const next = decided(r, {
      decision: 'cancelled',
      at,
      ...(q.by === undefined ? {} : { by: q.by.name }),
      ...(q.reason === undefined ? {} : { comment: q.reason }),
    });
    return { report: kept({ ...next, cancel }, entry('applied')) };
  }
  if (r.state === 'waitingForDrill')
    return { report: kept({ ...r, state: 'cancelled', cancel }, entry('applied')) };
  // Running (or cleaning up): `cancelling` at once, until the steps in flight and the cleanups end.
  return {
    report: kept(
      {
        ...r,
        state: 'cancelling',
        cancel,
        ...(q.preemptedBy === undefined ? {} : { preemptedBy: q.preemptedBy }),
      },
      entry('applied'),
    ),
    stop: q.preemptedBy === undefined ? 'cancel' : 'preempt',
  };
}

const isEnded = (state: RunReport['state']) =>
  state === 'completed' || state === 'cancelled' || state === 'rejected' || state === 'expired';

/** The ids of the requests a run has decided (so it reads only the new ones). */
export function decidedRequestIds(r: RunReport): string[] {
  return (r.requests ?? []).map((q) => q.id);
}

/**
 * Cleanups a step registers when it starts: a Hyper-V drill creates one test VM per VM; a failover's
 * traffic switch registers putting the routing back (run only when the plan is cancelled or fails:
 * {@link trafficPutBackNeeded}; the switch records what was there before it changes anything).
 */
export function cleanupsFor(step: PlanStep, mode: RunMode, now: Date): CleanupReport[] {
  if (mode === 'failover' && step.kind === 'traffic.switch')
    return [
      {
        id: `traffic:${step.id}`,
        stepId: step.id,
        description: `traffic routing of ${step.params.profile.split('/').at(-1) ?? ''} as it was before step ${step.id}`,
        action: { kind: 'traffic', target: step.params },
        registeredAt: now.toISOString(),
        status: 'pending' as const,
      },
    ];
  if (mode !== 'drill' || step.kind !== 'hyperv.failback') return [];
  return step.params.vms.map((vm) => ({
    id: `test-vm:${step.params.site}:${vm.toLowerCase()}`,
    stepId: step.id,
    description: `test VM ${vm} - Test at ${step.params.site}`,
    action: { site: step.params.site, vm },
    registeredAt: now.toISOString(),
    status: 'pending' as const,
  }));
}

/**
 * Whether a traffic switch must be put back: the plan was cancelled, or a step failed, was
 * skipped or cancelled. A failover that succeeded keeps its traffic on the standby.
 */
export function trafficPutBackNeeded(r: RunReport): boolean {
  return (
    // A cancel being carried out (`cancelling` until the cleanups end) or done.
    r.state === 'cancelled' ||
    r.state === 'cancelling' ||
    r.cancel !== undefined ||
    // A step skipped by design (a failback's on-premises step) is not one that failed.
    allSteps(r)
      .filter((s) => s.skipped === undefined)
      .some((s) => s.status !== 'ended' || !stepSucceeded(s.outcome ?? 'failed'))
  );
}

/** The run after group `gi`'s steps started (their cleanups registered first). */
export function groupStarted(r: RunReport, plan: Plan, gi: number, now: Date): RunReport {
  const at = now.toISOString();
  const group = plan.groups[gi];
  if (group === undefined) throw new RangeError(`no group ${gi}`);
  let next: RunReport = {
    ...r,
    state: 'running',
    currentGroup: gi,
    ...(r.startedAt === undefined ? { startedAt: at } : {}),
  };
  for (const step of group.steps) {
    const known = new Set(next.cleanup.map((c) => c.id));
    next = {
      ...next,
      cleanup: [...next.cleanup, ...cleanupsFor(step, r.mode, now).filter((c) => !known.has(c.id))],
    };
    const manual = step.kind === 'manual' ? manualOf(r.runId, r.mode, step, now) : undefined;
    if (manual?.waits === true) next = waitStarted(next, 'manualStep', manualWait(step.id), now);
    next = mapStep(next, step.id, (s) => ({
      ...s,
      status: 'running',
      startedAt: at,
      ...(manual === undefined ? {} : { manual }),
    }));
  }
  return { ...next, percent: percentOf(next) };
}

/** What the run shows of a manual step when it starts: the instructions, and whether and how it waits. */
export function manualOf(
  runId: string,
  mode: RunMode,
  step: Extract<PlanStep, { kind: 'manual' }>,
  now: Date,
): ManualStepReport {
  const waits = mode === 'failover' || step.params.drill === 'wait';
  if (!waits) return { instructions: step.params.instructions, waits };
  const route = `/api/runs/${runId}/steps/${step.id}`;
  return {
    instructions: step.params.instructions,
    waits,
    deadline: new Date(now.getTime() + step.timeoutMinutes * 60_000).toISOString(),
    done: `${route}/done`,
    abort: `${route}/abort`,
  };
}

/**
 * The manual steps of a run waiting for a person now, for the run's custom status (pure): at most
 * three, instructions cut at 500 characters, so the status stays far below its 16 KB limit.
 */
export function waitingManualSteps(r: RunReport): {
  /** Every manual step waiting, by id. */
  all: string[];
  text: string;
  steps: { stepId: string; instructions: string; deadline?: string; done?: string; abort?: string }[];
} {
  const waiting = allSteps(r).filter((s) => s.status === 'running' && s.manual?.waits === true);
  const steps = waiting.slice(0, 3).map((s) => ({
    stepId: s.id,
    instructions: s.manual!.instructions.slice(0, 500),
    ...(s.manual?.deadline === undefined ? {} : { deadline: s.manual.deadline }),
    ...(s.manual?.done === undefined ? {} : { done: s.manual.done }),
    ...(s.manual?.abort === undefined ? {} : { abort: s.manual.abort }),
  }));
  const text = steps
    .map(
      (m) =>
        `manual step ${m.stepId} waits for a person (POST ${m.done ?? ''} or ${m.abort ?? ''} before ${m.deadline ?? '?'}): ${m.instructions}`,
    )
    .join('; ');
  return {
    all: waiting.map((s) => s.id),
    text: waiting.length > 3 ? `${text}; and ${waiting.length - 3} more` : text,
    steps,
  };
}

/** Whether a step's outcome counts as done (a drill's correct refusal of nothing is not success). */
export function stepSucceeded(outcome: Outcome): boolean {
  return outcome === 'succeeded';
}

/** The run after a step reported its end; `stop` says whether the plan must stop after this group. */
export function stepEnded(
  r: RunReport,
  ended: StepEnded | z.infer<typeof stepEndedSchema>,
): { report: RunReport; stop: boolean } {
  const step = allSteps(r).find((s) => s.id === ended.stepId);
  if (step === undefined || step.status !== 'running') return { report: r, stop: false };
  const durationMs = Math.max(0, Date.parse(ended.endedAt) - Date.parse(step.startedAt ?? ended.startedAt));
  const base =
    step.manual?.waits === true
      ? waitEnded(r, new Date(ended.endedAt), 'manualStep', manualWait(step.id))
      : r;
  const why = ended.skipped;
  if (why !== undefined) {
    // Skipped by design: no outcome, never a failure.
    const skipped = mapStep(base, ended.stepId, (s) => ({
      ...s,
      status: 'skipped',
      skipped: why,
      endedAt: ended.endedAt,
      summary: ended.summary,
      evidence: ended.evidence,
    }));
    return { report: { ...skipped, percent: percentOf(skipped) }, stop: false };
  }
  const next = mapStep(base, ended.stepId, (s) => ({
    ...s,
    status: 'ended',
    outcome: ended.outcome,
    ...(ended.error === undefined ? {} : { error: ended.error }),
    endedAt: ended.endedAt,
    durationMs,
    summary: ended.summary,
    evidence: {
      ...ended.evidence,
      ...(ended.recoveryPointAt === undefined ? {} : { recoveryPointAt: ended.recoveryPointAt }),
    },
  }));
  return {
    report: { ...next, percent: percentOf(next) },
    stop: !stepSucceeded(ended.outcome) && step.onFailure === 'stop',
  };
}

/** Steps still running, by id. */
export function runningSteps(r: RunReport): string[] {
  return allSteps(r)
    .filter((s) => s.status === 'running')
    .map((s) => s.id);
}

/** Marks steps: running ones `cancelled` (abandoned after a preemption), pending ones `skipped` or `cancelled`. */
export function closeUnfinished(r: RunReport, pending: 'skipped' | 'cancelled', now: Date): RunReport {
  const at = now.toISOString();
  const next: RunReport = {
    ...r,
    groups: r.groups.map((g) => ({
      ...g,
      steps: g.steps.map((s) =>
        s.status === 'pending'
          ? { ...s, status: pending }
          : s.status === 'running'
            ? {
                ...s,
                status: 'cancelled',
                endedAt: at,
                summary: 'abandoned: the run was preempted while it ran',
              }
            : s,
      ),
    })),
  };
  return { ...next, percent: percentOf(next) };
}

/** The run after one cleanup ended. */
export function cleanupEnded(
  r: RunReport,
  id: string,
  result: { outcome: Outcome; error?: Problem; detail: string },
  now: Date,
): RunReport {
  return {
    ...r,
    cleanup: r.cleanup.map((c) =>
      c.id === id
        ? {
            ...c,
            status: 'ended',
            outcome: result.outcome,
            ...(result.error === undefined ? {} : { error: result.error }),
            endedAt: now.toISOString(),
            detail: result.detail,
          }
        : c,
    ),
  };
}

const minutesBetween = (from: string, to: string) =>
  Math.round(((Date.parse(to) - Date.parse(from)) / 60_000) * 10) / 10;

/**
 * The run's end: outcome, RTO and RPO achieved, critical path. A drill succeeds when every step
 * succeeded and every cleanup succeeded; a failover when every step succeeded (`continue` steps
 * that failed make it `partial`). Rejected, expired and cancelled-before-the-first-group runs are
 * `refused` (nothing changed); a run cancelled or preempted later is `partial` (what ran succeeded)
 * or `failed`, and a failed cleanup always makes it `failed`.
 */
export function finalReport(r: RunReport, now: Date): RunReport {
  const at = now.toISOString();
  // A step skipped by design (a drill's manual step) is not part of what the run had to do.
  const steps = allSteps(r).filter((s) => s.skipped === undefined);
  const ended = steps.filter((s) => s.status === 'ended');
  const bad = ended.filter((s) => !stepSucceeded(s.outcome ?? 'failed'));
  const cleanupBad = r.cleanup.filter((c) => c.status !== 'ended' || c.outcome !== 'succeeded');
  const cancelled = r.state === 'cancelled' || r.state === 'cancelling';
  let outcome: Outcome;
  let error: Problem | undefined;
  // Cancelled before its first group started: nothing ran. A run cancelled (or preempted) while its
  // first steps ran is not, even if none of them ended: its cleanups and the cancel rules below apply.
  if (r.state === 'rejected' || r.state === 'expired' || (cancelled && r.startedAt === undefined)) {
    outcome = 'refused';
    error =
      r.state === 'rejected'
        ? { code: 'Rejected', message: `rejected${by(r.approvals.at(-1)?.by)}: nothing was changed` }
        : r.state === 'expired'
          ? { code: 'ApprovalExpired', message: 'no approval before the deadline: nothing was changed' }
          : { code: 'Cancelled', message: `cancelled${by(r.cancel?.by)} before any step ran` };
  } else if (cleanupBad.length > 0) {
    outcome = 'failed';
    error = {
      code: 'CleanupFailed',
      message: cleanupBad.map((c) => `${c.description} still exists`).join('; '),
    };
  } else if (cancelled) {
    outcome = bad.length === 0 ? 'partial' : 'failed';
    error = {
      code: r.preemptedBy === undefined ? 'Cancelled' : 'Preempted',
      message:
        r.preemptedBy === undefined
          ? `cancelled${by(r.cancel?.by)} after ${ended.length} of ${steps.length} steps`
          : `preempted by failover ${r.preemptedBy} after ${ended.length} of ${steps.length} steps`,
    };
  } else if (bad.length === 0 && ended.length === steps.length) {
    outcome = 'succeeded';
  } else {
    const someGood = ended.some((s) => s.outcome === 'succeeded');
    const allRefused = bad.every((s) => s.outcome === 'refused') && !someGood;
    outcome = allRefused ? 'refused' : someGood ? 'partial' : 'failed';
    const first = bad[0];
    error = {
      code: first?.error?.code ?? 'StepsFailed',
      message: bad.map((s) => `${s.id}: ${s.error?.message ?? s.outcome}`).join('; ') || 'not every step ran',
    };
  }
  const state =
    r.state === 'running' || r.state === 'cleaningUp'
      ? 'completed'
      : r.state === 'cancelling'
        ? 'cancelled'
        : r.state;
  const withCritical = markCriticalPath(r);
  // RTO: from the recovery's start to the moment the last required (onFailure stop) step ended well.
  // A plan with no `stop` step requires every step (else a run that fully succeeded has no RTO).
  const anyStop = steps.some((s) => s.onFailure === 'stop');
  const isRequired = (s: StepReport) => s.onFailure === 'stop' || !anyStop;
  const required = ended.filter((s) => isRequired(s) && s.outcome === 'succeeded');
  const allRequiredOk =
    outcome === 'succeeded' ||
    (steps.filter(isRequired).every((s) => s.status === 'ended' && s.outcome === 'succeeded') &&
      ended.length === steps.length);
  const lastRequired = required
    .map((s) => s.endedAt ?? at)
    .sort()
    .at(-1);
  const achievedRto =
    allRequiredOk && lastRequired !== undefined ? minutesBetween(r.rtoStartAt, lastRequired) : undefined;
  const points = ended
    .map((s) => s.evidence?.['recoveryPointAt'])
    .filter((v): v is string => typeof v === 'string')
    .sort();
  const oldest = points[0];
  const achievedRpo = oldest === undefined ? undefined : minutesBetween(oldest, r.startedAt ?? r.requestedAt);
  return {
    ...waitEnded(withCritical, now),
    state,
    outcome,
    ...(error === undefined ? {} : { error }),
    endedAt: at,
    percent: 100,
    rto: {
      targetMinutes: r.rto.targetMinutes,
      ...(achievedRto === undefined
        ? {}
        : { achievedMinutes: achievedRto, met: achievedRto <= r.rto.targetMinutes }),
    },
    rpo: {
      targetMinutes: r.rpo.targetMinutes,
      ...(achievedRpo === undefined
        ? {}
        : {
            achievedMinutes: achievedRpo,
            met: achievedRpo <= r.rpo.targetMinutes,
            source: 'the oldest recovery point restored (backup takenAt)',
          }),
    },
  };
}

const by = (who: string | undefined) => (who === undefined ? '' : ` by ${who}`);

/** Marks the longest step of each group (groups run one after another, so these make the critical path). */
export function markCriticalPath(r: RunReport): RunReport {
  return {
    ...r,
    groups: r.groups.map((g) => {
      const timed = g.steps.filter((s) => s.durationMs !== undefined);
      const longest = timed.reduce<StepReport | undefined>(
        (a, s) => (a === undefined || (s.durationMs ?? 0) > (a.durationMs ?? 0) ? s : a),
        undefined,
      );
      return {
        ...g,
        steps: g.steps.map((s) => ({ ...s, critical: longest !== undefined && s.id === longest.id })),
      };
    }),
  };
}

/** What changed since the plan's previous run of the same mode. */
export function diffRuns(previous: RunReport, current: RunReport): NonNullable<RunReport['changes']> {
  const before = new Map(allSteps(previous).map((s) => [s.id, s]));
  const after = new Map(allSteps(current).map((s) => [s.id, s]));
  return {
    previousRunId: previous.runId,
    added: [...after.keys()].filter((id) => !before.has(id)),
    removed: [...before.keys()].filter((id) => !after.has(id)),
    outcomeChanged: [...after.values()]
      .filter((s) => before.has(s.id))
      .map((s) => ({ id: s.id, from: before.get(s.id)?.outcome ?? 'notRun', to: s.outcome ?? 'notRun' }))
      .filter((c) => c.from !== c.to),
  };
}

/** The one-line view of a run. */
export function summaryOf(r: RunReport): RunSummary {
  return {
    runId: r.runId,
    plan: r.plan.name,
    mode: r.mode,
    ...(r.failback === true ? { failback: true as const } : {}),
    state: r.state,
    ...(r.outcome === undefined ? {} : { outcome: r.outcome }),
    percent: r.percent,
    requestedAt: r.requestedAt,
    ...(r.requestedBy === undefined ? {} : { requestedBy: r.requestedBy }),
    ...(r.reason === undefined ? {} : { reason: r.reason }),
    ...(r.approvalDeadline === undefined ? {} : { approvalDeadline: r.approvalDeadline }),
    ...(r.startedAt === undefined ? {} : { startedAt: r.startedAt }),
    ...(r.endedAt === undefined ? {} : { endedAt: r.endedAt }),
    rto: r.rto,
    rpo: r.rpo,
    reportUri: `/api/runs/${r.runId}/report.html`,
  };
}

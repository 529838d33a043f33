import { publicError } from '../../shared/errors';
import type { PlanRunResult } from '../../shared/plans/flow';
import type { Admission } from '../../shared/plans/decisions';
import type { RunReport } from '../../shared/plans/report';
import type { TrafficTarget } from '../../shared/traffic/contracts';

import type { trafficCleanupResult } from '../../shared/plans/steps';

type CleanupResult = ReturnType<typeof trafficCleanupResult>;
import type { ParsedPlanRunInput, PlanSignal } from '../../shared/plans/run';
import {
  call,
  callSub,
  finish,
  inputText,
  lazy,
  orchestration,
  progress,
  runCommand,
  securityEvent,
  type Gen,
} from '../kit';
import type { OrchestrationContext } from 'durable-functions';
import { durable } from '../names/durable';
import { plans as names } from '../names/plans';
import { standby } from '../names/standby';
import { traffic } from '../names/traffic';

/**
 * A recovery plan run, drill or failover (issue 10), read as the plan it runs:
 *   0. admission (issue 20): the start must be one a route recorded (its ticket), the plan is
 *      loaded by name from the deployed plans with the recorded hash, failovers must be on;
 *      anything else ends `refused` with a security event and touches nothing;
 *   1. a failover whose plan requires approval waits for approve / reject / cancel, raced with
 *      the approval timeout (expired: nothing changed);
 *   2. a failover that preempted a drill of its plan waits (bounded) for the drill's cleanup;
 *   3. groups one after another; the steps of a group in parallel, each a `planStep` child whose
 *      own output (read from the task hub) is its result; a failed `stop` step ends the plan
 *      after its group, a cancel after the steps in flight, a preemption at once;
 *   4. cleanups (test VMs) in reverse order of registration, each recorded, whatever happened;
 *   5. the final report (outcome, RTO and RPO achieved, critical path), the plan's lock freed.
 * Events only ring the bell: decisions and alerts are request records the routes wrote, read and
 * decided here in arrival order (shared/plans/run.ts `applyRequest`), each kept in the report
 * with what became of it. The report is written at the start and after every change, so a run
 * that dies leaves a partial report. Every bell arrives as one event name (`signal`).
 */

const run = lazy(() => import('../../shared/plans/run'));
const steps = lazy(() => import('../../shared/plans/steps'));
const changes = lazy(() => import('../../shared/plans/reportChange'));
const versions = lazy(() => import('../../shared/plans/versions'));
const failback = lazy(() => import('../../shared/plans/failback'));

const EVENT = 'lifeboat.plans.run';
/** How often a run re-reads its running steps when no bell came (a lost bell delays, never hangs). */
const RECHECK_MS = 5 * 60_000;
/** A bell can ring just before its child completes: the first re-check is soon. */
const BELL_RECHECK_MS = 2_000;

orchestration(names.planRun, {
  uses: [run, steps, changes, versions, failback],
  input: () => run.get().planRunRawSchema,
  event: EVENT,
  ended: (ending, raw) => {
    const runId = inputText(raw, 'runId');
    return {
      ...ending,
      runId,
      plan: inputText(raw, 'plan', 100),
      mode: inputText(raw, 'mode') === 'failover' ? ('failover' as const) : ('drill' as const),
      state: 'completed' as const,
      reportUri: `/api/runs/${runId}/report.html`,
    };
  },
  *run(context, raw) {
    const admission = yield* call(context, names.admitPlanRun, {
      start: raw,
      instanceId: context.df.instanceId,
      // Deterministic per execution: a retried activity claims again, a restarted instance cannot.
      claim: context.df.newGuid(context.df.instanceId),
    });
    if (!admission.admitted) return yield* refused(context, admission, raw);
    return yield* planRun(context, admission.input);
  },
});

/**
 * A start that was not admitted: a security event, and nothing touched, unless the run is
 * Lifeboat's own (its ticket matched, e.g. failovers were switched off meanwhile): then its report
 * ends refused and its lock is freed.
 */
function* refused(
  context: OrchestrationContext,
  admission: Extract<Admission, { admitted: false }>,
  raw: unknown,
): Gen<PlanRunResult> {
  const r = run.get();
  const runId = admission.runId ?? inputText(raw, 'runId');
  const plan = admission.plan ?? inputText(raw, 'plan', 100);
  const mode = inputText(raw, 'mode') === 'failover' ? ('failover' as const) : ('drill' as const);
  const error = { code: admission.code, message: admission.message };
  if (!admission.ticketed)
    securityEvent(context, 'planRunRefused', { runId, plan, mode, outcome: 'refused', error });
  let state: RunReport['state'] = 'cancelled';
  if (admission.ticketed && admission.report !== undefined) {
    const now = context.df.currentUtcDateTime;
    const report: RunReport = {
      ...r.finalReport({ ...admission.report, state: 'cancelled' }, now),
      error,
      writtenAt: now.toISOString(),
    };
    state = report.state;
    yield* call(context, names.writePlanReport, { report, final: true });
    yield* call(context, names.releasePlanLock, { plan, runId });
  }
  return finish(
    context,
    EVENT,
    { outcome: 'refused', error, runId, plan, mode, state, reportUri: `/api/runs/${runId}/report.html` },
    { runId, plan, mode },
  );
}

function* planRun(context: OrchestrationContext, input: ParsedPlanRunInput): Gen<PlanRunResult> {
  const r = run.get();
  const now = () => context.df.currentUtcDateTime;
  const base = { runId: input.runId, plan: input.plan.name, mode: input.mode };
  // Every time in the report is the orchestration's own clock (the starter's wall-clock stamp is
  // replaced on the first write), so durations never mix two clocks.
  // The run's shape is the one of the version it was started on (shared/plans/versions.ts).
  const shape = versions.get().planRunShape(context.df.version);
  let report: RunReport = {
    ...r.initialReport({ ...input, requestedAt: now().toISOString() }, now()),
    orchestrationVersion: shape.version,
  };
  let sha256: string | undefined;
  /** The report as last written: each write carries only the change since (history grows linearly). */
  let written: RunReport | undefined;

  function* save(final = false): Gen<void> {
    report = { ...report, writtenAt: now().toISOString() };
    const change = changes.get().reportChange(written, report);
    sha256 = (yield* call(context, names.writePlanReport, { runId: input.runId, change, final })).sha256;
    written = report;
  }
  const status = (waitingFor: string, extra: Record<string, unknown> = {}) =>
    progress(context, {
      phase: report.state,
      percent: report.percent,
      waitingFor,
      ...extra,
      ...base,
      ...(report.currentGroup === undefined ? {} : { currentGroup: report.currentGroup }),
    });
  /** Waits for the next bell or the deadline. An event that is no bell is a security event. */
  function* nextSignal(deadline: Date): Gen<PlanSignal | 'deadline'> {
    for (;;) {
      const signal = context.df.waitForExternalEvent(r.PLAN_SIGNAL);
      const timer = context.df.createTimer(deadline);
      const winner = yield context.df.Task.any([signal, timer]);
      if (winner !== signal) return 'deadline';
      timer.cancel();
      const parsed = r.planSignalSchema.safeParse(signal.result);
      if (parsed.success) return parsed.data;
      securityEvent(context, 'unknownEvent', {
        ...base,
        reason: 'an event that is no bell Lifeboat rings was ignored',
        type: inputText(signal.result, 'type', 40),
      });
    }
  }
  /**
   * Reads the requests recorded for the run and not decided yet, decides them in arrival order
   * and saves the report. `bell`: the request id that rang (no record: a security event).
   */
  function* decideRequests(bell?: string, closing = false): Gen<'cancel' | 'preempt' | undefined> {
    const pending = yield* call(context, names.readPlanRequests, {
      runId: input.runId,
      decided: r.decidedRequestIds(report),
    });
    let stop: 'cancel' | 'preempt' | undefined;
    for (const q of pending) {
      const applied = r.applyRequest(report, q, now(), closing);
      report = applied.report;
      if (applied.stop !== undefined) stop = applied.stop;
    }
    if (bell !== undefined && !r.decidedRequestIds(report).includes(bell))
      securityEvent(context, 'requestWithoutRecord', {
        ...base,
        requestId: bell.slice(0, 100),
        reason: 'a bell for a request no route recorded was ignored',
      });
    if (pending.length > 0) yield* save();
    return stop;
  }
  /** A drill this failover preempted has ended, by the task hub (not by the event that says so). */
  function* drillHasEnded(runId: string): Gen<boolean> {
    const end = yield* call(context, names.readFlowEnd, { instanceId: runId, name: names.planRun.name });
    return end.state !== 'running';
  }
  /**
   * Records a running step's end from its child's own output (read from the task hub). `fromBell`:
   * a bell named it. Returns `running` while the child has not ended, and whether the plan stops.
   */
  function* checkStep(stepId: string, fromBell: boolean): Gen<{ running: boolean; stop: boolean }> {
    const step = report.groups.flatMap((g) => g.steps).find((s) => s.id === stepId);
    if (step?.status !== 'running') {
      if (fromBell)
        securityEvent(context, 'stepEndedIgnored', {
          ...base,
          stepId: stepId.slice(0, 100),
          reason: `a step end was rung for a step that is ${step?.status ?? 'not in the plan'}: ignored`,
        });
      return { running: false, stop: false };
    }
    const end = yield* call(context, names.readFlowEnd, {
      instanceId: `${input.runId}-step-${stepId}`,
      name: names.planStep.name,
    });
    if (end.state === 'running') return { running: true, stop: false };
    if (end.state === 'missing') {
      securityEvent(context, 'stepEndedIgnored', {
        ...base,
        stepId,
        reason: 'a step end was rung for a step whose child does not exist: ignored',
      });
      return { running: false, stop: false };
    }
    const at = now().toISOString();
    const parsed = r.stepEndedSchema.safeParse(end.output);
    const ended =
      end.state === 'ended' && parsed.success && parsed.data.stepId === stepId
        ? parsed.data
        : {
            type: 'stepEnded' as const,
            stepId,
            outcome: 'failed' as const,
            error:
              end.state === 'stopped'
                ? { code: 'StepStopped', message: `${stepId}: its flow ended ${end.runtimeStatus ?? ''}` }
                : { code: 'StepResultInvalid', message: `${stepId}: its flow's result is not a step result` },
            summary: 'the step flow ended without a step result',
            evidence: {},
            startedAt: step.startedAt ?? at,
            endedAt: at,
          };
    const next = r.stepEnded(report, ended);
    report = next.report;
    yield* save();
    return { running: false, stop: next.stop };
  }

  status('starting');
  yield* save();
  // A failback needs a 2.2 run (shared/plans/versions.ts): on an older version it ends refused, untouched.
  if (input.failback === true && !shape.failback) {
    const error = {
      code: 'VersionTooOld',
      message: `a failback runs on orchestration version 2.2 or later, this run was started on '${shape.version}': nothing was changed; fix host.json extensions.durableTask.defaultVersion and request it again`,
    };
    report = { ...r.finalReport({ ...report, state: 'cancelled' }, now()), error };
    yield* save(true);
    yield* call(context, names.releasePlanLock, { plan: input.plan.name, runId: input.runId });
    return finish(
      context,
      EVENT,
      {
        outcome: 'refused',
        error,
        ...base,
        state: report.state,
        reportUri: `/api/runs/${input.runId}/report.html`,
        orchestrationVersion: shape.version,
      },
      base,
    );
  }
  // Requests recorded before the run existed (an alert attached while it was being started).
  const early = yield* decideRequests();

  // 1. Approval.
  if (report.state === 'pendingApproval') {
    // The deadline the report shows (set with the report); older reports: from now.
    const deadline = new Date(report.approvalDeadline ?? now().getTime() + input.approvalTimeoutMs);
    report = r.waitStarted(report, 'approval', 'a person to approve or reject the failover', now());
    while (report.state === 'pendingApproval') {
      status(
        `approval: POST /api/failovers/${input.runId}/approve or /reject before ${deadline.toISOString()}`,
      );
      const signal = yield* nextSignal(deadline);
      if (signal === 'deadline') {
        // A decision recorded before the deadline whose bell is late still counts.
        yield* decideRequests();
        if (report.state !== 'pendingApproval') break;
        report = r.decided(report, { decision: 'expired', at: now().toISOString() });
        yield* save();
      } else if (signal.type === 'request') yield* decideRequests(signal.id);
    }
    report = r.waitEnded(report, now(), 'approval');
  }

  // 2. A preempted drill's cleanup first (bounded): a real failover does not wait long for a rehearsal.
  if (report.state === 'waitingForDrill') {
    const deadline = new Date(now().getTime() + input.preemptWaitMs);
    report = r.waitStarted(
      report,
      'preemptedDrill',
      `drill ${input.preempted ?? ''} to finish its cleanup`,
      now(),
    );
    // The drill may have ended already (its bell rang while this failover waited for approval, and
    // a bell is heard once): its end is read first, then after each bell, then at the deadline.
    if (yield* drillHasEnded(input.preempted ?? '')) {
      report = { ...report, state: 'running' };
      yield* save();
    }
    // The drill rings just before it completes: its end is checked again soon, then at the deadline.
    let recheck: Date | undefined;
    while (report.state === 'waitingForDrill') {
      status(`drill ${input.preempted ?? ''} to finish its cleanup (until ${deadline.toISOString()})`);
      const signal = yield* nextSignal(recheck !== undefined && recheck < deadline ? recheck : deadline);
      let go = false;
      if (signal === 'deadline') {
        go = recheck === undefined || now() >= deadline || (yield* drillHasEnded(input.preempted ?? ''));
        recheck = undefined;
      } else if (signal.type === 'request') yield* decideRequests(signal.id);
      else if (signal.type === 'drillEnded' && signal.runId === input.preempted) {
        go = yield* drillHasEnded(signal.runId);
        if (!go) recheck = new Date(now().getTime() + BELL_RECHECK_MS);
      }
      if (go && report.state === 'waitingForDrill') {
        report = { ...report, state: 'running' };
        yield* save();
      }
    }
    report = r.waitEnded(report, now(), 'preemptedDrill');
  }

  // 3. The groups.
  let stopping = early as 'failed' | 'cancel' | 'preempt' | undefined;
  if (report.state === 'running' || report.state === 'cancelling') {
    // ---- VERSION BRANCH (orchestration versioning, shared/plans/versions.ts) ----------------
    // 2.0 adds the sites check; a run started on 1.0 (or before versioning) never takes it.
    if (shape.checkSites && report.state === 'running') {
      status('sites check: the last heartbeat of each site');
      const checked = yield* call(context, names.checkPlanSites, {
        sites: versions.get().sitesOfPlan(input.plan),
      });
      report = { ...report, sitesCheck: { checkedAt: now().toISOString(), sites: checked.sites } };
      yield* save();
    }
    // ---- end of VERSION BRANCH ----------------------------------------------------------------
    for (const [gi, group] of input.plan.groups.entries()) {
      // A request recorded while the last group ran, whose bell is not heard yet, counts before the next.
      if (stopping === undefined) stopping = yield* decideRequests();
      if (stopping !== undefined) break;
      report = r.groupStarted(report, input.plan, gi, now());
      yield* save();
      for (const step of group.steps)
        yield* call(context, durable.startFlow, {
          name: names.planStep.name,
          instanceId: `${input.runId}-step-${step.id}`,
          input: {
            runId: input.runId,
            step,
            mode: input.mode,
            ...(input.failback === true ? { failback: true as const } : {}),
            notify: { instanceId: context.df.instanceId, event: r.PLAN_SIGNAL },
          },
        });
      let soon = false;
      let manualReleased = false;
      /**
       * A cancel or preemption does not wait for a person: manual steps waiting are aborted
       * (issue 22 item 5). Only plans with manual steps take this path (a kind no run started
       * before it could have, so no run in flight replays differently).
       */
      const releaseManual = function* (): Gen<void> {
        const waiting = r.waitingManualSteps(report).all;
        if (stopping === undefined || stopping === 'failed' || manualReleased || waiting.length === 0) return;
        manualReleased = true;
        yield* call(context, names.abortManualSteps, {
          runId: input.runId,
          stepIds: waiting,
          reason: `the run is being ${stopping === 'preempt' ? 'preempted' : 'cancelled'}${
            report.cancel?.by === undefined ? '' : ` by ${report.cancel.by}`
          }`,
        });
      };
      while (stopping !== 'preempt' && r.runningSteps(report).length > 0) {
        yield* releaseManual();
        // A manual step waiting for a person shows its instructions and how to confirm it (issue 22 item 5).
        const manual = r.waitingManualSteps(report);
        status(
          `group ${gi + 1} of ${input.plan.groups.length} (${group.name}): ${r.runningSteps(report).join(', ')}${
            manual.text === '' ? '' : `; ${manual.text}`
          }`,
          manual.steps.length === 0 ? {} : { manualSteps: manual.steps },
        );
        const signal: PlanSignal | 'deadline' = yield* nextSignal(
          new Date(now().getTime() + (soon ? BELL_RECHECK_MS : RECHECK_MS)),
        );
        soon = false;
        if (signal === 'deadline') {
          for (const id of r.runningSteps(report)) {
            const checked: { running: boolean; stop: boolean } = yield* checkStep(id, false);
            if (checked.stop) stopping ??= 'failed';
          }
        } else if (signal.type === 'stepEnded') {
          const checked: { running: boolean; stop: boolean } = yield* checkStep(signal.stepId, true);
          soon = checked.running;
          if (checked.stop) stopping ??= 'failed';
        } else if (signal.type === 'request') {
          const stop = yield* decideRequests(signal.id);
          if (stop !== undefined) stopping = stop;
        }
      }
      yield* releaseManual();
    }
    // The same after the last group: a cancel (or preemption) recorded while it ran still counts.
    if (stopping === undefined) stopping = yield* decideRequests();
    if (stopping !== undefined) {
      // A cancel stays `cancelling` until its cleanups end (finalReport makes it `cancelled`).
      report = r.closeUnfinished(report, stopping === 'failed' ? 'skipped' : 'cancelled', now());
      yield* save();
    }
  }

  // 4. Cleanups, in reverse order of registration, whatever happened before. A cancel or a
  // preemption recorded meanwhile is decided before each one (the run shows `cancelling`).
  for (const cleanup of [...report.cleanup].reverse()) {
    yield* decideRequests();
    status(`cleanup: ${cleanup.description}`);
    if (cleanup.action.kind === 'traffic') {
      // Traffic (issue 23): put back only when the plan was cancelled or failed.
      const result = yield* putBackTraffic(
        context,
        input.runId,
        cleanup.stepId,
        cleanup.action.target,
        report,
        input.failback === true,
      );
      report = r.cleanupEnded(report, cleanup.id, result, now());
      yield* save();
      continue;
    }
    const stopped = yield* runCommand(context, {
      site: cleanup.action.site,
      type: 'hyperv.stopTestFailover',
      params: { vm: cleanup.action.vm },
      mode: 'drill',
    });
    report = r.cleanupEnded(
      report,
      cleanup.id,
      steps.get().testVmCleanupResult(stopped, cleanup.description, cleanup.action.vm),
      now(),
    );
    yield* save();
  }

  // 5. The end: requests that came too late are kept, ignored with the reason.
  yield* decideRequests(undefined, true);
  // A failback (issue 23) that did all it had to: production is home. Only failback runs take
  // this path, and none was started before it existed, so no run in flight replays differently.
  if (input.failback === true) report = yield* cameHome(context, input, report);
  report = r.finalReport(report, now());
  yield* save(true);
  const lock = yield* call(context, names.releasePlanLock, { plan: input.plan.name, runId: input.runId });
  if (report.preemptedBy !== undefined || lock.heldBy !== undefined) {
    const successor = report.preemptedBy ?? lock.heldBy;
    if (successor !== undefined && successor !== input.runId)
      yield* call(context, durable.signalFlow, {
        instanceId: successor,
        event: r.PLAN_SIGNAL,
        data: { type: 'drillEnded', runId: input.runId },
      });
  }
  return finish(
    context,
    EVENT,
    {
      outcome: report.outcome ?? 'failed',
      ...(report.error === undefined ? {} : { error: report.error }),
      ...base,
      state: report.state,
      ...(sha256 === undefined ? {} : { reportSha256: sha256 }),
      reportUri: `/api/runs/${input.runId}/report.html`,
      rto: report.rto,
      rpo: report.rpo,
      orchestrationVersion: shape.version,
    },
    base,
  );
}

// ------------------------------------------------------------------------------------------------
// Traffic cleanup (issue 23)

/**
 * Puts a traffic switch back (the `trafficSwitch` put-back) when the plan did not succeed. A
 * failback's put-back sends traffic back to the standby, which its record never stopped calling
 * production (the primary is recorded active only when a failback succeeded): nothing to record.
 */
function* putBackTraffic(
  context: OrchestrationContext,
  runId: string,
  stepId: string,
  target: TrafficTarget,
  report: RunReport,
  failback: boolean,
): Gen<CleanupResult> {
  if (!run.get().trafficPutBackNeeded(report))
    return failback
      ? steps
          .get()
          .trafficCleanupResult(undefined, 'not needed: the failback succeeded, traffic stays on the primary')
      : steps.get().trafficCleanupResult(undefined);
  const result = yield* callSub(context, traffic.trafficSwitch, { runId, stepId, action: 'putBack', target });
  // Traffic is back on the primary: so is production (issue 23; a no-op when it never moved).
  if (!failback && result.outcome === 'succeeded' && result.changes.length > 0)
    try {
      yield* call(context, standby.recordActiveSide, {
        runId,
        side: 'primary',
        mode: 'failover',
        at: context.df.currentUtcDateTime.toISOString(),
      });
    } catch (error) {
      const cleanup = steps.get().trafficCleanupResult(result);
      return {
        ...cleanup,
        detail: `${cleanup.detail}; the active side was not recorded: ${publicError(error).message}`,
      };
    }
  return steps.get().trafficCleanupResult(result);
}

// ------------------------------------------------------------------------------------------------
// Coming home (issue 23)

/**
 * The end of a failback: its round trip in the report (when production left, what it brought
 * home), and, when the run did all it had to (nothing to put back: every step succeeded or had
 * nothing to do, no cancel), the primary recorded active with this run, so backups follow the
 * primary again and the standby sync resumes. A drill records nothing. A record that cannot be
 * written leaves the run's error saying so (traffic did come home).
 */
function* cameHome(
  context: OrchestrationContext,
  input: ParsedPlanRunInput,
  report: RunReport,
): Gen<RunReport> {
  const f = failback.get();
  const stepsOf = report.groups.flatMap((g) => g.steps);
  if (input.mode !== 'failover' || run.get().trafficPutBackNeeded(report))
    return { ...report, roundTrip: f.roundTripOf(stepsOf, undefined) };
  const at = context.df.currentUtcDateTime.toISOString();
  try {
    yield* call(context, standby.recordActiveSide, {
      runId: input.runId,
      side: 'primary',
      mode: 'failback',
      at,
    });
  } catch (error) {
    return {
      ...report,
      roundTrip: f.roundTripOf(stepsOf, undefined),
      error: {
        code: 'ActiveSideNotRecorded',
        message: `production came home, but the primary could not be recorded active: ${publicError(error).message}`,
      },
    };
  }
  return { ...report, roundTrip: f.roundTripOf(stepsOf, at) };
}

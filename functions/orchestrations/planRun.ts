import type { PlanRunResult } from '../../shared/plans/flow';
import type { RunReport } from '../../shared/plans/report';
import type { ParsedPlanRunInput, PlanSignal } from '../../shared/plans/run';
import { call, finish, inputText, lazy, orchestration, progress, runCommand, type Gen } from '../kit';
import type { OrchestrationContext } from 'durable-functions';
import { durable } from '../names/durable';
import { plans as names } from '../names/plans';

/**
 * A recovery plan run, drill or failover (issue 10), read as the plan it runs:
 *   1. a failover whose plan requires approval waits for approve / reject / cancel, raced with
 *      the approval timeout (expired: nothing changed);
 *   2. a failover that preempted a drill of its plan waits (bounded) for the drill's cleanup;
 *   3. groups one after another; the steps of a group in parallel, each a `planStep` child that
 *      reports back by event; a failed `stop` step ends the plan after its group, a cancel after
 *      the steps in flight, a preemption at once;
 *   4. cleanups (test VMs) in reverse order of registration, each recorded, whatever happened;
 *   5. the final report (outcome, RTO and RPO achieved, critical path), the plan's lock freed.
 * The report is written at the start and after every change, so a run that dies leaves a partial
 * report. Every signal arrives as one event name (`signal`), so no waiter is ever left stale.
 */

const run = lazy(() => import('../../shared/plans/run'));

const EVENT = 'lifeboat.plans.run';

orchestration(names.planRun, {
  uses: [run],
  input: () => run.get().planRunInputSchema,
  event: EVENT,
  ended: (ending, raw) => {
    const runId = inputText(raw, 'runId');
    return {
      ...ending,
      runId,
      plan: inputText((raw as { plan?: unknown } | null)?.plan, 'name'),
      mode: inputText(raw, 'mode') === 'failover' ? ('failover' as const) : ('drill' as const),
      state: 'completed' as const,
      reportUri: `/api/runs/${runId}/report.html`,
    };
  },
  *run(context, input) {
    return yield* planRun(context, input);
  },
});

function* planRun(context: OrchestrationContext, input: ParsedPlanRunInput): Gen<PlanRunResult> {
  const r = run.get();
  const now = () => context.df.currentUtcDateTime;
  const base = { runId: input.runId, plan: input.plan.name, mode: input.mode };
  // Every time in the report is the orchestration's own clock (the starter's wall-clock stamp is
  // replaced on the first write), so durations never mix two clocks.
  let report: RunReport = r.initialReport({ ...input, requestedAt: now().toISOString() }, now());
  let sha256: string | undefined;

  function* save(final = false): Gen<void> {
    report = { ...report, writtenAt: now().toISOString() };
    sha256 = (yield* call(context, names.writePlanReport, { report, final })).sha256;
  }
  const status = (waitingFor: string) =>
    progress(context, {
      phase: report.state,
      percent: report.percent,
      waitingFor,
      ...base,
      ...(report.currentGroup === undefined ? {} : { currentGroup: report.currentGroup }),
    });
  const signalOf = (raw: unknown): PlanSignal | undefined => {
    const parsed = r.planSignalSchema.safeParse(raw);
    return parsed.success ? parsed.data : undefined;
  };
  /** Waits for the next signal or the deadline; undefined when the deadline came first. */
  function* nextSignal(deadline: Date): Gen<PlanSignal | 'deadline'> {
    const signal = context.df.waitForExternalEvent(r.PLAN_SIGNAL);
    const timer = context.df.createTimer(deadline);
    const winner = yield context.df.Task.any([signal, timer]);
    if (winner !== signal) return 'deadline';
    timer.cancel();
    return signalOf(signal.result) ?? (yield* nextSignal(deadline));
  }

  status('starting');
  yield* save();

  // 1. Approval.
  if (report.state === 'pendingApproval') {
    // The deadline the report shows (set with the report); older reports: from now.
    const deadline = new Date(report.approvalDeadline ?? now().getTime() + input.approvalTimeoutMs);
    while (report.state === 'pendingApproval') {
      status(
        `approval: POST /api/failovers/${input.runId}/approve or /reject before ${deadline.toISOString()}`,
      );
      const signal = yield* nextSignal(deadline);
      const at = now().toISOString();
      if (signal === 'deadline') report = r.decided(report, { decision: 'expired', at });
      else if (signal.type === 'approve' || signal.type === 'reject')
        report = r.decided(report, {
          decision: signal.type === 'approve' ? 'approved' : 'rejected',
          at,
          ...(signal.by === undefined ? {} : { by: signal.by }),
          ...(signal.comment === undefined ? {} : { comment: signal.comment }),
        });
      else if (signal.type === 'cancel')
        report = {
          ...r.decided(report, {
            decision: 'cancelled',
            at,
            ...(signal.by === undefined ? {} : { by: signal.by }),
            ...(signal.reason === undefined ? {} : { comment: signal.reason }),
          }),
          cancel: r.cancelOf(signal, at),
        };
      else if (signal.type === 'alert') report = r.withAlert(report, signal.alert);
      else continue;
      yield* save();
    }
  }

  // 2. A preempted drill's cleanup first (bounded): a real failover does not wait long for a rehearsal.
  if (report.state === 'waitingForDrill') {
    const deadline = new Date(now().getTime() + input.preemptWaitMs);
    while (report.state === 'waitingForDrill') {
      status(`drill ${input.preempted ?? ''} to finish its cleanup (until ${deadline.toISOString()})`);
      const signal = yield* nextSignal(deadline);
      const at = now().toISOString();
      if (signal === 'deadline' || (signal.type === 'drillEnded' && signal.runId === input.preempted))
        report = { ...report, state: 'running' };
      else if (signal.type === 'cancel')
        report = {
          ...report,
          state: 'cancelled',
          cancel: r.cancelOf(signal, at),
        };
      else if (signal.type === 'alert') report = r.withAlert(report, signal.alert);
      else continue;
      yield* save();
    }
  }

  // 3. The groups.
  let stopping: 'failed' | 'cancel' | 'preempt' | undefined;
  if (report.state === 'running') {
    for (const [gi, group] of input.plan.groups.entries()) {
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
            notify: { instanceId: context.df.instanceId, event: r.PLAN_SIGNAL },
          },
        });
      while (stopping !== 'preempt' && r.runningSteps(report).length > 0) {
        status(
          `group ${gi + 1} of ${input.plan.groups.length} (${group.name}): ${r.runningSteps(report).join(', ')}`,
        );
        const signal = signalOf(yield context.df.waitForExternalEvent(r.PLAN_SIGNAL));
        if (signal === undefined) continue;
        const at = now().toISOString();
        if (signal.type === 'stepEnded') {
          const next = r.stepEnded(report, signal);
          report = next.report;
          if (next.stop) stopping ??= 'failed';
        } else if (signal.type === 'cancel') {
          report = {
            ...report,
            cancel: r.cancelOf(signal, at),
            ...(signal.preemptedBy === undefined ? {} : { preemptedBy: signal.preemptedBy }),
          };
          stopping = signal.preemptedBy === undefined ? 'cancel' : 'preempt';
        } else if (signal.type === 'alert') report = r.withAlert(report, signal.alert);
        else continue;
        yield* save();
      }
    }
    if (stopping !== undefined) {
      report = r.closeUnfinished(report, stopping === 'failed' ? 'skipped' : 'cancelled', now());
      if (stopping !== 'failed') report = { ...report, state: 'cancelled' };
      yield* save();
    }
  }

  // 4. Cleanups, in reverse order of registration, whatever happened before.
  for (const cleanup of [...report.cleanup].reverse()) {
    status(`cleanup: ${cleanup.description}`);
    const stopped = yield* runCommand(context, {
      site: cleanup.action.site,
      type: 'hyperv.stopTestFailover',
      params: { vm: cleanup.action.vm },
      mode: 'drill',
    });
    const ok = stopped.outcome === 'succeeded';
    report = r.cleanupEnded(
      report,
      cleanup.id,
      ok
        ? {
            outcome: 'succeeded',
            detail:
              stopped.output?.removed === true
                ? 'removed by the cleanup'
                : 'already gone (the step removed it)',
          }
        : {
            outcome: 'failed',
            error: {
              code: 'CleanupFailed',
              message: `${cleanup.description} still exists: ${stopped.error?.message ?? stopped.outcome}`,
            },
            detail: `Stop-VMFailover did not succeed (${stopped.outcome})`,
          },
      now(),
    );
    yield* save();
  }

  // 5. The end.
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
    },
    base,
  );
}

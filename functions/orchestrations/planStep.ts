import type { PlanStep, RunMode } from '../../shared/plans/plan';
import type { StepEnded } from '../../shared/plans/run';
import type { OrchestrationContext, Task } from 'durable-functions';
import type { StepVerdict, StepWork } from '../../shared/plans/steps';
import { publicError } from '../../shared/errors';
import {
  call,
  finish,
  inputText,
  lazy,
  orchestration,
  progress,
  startSub,
  securityEvent,
  type Gen,
} from '../kit';
import { onprem } from '../names/onprem';
import { plans as names } from '../names/plans';
import { relay } from '../names/relay';
import { restore } from '../names/restore';
import { standby } from '../names/standby';
import { traffic } from '../names/traffic';

/**
 * One step of a plan run: decides its work for the run's mode (shared/plans/steps.ts: a drill
 * runs only drill variants), runs it as a sub-orchestration raced with the step's timeout, and
 * reports what happened to the run (the kit's `notify`). Never throws: every ending is a result.
 * It runs only as a step its run started (issue 20): a start around the run (the Durable HTTP
 * API) ends `refused` with a security event before anything is prepared.
 */

const flow = lazy(() => import('../../shared/plans/flow'));
const steps = lazy(() => import('../../shared/plans/steps'));
const stop = lazy(() => import('../../shared/plans/stopWork'));
const failback = lazy(() => import('../../shared/plans/failback'));

const EVENT = 'lifeboat.plans.step';

orchestration(names.planStep, {
  uses: [flow, steps, stop, failback],
  input: () => flow.get().planStepInputSchema,
  event: EVENT,
  ended: (ending, raw) => {
    const at = new Date(0).toISOString();
    const step = (raw as { step?: unknown } | null)?.step;
    return {
      type: 'stepEnded' as const,
      stepId: inputText(step, 'id'),
      ...ending,
      summary: ending.error.message,
      evidence: {},
      startedAt: at,
      endedAt: at,
    };
  },
  *run(context, input) {
    const s = steps.get();
    const startedAt = context.df.currentUtcDateTime.toISOString();
    const { step, mode } = input;
    const done = (verdict: StepVerdict): StepEnded =>
      finish(
        context,
        EVENT,
        {
          type: 'stepEnded',
          stepId: step.id,
          ...verdict,
          startedAt,
          endedAt: context.df.currentUtcDateTime.toISOString(),
        },
        { runId: input.runId, stepId: step.id, kind: step.kind, mode },
      );

    const admitted = yield* call(context, names.admitPlanStep, {
      start: context.df.getInput<unknown>(),
      instanceId: context.df.instanceId,
    });
    if (!admitted.admitted) {
      const error = { code: admitted.code, message: admitted.message };
      securityEvent(context, 'planStepRefused', {
        runId: input.runId,
        stepId: step.id,
        mode,
        outcome: 'refused',
        error,
      });
      return done({ outcome: 'refused', error, summary: `refused: ${admitted.message}`, evidence: {} });
    }

    progress(context, { phase: 'preparing', percent: 0, stepId: step.id, kind: step.kind, mode });
    const work = yield* call(context, names.preparePlanStep, {
      step,
      mode,
      runId: input.runId,
      now: startedAt,
      ...(input.failback === true ? { failback: true as const } : {}),
    });
    if (work.kind === 'refused') return done(s.refusedVerdict(work.error));
    if (work.kind === 'manual') {
      if (work.skip !== undefined) return done(s.manualSkippedVerdict(work.instructions, work.skip));
      return done(yield* manualStep(context, input.runId, step, mode, work.instructions));
    }
    // The standby is already current (issue 23): the step is done without a restore.
    if (work.kind === 'standbyCurrent') return done(work.verdict);
    // Nothing to do in a failback (issue 23): skipped by design, with the reason.
    if (work.kind === 'skipped') return done(failback.get().failbackSkippedVerdict(step, work.reason));

    const deadline = new Date(context.df.currentUtcDateTime.getTime() + step.timeoutMinutes * 60_000);
    // The child's id is known before it starts, so a timeout can stop it (and the flows under it).
    const childId = s.childInstanceId(work, context.df.instanceId);
    const child = startChild(context, work, step, mode, input.runId, childId);
    progress(context, {
      phase: 'running',
      percent: 10,
      waitingFor: `${step.kind} (${input.failback === true ? `failback ${mode}` : mode}) on ${
        work.kind === 'restore' || work.kind === 'failback' ? work.target : step.kind
      }`,
      deadline: deadline.toISOString(),
      stepId: step.id,
    });
    // Raced once (never re-yielded in a new Task.any: azure-functions-durable-js#574).
    const timer = context.df.createTimer(deadline);
    const winner = yield context.df.Task.any([child.task, timer]);
    if (winner !== child.task) {
      // Timed out: stop the child and every flow under it (issue 21 item 3), and say what goes on.
      // Its later end (Terminated) is a completion of a task this race already left: never read.
      progress(context, {
        phase: 'stopping',
        percent: 90,
        waitingFor: `the stop of ${childId}`,
        stepId: step.id,
      });
      const target = work.kind === 'restore' ? work.target : undefined;
      let stopped;
      try {
        stopped = yield* call(context, names.stopPlanStepWork, {
          childId,
          reason: `plan run ${input.runId}: step ${step.id} timed out after ${step.timeoutMinutes} minutes`,
        });
      } catch (error) {
        return done(stop.get().timedOutVerdict(step, mode, target, { error: publicError(error).message }));
      }
      return done(stop.get().timedOutVerdict(step, mode, target, stopped));
    }
    timer.cancel();
    const verdict = child.verdict();
    // A failback marks the primary active only once its whole run succeeded (planRun).
    if (
      work.kind === 'traffic' &&
      mode === 'failover' &&
      input.failback !== true &&
      verdict.outcome === 'succeeded'
    )
      return done(yield* standbyActive(context, input.runId, verdict));
    return done(verdict);
  },
});

/**
 * A manual step (issue 22 item 5): waits, with the instructions in its custom status, for a
 * person's `done` or `abort`, at most the step's timeout. The route records the decision first;
 * the bell only says "read the records", so a forged bell decides nothing (a security event). A
 * decision recorded before the deadline whose bell is late still counts.
 */
function* manualStep(
  context: OrchestrationContext,
  runId: string,
  step: PlanStep,
  mode: RunMode,
  instructions: string,
): Gen<StepVerdict> {
  const s = steps.get();
  const deadline = new Date(context.df.currentUtcDateTime.getTime() + step.timeoutMinutes * 60_000);
  const route = `/api/runs/${runId}/steps/${step.id}`;
  const read = function* () {
    const decisions = yield* call(context, names.readStepDecisions, { runId, stepId: step.id });
    return s.decideManualStep(decisions);
  };
  for (;;) {
    progress(context, {
      phase: 'waitingForPerson',
      percent: 10,
      waitingFor: `a person to do this, then POST ${route}/done (or /abort) before ${deadline.toISOString()}: ${instructions.slice(0, 500)}`,
      instructions: instructions.slice(0, 2000),
      deadline: deadline.toISOString(),
      done: `${route}/done`,
      abort: `${route}/abort`,
      stepId: step.id,
      mode,
    });
    const bell = context.df.waitForExternalEvent(flow.get().STEP_SIGNAL);
    const timer = context.df.createTimer(deadline);
    const winner = yield context.df.Task.any([bell, timer]);
    if (winner !== bell) return s.manualVerdict(step, instructions, yield* read());
    timer.cancel();
    const found = yield* read();
    if (found !== undefined) return s.manualVerdict(step, instructions, found);
    securityEvent(context, 'requestWithoutRecord', {
      runId,
      stepId: step.id,
      reason: 'a bell for a manual step with no decision recorded was ignored',
    });
  }
}

/**
 * After a failover's traffic switch, production runs on the standby (issue 23): the run records
 * the active side of the services its plan restores. A record that cannot be written leaves the
 * step `partial` (traffic did move), naming what is missing.
 */
function* standbyActive(
  context: OrchestrationContext,
  runId: string,
  verdict: StepVerdict,
): Gen<StepVerdict> {
  try {
    const recorded = yield* call(context, standby.recordActiveSide, {
      runId,
      side: 'standby',
      mode: 'failover',
      at: context.df.currentUtcDateTime.toISOString(),
    });
    return { ...verdict, evidence: { ...verdict.evidence, activeSide: { standby: recorded.services } } };
  } catch (error) {
    const problem = publicError(error, 'ActiveSideNotRecorded');
    return {
      ...verdict,
      outcome: 'partial',
      error: {
        code: 'ActiveSideNotRecorded',
        message: `traffic moved to the standby, but its active side could not be recorded: ${problem.message}`,
      },
    };
  }
}

/**
 * Starts the step's work as its sub-orchestration, called through its typed reference, and gives
 * the verdict on the result once the task completed (no cast: `startSub` types the result).
 */
function startChild(
  context: OrchestrationContext,
  work: Exclude<StepWork, { kind: 'refused' | 'manual' | 'standbyCurrent' | 'skipped' }>,
  step: PlanStep,
  mode: RunMode,
  runId: string,
  childId: string,
): { task: Task; verdict: () => StepVerdict } {
  const s = steps.get();
  switch (work.kind) {
    case 'restore': {
      const t = startSub(context, restore.restoreApim, work.input, childId);
      return { task: t.task, verdict: () => s.restoreVerdict(t.result(), work.target, work.standbyNotUsed) };
    }
    case 'lyncSync': {
      const t = startSub(context, onprem.lyncConferenceRestore, work.input, childId);
      return { task: t.task, verdict: () => s.lyncSyncVerdict(t.result()) };
    }
    case 'vms': {
      const t = startSub(context, onprem.vmFailback, work.input, childId);
      return { task: t.task, verdict: () => s.vmsVerdict(t.result(), mode) };
    }
    case 'command': {
      const t = startSub(context, relay.runAgentCommand, work.input, childId);
      return { task: t.task, verdict: () => s.commandVerdict(step, t.result()) };
    }
    case 'failback': {
      const t = startSub(context, names.failbackApim, work.input, childId);
      return {
        task: t.task,
        verdict: () => failback.get().failbackVerdict(t.result(), work.target, mode === 'drill'),
      };
    }
    case 'traffic': {
      const { kind: _, ...rest } = work;
      const t = startSub(context, traffic.trafficSwitch, { runId, stepId: step.id, ...rest }, childId);
      return { task: t.task, verdict: () => s.trafficVerdict(t.result(), mode) };
    }
  }
}

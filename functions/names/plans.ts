import type { PlanRunStart } from '../../shared/plans/run';
import type { RunReport } from '../../shared/plans/report';
import type { PlanStepInput, PlanRunResult, WritePlanReportInput } from '../../shared/plans/flow';
import type { StepEnded } from '../../shared/plans/run';
import type { StepWork } from '../../shared/plans/steps';
import type { PlanStep, RunMode } from '../../shared/plans/plan';
import type { ClosedCommand, StopResult } from '../../shared/plans/stopWork';
import type { Admission, PlanRequest, StepDecision } from '../../shared/plans/decisions';
import type { FailbackApimInput, FailbackApimResult } from '../../shared/plans/failback';
import type { ManifestDifference } from '../../shared/apim/manifest';
import { activityRef, orchestrationRef } from './refs';

/**
 * Recovery plans (issue 10): plan runs (drills and failovers), their steps, approvals and reports.
 * Type imports only. Test helpers load the area's files from this table.
 */
export const plans = {
  /** `GET /api/plans`: every plan with its validation state. */
  getPlans: 'getPlans',
  /** `POST /api/drills`, `POST /api/failovers`. */
  startDrill: 'startDrill',
  startFailover: 'startFailover',
  /** `POST /api/failovers/{runId}/{decision}` (approve | reject). */
  decideFailover: 'decideFailover',
  /** `POST /api/runs/{runId}/cancel`. */
  cancelRun: 'cancelRun',
  /** `POST /api/runs/{runId}/steps/{stepId}/{decision}` (done | abort): a manual step. */
  decideManualStep: 'decideManualStep',
  /** `GET /api/runs?plan=&limit=`. */
  listRuns: 'listRuns',
  /** `GET /api/runs/{runId}/report` and `/report.html`. */
  getRunReport: 'getRunReport',
  planRun: orchestrationRef<PlanRunStart, PlanRunResult>('planRun'),
  /** A run's first activity: its start ticket, the deployed plan by name and hash, the failovers switch. */
  admitPlanRun: activityRef<{ start: unknown; instanceId: string; claim: string }, Admission>('admitPlanRun'),
  /** A step child's first activity: started by its run, for the plan's own step. */
  admitPlanStep: activityRef<
    { start: unknown; instanceId: string },
    { admitted: true } | { admitted: false; code: string; message: string }
  >('admitPlanStep'),
  /** The requests of a run not decided yet, in arrival order. */
  readPlanRequests: activityRef<{ runId: string; decided: string[] }, PlanRequest[]>('readPlanRequests'),
  /** The decisions recorded on a manual step, in arrival order. */
  readStepDecisions: activityRef<{ runId: string; stepId: string }, StepDecision[]>('readStepDecisions'),
  /** A cancelled or preempted run ends its manual steps waiting for a person (an `abort` by Lifeboat). */
  abortManualSteps: activityRef<{ runId: string; stepIds: string[]; reason: string }, { rung: string[] }>(
    'abortManualSteps',
  ),
  /** How a flow ended, from the task hub (its own output), not from any event. */
  readFlowEnd: activityRef<
    { instanceId: string; name: string },
    { state: 'ended' | 'stopped' | 'running' | 'missing'; output?: unknown; runtimeStatus?: string }
  >('readFlowEnd'),
  planStep: orchestrationRef<PlanStepInput, StepEnded>('planStep'),
  /** `runId`: the run whose plan's RPO judges the standby (issue 23). */
  preparePlanStep: activityRef<
    { step: PlanStep; mode: RunMode; runId?: string; now?: string; failback?: true },
    StepWork
  >('preparePlanStep'),
  /** `POST /api/failbacks` (issue 23): production comes home from the standby. */
  startFailback: 'startFailback',
  /** A failback's API Management step: fresh backup of the standby, restored into the primary (or a drill target). */
  failbackApim: orchestrationRef<FailbackApimInput, FailbackApimResult>('failbackApim'),
  /** What was written on the standby while it carried production: two backups' manifests compared. */
  compareRoundTrip: activityRef<
    { from: string; to: string },
    { differences: ManifestDifference[] } | { missing: string }
  >('compareRoundTrip'),
  /** A step that timed out: terminates its child flow and the flows under it, closes their agent commands. */
  stopPlanStepWork: activityRef<
    { childId: string; reason: string },
    StopResult & { commands: ClosedCommand[] }
  >('stopPlanStepWork'),
  writePlanReport: activityRef<WritePlanReportInput, { sha256: string }>('writePlanReport'),
  /** planRun 2.0: when each of the plan's sites last answered a heartbeat. */
  checkPlanSites: activityRef<{ sites: string[] }, { sites: { site: string; lastSeenAt?: string }[] }>(
    'checkPlanSites',
  ),
  releasePlanLock: activityRef<{ plan: string; runId: string }, { released: boolean; heldBy?: string }>(
    'releasePlanLock',
  ),
} as const;

export type { RunReport };

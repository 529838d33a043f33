import type { Outcome, Problem } from '../outcome';
import type { RunMode, StepKind } from './plan';
import type { TrafficTarget } from '../traffic/contracts';
import type { RoundTrip } from './failback';

/**
 * The run report (issue 10): what a plan run did, as JSON an auditor keeps. The plan run writes it
 * to blob storage when the run starts and every time a step or cleanup ends, so a run that dies
 * still leaves a partial report; `report.html` is rendered from this JSON alone
 * (shared/plans/reportHtml.ts). The same JSON answers `GET /api/runs/{runId}` and feeds the
 * status page (through the per-plan summary, never by listing blobs).
 */

/** Where a run is in its life. */
export const RUN_STATES = [
  'pendingApproval',
  'waitingForDrill',
  'running',
  'cleaningUp',
  /** A cancel (or a preemption) was accepted: the steps in flight end (or are abandoned), then the cleanups run. */
  'cancelling',
  'completed',
  'cancelled',
  'rejected',
  'expired',
] as const;
export type RunState = (typeof RUN_STATES)[number];

/** A run state after which nothing more happens. */
export function isFinalState(state: RunState): boolean {
  return state === 'completed' || state === 'cancelled' || state === 'rejected' || state === 'expired';
}

/** Where a step is: not reached yet, running, ended (with an outcome), skipped (an earlier stop), cancelled. */
export type StepStatus = 'pending' | 'running' | 'ended' | 'skipped' | 'cancelled';

/** One step of the run. */
export interface StepReport {
  id: string;
  kind: StepKind;
  /** Index of its group (0-based). */
  group: number;
  /** Which variant ran: a drill runs only drill variants. */
  variant: RunMode;
  onFailure: 'stop' | 'continue';
  timeoutMinutes: number;
  /** What it acts on, as a person reads it ("contoso-apim → contoso-apim-drill", "dc1: app-01, app-02"). */
  target: string;
  status: StepStatus;
  outcome?: Outcome;
  error?: Problem;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  /** On the critical path: the longest step of its group (groups run one after another). */
  critical?: boolean;
  /** One line: what happened. */
  summary?: string;
  /** Kind-specific evidence (backup used and its age, verification differences, VM states, Lync statuses, endpoint read). No secrets. */
  evidence?: Record<string, unknown>;
  /** Why a step was skipped by design (a drill skips a manual step), with status `skipped`. */
  skipped?: string;
  /** A manual step (issue 22 item 5): what the person does, and how and until when to confirm it. */
  manual?: ManualStepReport;
}

/** A manual step as the run shows it while it waits (and keeps after). */
export interface ManualStepReport {
  instructions: string;
  /** Whether the run waits for a person here (false: a drill skips it). */
  waits: boolean;
  /** Until when a person can confirm (the step's timeout). */
  deadline?: string;
  /** The routes that confirm it (Lifeboat.Approver; a drill's: Lifeboat.Operator). */
  done?: string;
  abort?: string;
}

/** A cleanup registered by a step that creates something (a test VM), and what became of it. */
export interface CleanupReport {
  /** Unique in the run, e.g. `hyperv-test-vms:app-01`. */
  id: string;
  stepId: string;
  /** What it removes ("test VM app-01 - Test at dc1"). */
  description: string;
  /**
   * The test VM to stop (`hyperv.stopTestFailover` at the site), or the traffic routing to put
   * back (`kind: 'traffic'`: the `trafficSwitch` put-back of the step's recorded routing).
   */
  action:
    | { site: string; vm: string; kind?: undefined }
    | { kind: 'traffic'; target: TrafficTarget; site?: undefined; vm?: undefined };
  registeredAt: string;
  status: 'pending' | 'ended';
  outcome?: Outcome;
  error?: Problem;
  endedAt?: string;
  /** What the cleanup found (`removed: true`, or already gone). */
  detail?: string;
}

/** An approval decision (or the lack of one). */
export interface ApprovalReport {
  decision: 'approved' | 'rejected' | 'expired' | 'cancelled' | 'auto';
  by?: string;
  at: string;
  comment?: string;
}

/** A request for the run (a decision or an alert, recorded by a route) and what became of it. */
export interface RequestReport {
  /** The request record's id (`requests/<runId>/<id>.json` in the plans container). */
  id: string;
  kind: 'approve' | 'reject' | 'cancel' | 'alert' | 'resolved';
  by?: { id: string; name: string };
  /** When the route recorded it. */
  at: string;
  /** When the run decided it. */
  decidedAt: string;
  outcome: 'applied' | 'ignored';
  /** Why it was ignored. */
  reason?: string;
}

/** An alert attached to the run (issue 11). */
export interface AlertReport {
  alertId: string;
  rule: string;
  severity?: string;
  monitorCondition: 'Fired' | 'Resolved';
  firedDateTime?: string;
  resolvedDateTime?: string;
  targetIds?: string[];
  /** When Lifeboat received it. */
  receivedAt: string;
}

export interface RunReport {
  schemaVersion: 1;
  runId: string;
  plan: {
    name: string;
    description: string;
    rtoMinutes: number;
    rpoMinutes: number;
    approval: 'required' | 'auto';
    /** sha256 of the plan's JSON as validated, so a report names the exact plan that ran. */
    sha256: string;
  };
  mode: RunMode;
  /** A failback (issue 23): production coming home from the standby (`mode` says real or drill). */
  failback?: true;
  /** A failback's round trip: when production left, when it came back, what it brought home. */
  roundTrip?: RoundTrip;
  state: RunState;
  /** The run's outcome once it ended (the one outcome vocabulary; cancelled / rejected / expired are `refused`). */
  outcome?: Outcome;
  error?: Problem;
  /** Why it was started (the failover's reason, "drill", the alert). */
  reason?: string;
  requestedBy?: string;
  /** The requester's Entra object id (`alert:<rule>` for an alert): the two-person rule compares it. */
  requestedById?: string;
  requestedAt: string;
  /** Until when a failover waiting for approval may be approved (ISO; then it expires). */
  approvalDeadline?: string;
  /** When the run's first group started (after approval). */
  startedAt?: string;
  endedAt?: string;
  /** Where the RTO clock starts: the alert's firedDateTime when an alert started it, else requestedAt. */
  rtoStartAt: string;
  approvals: ApprovalReport[];
  /** The alerts attached (capped: the first and last ones; `alertCounts` has the totals). */
  alerts: AlertReport[];
  /**
   * Counts of the attached alerts (issue 20), present once an alert was attached: every one,
   * the Fired ones, the Resolved ones whose Fired is attached, and how many `alerts` lists.
   */
  alertCounts?: { total: number; fired: number; resolved: number; listed: number };
  /** The run that preempted this one (a failover preempting a drill), or the drill this one preempted. */
  preemptedBy?: string;
  preempted?: string;
  /** The cancel that was applied (the first; later ones are kept in `requests`, ignored). */
  cancel?: { by?: string; at: string; reason?: string };
  /** Every request for the run, in the order the run decided them, with what became of each. */
  requests?: RequestReport[];
  /** What the run waited for (approval, a preempted drill's cleanup), shown on the timeline and in the RTO's explanation. */
  waits?: WaitReport[];
  /** Index of the group running now (while running). */
  currentGroup?: number;
  percent: number;
  groups: { name: string; steps: StepReport[] }[];
  cleanup: CleanupReport[];
  rto: { targetMinutes: number; achievedMinutes?: number; met?: boolean };
  rpo: { targetMinutes: number; achievedMinutes?: number; met?: boolean; source?: string };
  /** What changed since this plan's previous run of the same mode. */
  changes?: {
    previousRunId: string;
    added: string[];
    removed: string[];
    outcomeChanged: { id: string; from: string; to: string }[];
  };
  /** The orchestration version the run was started on (`context.df.version`; '' before versioning). */
  orchestrationVersion?: string;
  /** Version 2.0: when each site the plan touches last answered a heartbeat, checked before the groups. */
  sitesCheck?: { checkedAt: string; sites: { site: string; lastSeenAt?: string }[] };
  /** When this version of the report was written. */
  writtenAt: string;
}

/** One wait of a run on something outside it; `to` is missing while it lasts. */
export interface WaitReport {
  kind: 'approval' | 'preemptedDrill' | 'manualStep';
  /** What it waited for, in words (who may approve, which drill). */
  what: string;
  from: string;
  to?: string;
}

/** One line per run: what `GET /api/runs` lists and what the per-plan summary keeps. */
export interface RunSummary {
  runId: string;
  plan: string;
  mode: RunMode;
  /** A failback or a failback drill (issue 23): not counted as the plan's last failover or drill. */
  failback?: true;
  state: RunState;
  outcome?: Outcome;
  percent: number;
  requestedAt: string;
  requestedBy?: string;
  /** Why it was started (the failover's reason, the alert). */
  reason?: string;
  /** Until when a pending approval may be given (ISO). */
  approvalDeadline?: string;
  startedAt?: string;
  endedAt?: string;
  rto: RunReport['rto'];
  rpo: RunReport['rpo'];
  /** `GET /api/runs/{runId}/report.html`. */
  reportUri: string;
}

/**
 * The per-plan summary blob (`summaries/<plan>.json`), rewritten with every report write: the
 * status page reads it by name and never lists blobs.
 */
export interface PlanSummary {
  plan: string;
  /** The run holding the plan's lock (pending approval, waiting or running), if any. */
  active?: RunSummary;
  lastDrill?: RunSummary;
  lastFailover?: RunSummary;
  /** The last real failback that ended (issue 23). */
  lastFailback?: RunSummary;
  /** The last 50 runs, newest first. */
  recent: RunSummary[];
  updatedAt: string;
}

/**
 * Blob layout of the app's storage (AzureWebJobsStorage) for plans, in container
 * {@link PLANS_CONTAINER}.
 */
export const PLANS_CONTAINER = 'lifeboat-plans';
export const planPaths = {
  /** The report JSON and its HTML rendering. */
  reportJson: (plan: string, runId: string) => `reports/${plan}/${runId}/report.json`,
  reportHtml: (plan: string, runId: string) => `reports/${plan}/${runId}/report.html`,
  /** A run id → plan index (runs are addressed by id alone). */
  runIndex: (runId: string) => `runs/${runId}.json`,
  /** The plan's lock: which run holds it (one run per plan at a time). */
  lock: (plan: string) => `locks/${plan}.json`,
  summary: (plan: string) => `summaries/${plan}.json`,
} as const;

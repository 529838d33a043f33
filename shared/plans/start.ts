import { z } from 'zod';
import type { Config } from '../config';
import { isRunning, runtimeStatusOf, type RunStarterClient } from '../durable/start';
import { formatIssues } from '../errors';
import type { Plan, RunMode } from './plan';
import type { AlertReport, RunReport, RunState } from './report';
import {
  actorOf,
  newRequestId,
  sendRequest,
  type Actor,
  type PlanRecords,
  type PlanRequest,
} from './decisions';
import { PLAN_SIGNAL, initialReport, planRunStartSchema, type PlanRunStart } from './run';
import type { PlanLock, PlanStore } from './store';

/**
 * Starting, signalling and finding plan runs (issue 10), for the HTTP routes and the alert queue
 * (issue 11). One run per plan at a time: the plan's lock blob is taken with a conditional write
 * before the run starts, so concurrent starts (100 alerts at once) start exactly one run. A
 * failover of a plan whose drill is running takes the lock over, starts, and cancels the drill
 * (a real disaster does not wait for a rehearsal); the failover waits, bounded, for the drill's
 * cleanup before its first group.
 */

/** The durable client as the starters use it. */
export interface PlanClient extends RunStarterClient {
  raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<void>;
}

/** A random suffix for request ids (a factory so tests pass their own). */
export type RandomId = () => string;

/** A plan as the loader found it (shared/plans/load.ts). */
export interface PlanEntryLike {
  readonly name?: string | undefined;
  readonly valid: boolean;
  readonly plan?: Plan | undefined;
  readonly sha256?: string | undefined;
  readonly problems: readonly string[];
}

export interface StartRequest {
  plan: string;
  mode: RunMode;
  reason?: string;
  /** Who asked, for display. */
  requestedBy?: string;
  /** Who asked, as compared by the two-person rule: the Entra object id (an alert: `alert:<rule>`). */
  requestedById?: string;
  alert?: AlertReport;
  /** A failback (issue 23, ./failback.ts): production comes home; `mode` says real or drill. */
  failback?: true;
}

export type StartDecision =
  | { started: true; runId: string; state: RunState; preempted?: string }
  | { started: false; code: 'PlanBusy'; runId: string; mode: RunMode; state: string; message: string }
  | {
      started: false;
      code: 'FailoversDisabled' | 'PlanNotFound' | 'PlanInvalid' | 'InvalidRunInput' | 'NotFailedOver';
      message: string;
      problems?: string[];
    };

export interface StartDeps {
  config: Config;
  store: PlanStore;
  /** Start tickets and requests (shared/plans/decisions.ts). */
  records: PlanRecords;
  entries: readonly PlanEntryLike[];
  now: Date;
  /** A short random suffix for run ids. */
  randomId: () => string;
  orchestrationName: string;
  /**
   * Why a failback of `plan` cannot start (issue 23): the active-side records say the standby
   * does not carry production for a service it restores (./failback.ts `failbackRefusal`).
   */
  failbackCheck?: (plan: Plan) => Promise<{ code: string; message: string } | undefined>;
}

/** A run id: readable, sortable by time within a plan, unique. */
export function newRunId(
  plan: string,
  mode: RunMode | 'failback' | 'failbackdrill',
  now: Date,
  random: string,
): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${plan}-${mode}-${stamp}-${random
    .replace(/[^a-z0-9]/gi, '')
    .slice(0, 8)
    .toLowerCase()}`;
}

/** How long a freshly taken lock counts as live before its run shows up in the task hub. */
const STARTING_GRACE_MS = 60_000;

/** Whether the run holding a lock still runs (or is being started). */
async function lockIsLive(client: PlanClient, lock: PlanLock, now: Date): Promise<string | undefined> {
  const status = await runtimeStatusOf(client, lock.runId);
  if (status !== undefined) return isRunning(status) ? status : undefined;
  return now.getTime() - Date.parse(lock.since) < STARTING_GRACE_MS ? 'Starting' : undefined;
}

/** Starts a drill or a failover of a plan, or says why not. */
export async function startPlanRun(
  client: PlanClient,
  request: StartRequest,
  deps: StartDeps,
): Promise<StartDecision> {
  const { config, store, now } = deps;
  if (request.mode === 'failover' && !config.plans.failoversEnabled)
    return {
      started: false,
      code: 'FailoversDisabled',
      message: `${request.failback === true ? 'failbacks' : 'failovers'} are switched off (LIFEBOAT_FAILOVERS_ENABLED=false, which covers failovers and failbacks); drills still run`,
    };
  const entry = deps.entries.find((e) => e.name === request.plan);
  if (entry === undefined)
    return { started: false, code: 'PlanNotFound', message: `no plan named '${request.plan.slice(0, 80)}'` };
  if (!entry.valid || entry.plan === undefined || entry.sha256 === undefined)
    return {
      started: false,
      code: 'PlanInvalid',
      message: `plan '${request.plan}' is invalid and cannot be started: ${entry.problems.join('; ')}`,
      problems: [...entry.problems],
    };
  const plan = entry.plan;
  if (request.failback === true) {
    const refusal =
      deps.failbackCheck === undefined
        ? { code: 'NotFailedOver', message: 'the active-side records cannot be read: no failback starts' }
        : await deps.failbackCheck(plan);
    if (refusal !== undefined) return { started: false, code: 'NotFailedOver', message: refusal.message };
  }
  const requestedById = request.requestedById ?? request.requestedBy;
  const label =
    request.failback !== true ? request.mode : request.mode === 'drill' ? 'failbackdrill' : 'failback';
  const runId = newRunId(plan.name, label, now, deps.randomId());
  const lock: PlanLock = { runId, mode: request.mode, since: now.toISOString() };

  // The run loads the plan by name and checks this ticket, so only a start recorded here runs.
  const inputFor = (preempted: string | undefined): PlanRunStart => ({
    runId,
    mode: request.mode,
    plan: plan.name,
    planSha256: entry.sha256!,
    requestedAt: now.toISOString(),
    ...(request.requestedBy === undefined ? {} : { requestedBy: request.requestedBy }),
    ...(requestedById === undefined ? {} : { requestedById }),
    ...(request.reason === undefined ? {} : { reason: request.reason }),
    ...(request.alert === undefined ? {} : { alert: request.alert }),
    ...(preempted === undefined ? {} : { preempted }),
    ...(request.failback === true ? { failback: true as const } : {}),
    approvalTimeoutMs: config.plans.approvalTimeoutMinutes * 60_000,
    preemptWaitMs: config.plans.preemptWaitMinutes * 60_000,
  });
  // The run input is checked before the lock is taken: an input that cannot start a run must not
  // hold the plan's lock (issue 20: a phantom lock answered PlanBusy for minutes).
  const probe = planRunStartSchema.safeParse(inputFor(undefined));
  if (!probe.success)
    return {
      started: false,
      code: 'InvalidRunInput',
      message: `the run input is invalid (${formatIssues(probe.error.issues)}); nothing started`,
    };

  for (let attempt = 0; attempt < 5; attempt++) {
    const held = await store.readLock(plan.name);
    let preempted: string | undefined;
    if (held !== undefined) {
      const live = await lockIsLive(client, held.lock, now);
      if (live !== undefined) {
        if (!(request.mode === 'failover' && held.lock.mode === 'drill')) {
          const report = await store.readReport(held.lock.runId).catch(() => undefined);
          const state = report?.state ?? live;
          return {
            started: false,
            code: 'PlanBusy',
            runId: held.lock.runId,
            mode: held.lock.mode,
            state,
            message: `plan '${plan.name}' already has a ${held.lock.mode} ${held.lock.runId} (${state}): one run per plan at a time`,
          };
        }
        preempted = held.lock.runId;
      }
    }
    if (!(await store.takeLock(plan.name, lock, held?.etag))) continue; // someone else moved first: look again
    const input: PlanRunStart = planRunStartSchema.parse(inputFor(preempted));
    const first = initialReport({ ...input, plan }, now);
    try {
      // The report exists before the run does: GET /api/runs/{runId} answers from the first moment.
      const { renderReportHtml } = await import('./reportHtml');
      await store.writeReport(first, renderReportHtml(first));
      await deps.records.writeTicket({ runId, input, writtenAt: now.toISOString() });
      await client.startNew(deps.orchestrationName, { instanceId: runId, input });
    } catch (error) {
      await store.releaseLock(plan.name, runId).catch(() => undefined);
      throw error;
    }
    if (preempted !== undefined) {
      const by =
        requestedById === undefined ? undefined : actorOf({ id: requestedById, name: request.requestedBy });
      await sendRequest(
        client,
        deps.records,
        {
          id: newRequestId(now, deps.randomId()),
          runId: preempted,
          kind: 'cancel',
          at: now.toISOString(),
          reason: `preempted by failover ${runId}`,
          preemptedBy: runId,
          ...(by === undefined ? {} : { by }),
        },
        PLAN_SIGNAL,
      );
    }
    return { started: true, runId, state: first.state, ...(preempted === undefined ? {} : { preempted }) };
  }
  return {
    started: false,
    code: 'PlanBusy',
    runId: (await store.readLock(plan.name))?.lock.runId ?? '(unknown)',
    mode: request.mode,
    state: 'starting',
    message: `plan '${plan.name}' is being started by someone else right now`,
  };
}

/** The run holding a plan's lock, if it is live. */
export async function activeRun(
  client: PlanClient,
  store: PlanStore,
  plan: string,
  now: Date,
): Promise<{ runId: string; mode: RunMode; state: string } | undefined> {
  const held = await store.readLock(plan);
  if (held === undefined) return undefined;
  const live = await lockIsLive(client, held.lock, now);
  if (live === undefined) return undefined;
  const report = await store.readReport(held.lock.runId).catch(() => undefined);
  return { runId: held.lock.runId, mode: held.lock.mode, state: report?.state ?? live };
}

/** What a request needs besides its content: the durable client, the records, the clock, a random id. */
export interface RequestDeps {
  client: PlanClient;
  records: PlanRecords;
  now: Date;
  randomId: RandomId;
}

/**
 * Records a request for a run (decision or alert) and rings its bell; the run decides it, in
 * arrival order, and keeps what became of it in its report (`requests`). Returns the request.
 */
export async function requestRun(
  deps: RequestDeps,
  runId: string,
  content: Omit<PlanRequest, 'id' | 'runId' | 'at'>,
  ring: (raise: () => Promise<void>) => Promise<void> = (raise) => raise(),
): Promise<PlanRequest> {
  const request: PlanRequest = {
    id: newRequestId(deps.now, deps.randomId()),
    runId,
    at: deps.now.toISOString(),
    ...content,
  };
  await sendRequest(deps.client, deps.records, request, PLAN_SIGNAL, ring);
  return request;
}

/**
 * Asks a run to cancel: it stops after the steps in flight and runs its cleanup. `resolved`: the
 * ask comes from a Resolved alert, which the run honours only before the failover's approval.
 */
export async function cancelRun(
  deps: RequestDeps,
  runId: string,
  cancel: { by?: Actor; reason?: string; resolved?: AlertReport },
): Promise<PlanRequest> {
  const by = cancel.by;
  return requestRun(deps, runId, {
    kind: cancel.resolved === undefined ? 'cancel' : 'resolved',
    ...(by === undefined ? {} : { by }),
    ...(cancel.reason === undefined ? {} : { reason: cancel.reason }),
    ...(cancel.resolved === undefined ? {} : { alert: cancel.resolved }),
  });
}

// ------------------------------------------------------------------------------------------------
// HTTP bodies and the approval rules

export const startDrillBody = z.strictObject({
  plan: z.string({ error: 'is required (the plan name)' }).min(1, { error: 'must not be empty' }).max(100),
  /** What the drill rehearses: the failover (the default) or the failback (issue 23). */
  mode: z
    .enum(['failover', 'failback'], { error: 'must be "failover" or "failback" (what the drill rehearses)' })
    .optional(),
});
export const startFailoverBody = z.strictObject({
  plan: z.string({ error: 'is required (the plan name)' }).min(1, { error: 'must not be empty' }).max(100),
  reason: z
    .string({ error: 'is required (why fail over: it goes into the report)' })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(2000, { error: 'must be at most 2000 characters' }),
});
export const decisionBody = z.strictObject({
  comment: z.string().max(500, { error: 'must be at most 500 characters' }).optional(),
});
export const cancelBody = z.strictObject({
  reason: z.string().max(500, { error: 'must be at most 500 characters' }).optional(),
});

/** Who a run records as acting: the caller's object id (compared) and name (displayed). */
export interface Caller {
  readonly objectId: string;
  readonly name: string;
}

/**
 * The requester fields of a start from a signed-in caller (shared/identity/principal.ts): the
 * object id is what the two-person rule compares; the name is only shown. Never a body field.
 */
export function callerIdentity(caller: Caller): { requestedBy: string; requestedById: string } {
  return { requestedBy: caller.name.trim().slice(0, 256) || caller.objectId, requestedById: caller.objectId };
}

/** Whether `approver` may decide `report` now. */
export type ApprovalCheck =
  { ok: true } | { ok: false; status: 400 | 403 | 409; code: string; message: string };

export function checkApproval(
  report: RunReport,
  approver: Caller,
  decision: 'approve' | 'reject',
  allowSelfApproval: boolean,
): ApprovalCheck {
  if (report.mode !== 'failover')
    return {
      ok: false,
      status: 409,
      code: 'NotAFailover',
      message: `${report.runId} is a drill: drills need no approval`,
    };
  if (report.state !== 'pendingApproval')
    return {
      ok: false,
      status: 409,
      code: 'NotPendingApproval',
      message: `${report.runId} is ${report.state}, not waiting for approval`,
    };
  // A requester is always known: a run recorded without one (started before identities were
  // object ids) cannot be approved safely, so it is refused, never waved through.
  const requester = report.requestedById;
  if (requester === undefined)
    return {
      ok: false,
      status: 409,
      code: 'RequesterUnknown',
      message: `${report.runId} does not record who requested it, so the two-person rule cannot be checked: cancel it and request the failover again`,
    };
  if (
    decision === 'approve' &&
    !allowSelfApproval &&
    requester.toLowerCase() === approver.objectId.toLowerCase()
  )
    return {
      ok: false,
      status: 403,
      code: 'SelfApproval',
      message: `${approver.name} requested this ${report.failback === true ? 'failback' : 'failover'} and cannot approve it (LIFEBOAT_ALLOW_SELF_APPROVAL is off): another person must`,
    };
  return { ok: true };
}

/**
 * Whether a manual step of `report` can be decided now (pure; issue 22 item 5): the step exists
 * and is a manual step, the run is running (not ended or cancelling), and the step is waiting for
 * a person (a drill's skipped manual step never is). The role is the route's check: a failover's
 * manual step needs Lifeboat.Approver, a drill's Lifeboat.Operator.
 */
export function checkManualDecision(
  report: RunReport,
  stepId: string,
):
  | { ok: true; role: 'approver' | 'operator' }
  | { ok: false; status: 404 | 409; code: string; message: string } {
  const step = report.groups.flatMap((g) => g.steps).find((s) => s.id === stepId);
  if (step === undefined)
    return { ok: false, status: 404, code: 'NotFound', message: `${report.runId} has no step '${stepId}'` };
  if (step.kind !== 'manual')
    return {
      ok: false,
      status: 409,
      code: 'NotAManualStep',
      message: `step '${stepId}' is a ${step.kind} step: only a manual step is confirmed by a person`,
    };
  if (step.status !== 'running' || step.manual?.waits !== true)
    return {
      ok: false,
      status: 409,
      code: 'StepNotWaiting',
      message: `step '${stepId}' of ${report.runId} is ${step.status}${step.skipped === undefined ? '' : ` (${step.skipped})`}, not waiting for a person`,
    };
  return { ok: true, role: report.mode === 'failover' ? 'approver' : 'operator' };
}

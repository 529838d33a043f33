import { NonRetryableError } from '../errors';
import type { PlanTrigger } from '../plans/plan';
import type { AlertReport } from '../plans/report';
import type { AlertDecision } from './decision';
import { ALERT_LIMITS } from '../plans/alertFields';
import { cancelsPendingOnResolved, matchPlans, type PlanMatch } from './match';
import {
  alertKey,
  parseAlertMessage,
  type AlertMessage,
  type AlertRejection,
  type ParsedAlert,
} from './parse';
import type { AlertsSource } from './source';
import type { AlertStore, DedupeRecord } from './store';
import { verifyAlert } from './verify';

/**
 * What the alert queue trigger does with a message (issue 11): dedupe, match, start or attach,
 * cancel a pending failover on Resolved, and record every decision. Its dependencies come in as
 * parameters (the plans' start, attach, cancel and lock come from shared/plans/start.ts in
 * production, fakes in unit tests), so the rules are tested without a host.
 */

/** A plan as the loader gives it: valid or not, with its triggers when they could be read. */
export interface PlanEntry {
  name: string;
  valid: boolean;
  triggers: readonly PlanTrigger[];
  problems?: readonly string[];
}

/** What starting a failover answered (shared/plans/start.ts `StartDecision`). */
export type StartAnswer =
  | { started: true; runId: string; preempted?: string }
  | {
      started: false;
      code: 'PlanBusy';
      runId: string;
      mode: 'drill' | 'failover';
      state: string;
      message: string;
    }
  | { started: false; code: string; message: string };

export interface AlertDeps {
  readonly store: AlertStore;
  plans(): Promise<readonly PlanEntry[]>;
  start(request: {
    plan: string;
    mode: 'failover';
    reason: string;
    requestedBy: string;
    alert: AlertReport;
  }): Promise<StartAnswer>;
  /** Azure Monitor: read before an alert starts or cancels anything (./source.ts). */
  readonly source: AlertsSource;
  /**
   * Asks the run to cancel because every Fired alert attached to it resolved; the run decides
   * (a request record, in arrival order: only before the approval).
   */
  cancel(
    runId: string,
    by: { by: { id: string; name: string }; reason: string },
    alert: AlertReport,
  ): Promise<void>;
  /** Who holds the plan's lock (a pending, waiting or running run), if anyone. */
  active(plan: string): Promise<{ runId: string; mode: 'drill' | 'failover'; state: string } | undefined>;
  now(): Date;
}

/** The queue delivery (trigger metadata). */
export interface Delivery {
  messageId?: string;
  dequeueCount?: number;
  /** When the message was enqueued: the alert's `receivedAt` unless the intake said (blob ref). */
  insertedAt?: string;
}

/** Throws the rejection as the queue wrapper expects (recorded by its `reject`, completed). */
export function throwRejection(r: AlertRejection): never {
  throw new NonRetryableError(r.reason, { code: r.code });
}

/** A rejected-message decision. `alertId` falls back to the message id, so the record says which message. */
export function rejectedDecision(
  reason: { code: string; message: string },
  alertId: string | undefined,
  delivery: Delivery,
  now: Date,
): AlertDecision {
  return {
    alertId: alertId ?? `message:${delivery.messageId ?? 'unknown'}`,
    decision: 'rejected',
    reason: `${reason.code}: ${reason.message.replace(/^\[nonRetryable\] /, '')}`,
    decidedAt: now.toISOString(),
    ...(delivery.messageId === undefined ? {} : { messageId: delivery.messageId }),
  };
}

function base(alert: ParsedAlert, now: Date): Omit<AlertDecision, 'decision' | 'reason'> {
  return {
    alertId: alert.alertId,
    monitorCondition: alert.monitorCondition,
    rule: alert.rule,
    decidedAt: now.toISOString(),
    ...(alert.severity === undefined ? {} : { severity: alert.severity }),
    ...(alert.signalType === undefined ? {} : { signalType: alert.signalType }),
    ...(alert.firedDateTime === undefined ? {} : { firedDateTime: alert.firedDateTime }),
    ...(alert.truncated === undefined ? {} : { truncated: alert.truncated }),
  };
}

/** How the alert is attached to a run. */
export function alertReport(alert: ParsedAlert, receivedAt: string): AlertReport {
  return {
    alertId: alert.alertId,
    rule: alert.rule,
    monitorCondition: alert.monitorCondition,
    receivedAt,
    ...(alert.severity === undefined ? {} : { severity: alert.severity }),
    ...(alert.firedDateTime === undefined ? {} : { firedDateTime: alert.firedDateTime }),
    ...(alert.resolvedDateTime === undefined ? {} : { resolvedDateTime: alert.resolvedDateTime }),
    ...(alert.targetIds.length === 0
      ? {}
      : { targetIds: alert.targetIds.slice(0, ALERT_LIMITS.reportTargetIds) }),
  };
}

/** Builds this alert's decisions for one plan. */
function decider(deps: AlertDeps, alert: ParsedAlert, plan: string) {
  return (decision: AlertDecision['decision'], reason: string, runId?: string): AlertDecision => ({
    ...base(alert, deps.now()),
    plan,
    decision,
    reason,
    ...(runId === undefined ? {} : { runId }),
  });
}

/** The decision for a Fired alert and one plan it matched. */
async function onFired(
  deps: AlertDeps,
  alert: ParsedAlert,
  match: PlanMatch,
  entry: PlanEntry,
  report: AlertReport,
): Promise<AlertDecision> {
  const d = decider(deps, alert, match.plan);
  if (!entry.valid)
    return d(
      'refused',
      `plan ${match.plan} is invalid: ${(entry.problems ?? []).slice(0, 3).join('; ') || 'see GET /api/plans'}`,
    );
  const answer = await deps.start({
    plan: match.plan,
    mode: 'failover',
    // Within the run input's bounds (reason ≤ 2000, requestedBy ≤ 256 characters).
    reason:
      `alert ${alert.rule} fired${alert.severity === undefined ? '' : ` (${alert.severity})`}: ${match.because}`.slice(
        0,
        2000,
      ),
    requestedBy: `alert:${alert.rule}`.slice(0, 256),
    alert: report,
  });
  if (answer.started) {
    await deps.store.setRunStarter({
      runId: answer.runId,
      plan: match.plan,
      alertId: alert.alertId,
      rule: alert.rule,
      at: deps.now().toISOString(),
    });
    await deps.store.attach(answer.runId, report, false);
    return d(
      'started',
      `failover started (${match.because})${answer.preempted === undefined ? '' : `; preempted drill ${answer.preempted}`}`,
      answer.runId,
    );
  }
  if (answer.code === 'PlanBusy' && 'mode' in answer && answer.mode === 'failover') {
    const summary = await deps.store.attach(answer.runId, report, false);
    return d(
      'attached',
      `attached to the plan's failover (${answer.state}; ${summary.fired} Fired alert(s) attached)`,
      answer.runId,
    );
  }
  if (answer.code === 'PlanBusy' && 'runId' in answer)
    return d('refused', `${answer.code}: ${answer.message}`, answer.runId);
  return d('refused', `${answer.code}: ${answer.message}`);
}

/** The decision for a Resolved alert and one plan it matched. */
async function onResolved(
  deps: AlertDeps,
  alert: ParsedAlert,
  match: PlanMatch,
  report: AlertReport,
): Promise<AlertDecision> {
  const d = decider(deps, alert, match.plan);
  const active = await deps.active(match.plan);
  if (active === undefined || active.mode !== 'failover')
    return d('recorded', 'alert resolved; no failover of the plan is pending or running');
  // Only a Resolved whose own Fired is attached to this run counts (matched by alert id, not
  // rule: another alert of the same rule resolving says nothing about this one).
  const ownFired = await deps.store.isAttached(active.runId, alert.alertId, 'Fired');
  const summary = await deps.store.attach(active.runId, report, ownFired);
  if (active.state !== 'pendingApproval')
    return d(
      'recorded',
      `alert resolved; the failover is ${active.state} and is never stopped by an alert`,
      active.runId,
    );
  const starter = await deps.store.runStarter(active.runId);
  if (starter === undefined)
    return d(
      'recorded',
      'alert resolved; the pending failover was not started by an alert, so it stays for a person to decide',
      active.runId,
    );
  if (!ownFired)
    return d(
      'recorded',
      'alert resolved; this alert is not attached to the pending failover, so it stays for a person to decide',
      active.runId,
    );
  if (summary.resolved < summary.fired)
    return d(
      'recorded',
      `alert resolved; ${summary.resolved} of the ${summary.fired} Fired alerts attached to the pending failover are resolved, so it stays pending`,
      active.runId,
    );
  if (!cancelsPendingOnResolved(match))
    return d(
      'recorded',
      'alert resolved; the trigger keeps the pending failover (cancelPendingOnResolved: false)',
      active.runId,
    );
  await deps.cancel(
    active.runId,
    {
      by: { id: `alert:${alert.rule}`.slice(0, 256), name: `alert:${alert.rule}`.slice(0, 256) },
      reason: `every Fired alert attached resolved before approval (${alert.resolvedDateTime ?? 'no resolvedDateTime'})`,
    },
    report,
  );
  return d(
    'cancelledPending',
    `alert resolved before approval (${summary.resolved} of ${summary.fired} Fired alerts resolved): the pending failover was asked to cancel (the run decides, in arrival order: an approval that came first wins)`,
    active.runId,
  );
}

/**
 * Decides one alert (after dedupe): match, then, once Azure Monitor confirms the alert (./verify.ts),
 * start/attach (Fired) or cancel/record (Resolved) with Azure's values. A delivery Azure does not
 * confirm is `unverified` and starts or cancels nothing.
 */
async function decide(deps: AlertDeps, delivered: ParsedAlert, receivedAt: string): Promise<AlertDecision[]> {
  const now = () => deps.now();
  const entries = await deps.plans();
  const ignored = (a: ParsedAlert): AlertDecision[] => [
    { ...base(a, now()), decision: 'ignored', reason: 'the alert matches no plan trigger' },
  ];
  const recorded = (ms: PlanMatch[], reason: string): AlertDecision[] =>
    ms.map((m) => ({ ...base(delivered, now()), plan: m.plan, decision: 'recorded' as const, reason }));
  const claimed = matchPlans(delivered, entries);
  if (claimed.length === 0) return ignored(delivered);
  if (delivered.monitorCondition === 'Resolved') {
    if ((await deps.store.getDedupe(alertKey(delivered.alertId, 'Fired'))) === undefined)
      return recorded(claimed, 'Resolved before its Fired was seen: recorded only');
  }
  // A Fired that arrives after its own Resolved (deliveries are not ordered) is stale: the alert
  // is over, and failing over for it would do harm.
  else if ((await deps.store.getDedupe(alertKey(delivered.alertId, 'Resolved'))) !== undefined)
    return recorded(claimed, 'Fired after its Resolved was seen: the alert is over, nothing started');

  // The delivery is a doorbell: Azure Monitor says whether the alert is real and what it is.
  const verification = verifyAlert(delivered, await deps.source.read(delivered.alertId));
  if (!verification.verified)
    return claimed.map((m) => ({
      ...base(delivered, now()),
      plan: m.plan,
      decision: 'unverified' as const,
      reason: verification.reason,
    }));
  const alert = verification.alert;
  const matches = matchPlans(alert, entries);
  if (matches.length === 0) return ignored(alert);
  const report = alertReport(alert, receivedAt);
  const out: AlertDecision[] = [];
  if (alert.monitorCondition === 'Resolved')
    for (const m of matches) out.push(await onResolved(deps, alert, m, report));
  else
    for (const m of matches)
      out.push(
        await onFired(
          deps,
          alert,
          m,
          entries.find((e) => e.name === m.plan)!,
          report,
        ),
      );
  return out;
}

/** Handles one alert: claim its (alertId, condition), decide, record. */
export async function handleAlert(
  deps: AlertDeps,
  alert: ParsedAlert,
  delivery: Delivery,
  receivedAt: string,
): Promise<AlertDecision[]> {
  const key = alertKey(alert.alertId, alert.monitorCondition);
  const claimedAt = deps.now().toISOString();
  const record: DedupeRecord = {
    v: 1,
    key,
    alertId: alert.alertId,
    monitorCondition: alert.monitorCondition,
    rule: alert.rule,
    state: 'claimed',
    claimedAt,
    ...(delivery.messageId === undefined ? {} : { messageId: delivery.messageId }),
    ...(delivery.dequeueCount === undefined ? {} : { dequeueCount: delivery.dequeueCount }),
  };
  const stamp = (d: AlertDecision): AlertDecision =>
    delivery.messageId === undefined ? d : { ...d, messageId: delivery.messageId };
  const existing = await deps.store.claim(record);
  let claim = record;
  if (existing !== undefined) {
    const redelivery = delivery.messageId !== undefined && existing.messageId === delivery.messageId;
    if (!redelivery) {
      const dup: AlertDecision = stamp({
        ...base(alert, deps.now()),
        decision: 'duplicate',
        reason: `already ${existing.state === 'decided' ? 'decided' : 'being decided'} (first seen ${existing.claimedAt})`,
        ...(existing.decisions?.[0]?.runId === undefined ? {} : { runId: existing.decisions[0].runId }),
        ...(existing.decisions?.[0]?.plan === undefined ? {} : { plan: existing.decisions[0].plan }),
      });
      await deps.store.record(dup);
      return [dup];
    }
    // A retry of the message that claimed it (an earlier attempt failed part-way): decisions
    // already taken are recorded again (idempotent), else the alert is decided now.
    if (existing.state === 'decided' && existing.decisions !== undefined) {
      for (const d of existing.decisions) await deps.store.record(d);
      return existing.decisions;
    }
    claim = { ...existing, dequeueCount: delivery.dequeueCount ?? existing.dequeueCount ?? 1 };
  }
  const day = (alert.firedDateTime ?? receivedAt).slice(0, 10);
  const evidence = await deps.store.writeEvidence(
    key,
    /^\d{4}-\d{2}-\d{2}$/.test(day) ? day : claimedAt.slice(0, 10),
    {
      receivedAt,
      alert,
    },
  );
  const decisions = (await decide(deps, alert, receivedAt)).map(stamp);
  await deps.store.putDedupe({
    ...claim,
    evidence,
    state: 'decided',
    decidedAt: deps.now().toISOString(),
    decisions,
  });
  for (const d of decisions) await deps.store.record(d);
  return decisions;
}

/** Handles a parsed queue message: every alert in it (rejected items recorded as such). */
export async function handleAlertMessage(
  deps: AlertDeps,
  message: AlertMessage,
  delivery: Delivery,
  options: { evidenceMaxBytes?: number } = {},
): Promise<AlertDecision[]> {
  let receivedAt = delivery.insertedAt ?? deps.now().toISOString();
  let parsed = message;
  if (parsed.kind === 'blobRef') {
    const text = await deps.store.readPayload(parsed.ref.blob);
    if (text === undefined)
      throwRejection({
        kind: 'rejected',
        code: 'NotAnAlert',
        reason: `blob: ${parsed.ref.blob} is not stored`,
      });
    receivedAt = parsed.ref.receivedAt;
    parsed = parseAlertMessage(text, { allowBlobRef: false, ...options });
  }
  if (parsed.kind === 'rejected') throwRejection(parsed);
  if (parsed.kind === 'blobRef')
    throwRejection({ kind: 'rejected', code: 'NotAnAlert', reason: 'blob: a reference to a reference' });
  const out: AlertDecision[] = [];
  for (const item of parsed.items) {
    if (item.kind === 'rejected') {
      const d = rejectedDecision(
        { code: item.code, message: item.reason },
        item.alertId,
        delivery,
        deps.now(),
      );
      await deps.store.record(d);
      out.push(d);
    } else out.push(...(await handleAlert(deps, item, delivery, receivedAt)));
  }
  return out;
}

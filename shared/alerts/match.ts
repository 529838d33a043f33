import { SEVERITIES, type PlanTrigger } from '../plans/plan';
import { normaliseResourceId } from '../azure/resourceId';
import type { ParsedAlert } from './parse';

/**
 * Which plans an alert starts (issue 11), pure. A plan's trigger matches when the alert's rule is
 * one of `alertRules` (rule names compared case-insensitively: Azure resource names are) or one of
 * its targets is one of `targetResourceIds` (normalised ARM ids: alerts often lower-case them), and
 * the alert passes `minSeverity` (Sev0 is the most severe: Sev1 passes a minimum of Sev2) and
 * `signalTypes`.
 */

/** What matching needs of a plan. */
export interface PlanTriggers {
  name: string;
  triggers: readonly PlanTrigger[];
}

/** A plan the alert matched, with the triggers that matched it. */
export interface PlanMatch {
  plan: string;
  triggers: PlanTrigger[];
  /** Why it matched ("rule contoso-apim-down", "target /subscriptions/.../service/contoso-apim"). */
  because: string;
}

const foldRule = (rule: string) => rule.trim().toLowerCase();

/** Rank of a severity (0 = Sev0, the most severe), or undefined for an unknown one. */
function rank(severity: string | undefined): number | undefined {
  const i = SEVERITIES.findIndex((s) => s.toLowerCase() === (severity ?? '').trim().toLowerCase());
  return i < 0 ? undefined : i;
}

/** Why a trigger matches the alert, or undefined when it does not. */
export function triggerMatches(
  trigger: PlanTrigger,
  alert: Pick<ParsedAlert, 'rule' | 'normalisedTargetIds' | 'severity' | 'signalType'>,
): string | undefined {
  let because: string | undefined;
  if ((trigger.alertRules ?? []).some((r) => foldRule(r) === foldRule(alert.rule)))
    because = `rule ${alert.rule}`;
  else {
    const wanted = new Set((trigger.targetResourceIds ?? []).map(normaliseResourceId));
    const hit = alert.normalisedTargetIds.find((t) => wanted.has(t));
    if (hit !== undefined) because = `target ${hit}`;
  }
  if (because === undefined) return undefined;
  if (trigger.minSeverity !== undefined) {
    const got = rank(alert.severity);
    // An alert without a known severity cannot prove it is severe enough.
    if (got === undefined || got > SEVERITIES.indexOf(trigger.minSeverity)) return undefined;
  }
  if (trigger.signalTypes !== undefined) {
    const signal = (alert.signalType ?? '').trim().toLowerCase();
    if (!trigger.signalTypes.some((s) => s.toLowerCase() === signal)) return undefined;
  }
  return because;
}

/** The plans an alert matches, in the order given, each with the triggers that matched. */
export function matchPlans(
  alert: Pick<ParsedAlert, 'rule' | 'normalisedTargetIds' | 'severity' | 'signalType'>,
  plans: readonly PlanTriggers[],
): PlanMatch[] {
  const out: PlanMatch[] = [];
  for (const plan of plans) {
    const hits = plan.triggers
      .map((t) => ({ t, because: triggerMatches(t, alert) }))
      .filter((h): h is { t: PlanTrigger; because: string } => h.because !== undefined);
    if (hits.length > 0)
      out.push({ plan: plan.name, triggers: hits.map((h) => h.t), because: hits[0]!.because });
  }
  return out;
}

/**
 * Whether a Resolved alert cancels a failover of the plan still waiting for approval: every
 * matching trigger must allow it (`cancelPendingOnResolved`, true by default). A trigger that says
 * false keeps the pending run for a person to decide.
 */
export function cancelsPendingOnResolved(match: PlanMatch): boolean {
  return match.triggers.every((t) => t.cancelPendingOnResolved);
}

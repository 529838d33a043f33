import { z } from 'zod';

/**
 * One length rule per alert field (issue 20), imported by the intake's parser (shared/alerts/parse.ts)
 * and by the plan run's input and signal schemas (./run.ts) alike (it lives here, the lower of the two
 * layers), so an alert the intake accepts
 * can never fail the run input after the plan's lock is taken (the phantom lock of issue 20,
 * finding 5: target ids of 1,025–2,048 characters passed one and failed the other).
 */
export const ALERT_LIMITS = {
  /** essentials.alertId: an ARM id. */
  alertId: 1024,
  /** essentials.alertRule: a rule name. */
  rule: 260,
  /** One entry of essentials.alertTargetIDs. */
  targetId: 2048,
  /** How many target ids the intake accepts. */
  targetIds: 500,
  /** How many target ids an alert keeps when attached to a run (evidence, not every one). */
  reportTargetIds: 20,
  /** ISO date-times (firedDateTime, resolvedDateTime, receivedAt). */
  time: 40,
  severity: 10,
} as const;

const text = (max: number) =>
  z.string({ error: 'must be a string' }).max(max, { error: `must be at most ${max} characters` });

/** essentials.alertId. */
export const alertIdField = text(ALERT_LIMITS.alertId).trim().min(1, { error: 'must not be empty' });
/** essentials.alertRule. */
export const alertRuleField = text(ALERT_LIMITS.rule).trim().min(1, { error: 'must not be empty' });
/** One target id. */
export const targetIdField = text(ALERT_LIMITS.targetId);
/** The target ids as the intake reads them. */
export const targetIdsField = z
  .array(targetIdField, { error: 'must be an array of resource ids' })
  .max(ALERT_LIMITS.targetIds, { error: `must hold at most ${ALERT_LIMITS.targetIds} ids` });
/** The target ids kept with an alert attached to a run (a prefix of what the intake read). */
export const reportTargetIdsField = z.array(targetIdField).max(ALERT_LIMITS.reportTargetIds);
/** A date-time as carried (already checked as ISO where it enters). */
export const alertTimeField = text(ALERT_LIMITS.time);
export const severityField = text(ALERT_LIMITS.severity);

import { normaliseResourceId } from '../azure/resourceId';
import type { ParsedAlert } from './parse';
import type { AlertRead } from './source';

/**
 * Whether an alert delivery says what Azure Monitor says (issue 20), pure. A delivery (the HTTP
 * intake, the queue, anyone holding a function key or queue write access) is a doorbell: it is
 * acted on only when the Alerts Management API holds the same alert (its `alertId` is the ARM id)
 * with the same monitor condition, rule, targets, severity and fired time; then Lifeboat acts on
 * Azure's values. Anything else is `unverified` with the reason, and starts or cancels nothing.
 */

/** How far the delivery's fired/resolved time may be from Azure's (clock precision, rounding). */
export const TIME_TOLERANCE_MS = 60_000;

export type Verification = { verified: true; alert: ParsedAlert } | { verified: false; reason: string };

/** The rule's name: Azure gives a name or an ARM id "depending on the monitor service". */
export function ruleName(rule: string): string {
  const trimmed = rule.trim().replace(/\/+$/, '');
  return (trimmed.split('/').pop() ?? trimmed).toLowerCase();
}

const far = (a: string | undefined, b: string | undefined) => {
  if (a === undefined || b === undefined) return false;
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  return Number.isNaN(ta) || Number.isNaN(tb) || Math.abs(ta - tb) > TIME_TOLERANCE_MS;
};

/** Compares a delivery with what Azure answered. */
export function verifyAlert(delivered: ParsedAlert, read: AlertRead): Verification {
  const no = (reason: string): Verification => ({ verified: false, reason: `unverified: ${reason}` });
  if (read.kind === 'notFound') return no('Azure Monitor holds no alert with this alertId');
  if (read.kind === 'unreadable') return no(read.reason);
  const azure = read.alert;
  if (normaliseResourceId(azure.id) !== normaliseResourceId(delivered.alertId))
    return no('Azure answered for another alert id');
  if (azure.monitorCondition !== delivered.monitorCondition)
    return no(
      `the delivery says ${delivered.monitorCondition}, Azure Monitor says ${azure.monitorCondition}`,
    );
  if (ruleName(azure.alertRule) !== ruleName(delivered.rule))
    return no(`the delivery names rule ${delivered.rule}, Azure Monitor ${ruleName(azure.alertRule)}`);
  if (azure.targetResource !== undefined) {
    const truth = normaliseResourceId(azure.targetResource);
    const other = delivered.normalisedTargetIds.find((t) => t !== truth);
    if (other !== undefined) return no(`target ${other} is not the alert's target in Azure Monitor`);
  } else if (delivered.normalisedTargetIds.length > 0)
    return no('the delivery names targets; Azure Monitor names none');
  if (
    delivered.severity !== undefined &&
    azure.severity !== undefined &&
    delivered.severity.toLowerCase() !== azure.severity.toLowerCase()
  )
    return no(`the delivery says ${delivered.severity}, Azure Monitor says ${azure.severity}`);
  // The times that drive the action: a Fired's start (the RTO clock), a Resolved's end.
  if (delivered.monitorCondition === 'Fired' && far(delivered.firedDateTime, azure.startDateTime))
    return no(`fired at ${delivered.firedDateTime ?? ''}, Azure Monitor says ${azure.startDateTime ?? ''}`);
  if (delivered.monitorCondition === 'Resolved' && far(delivered.resolvedDateTime, azure.resolvedDateTime))
    return no(
      `resolved at ${delivered.resolvedDateTime ?? ''}, Azure Monitor says ${azure.resolvedDateTime ?? ''}`,
    );
  const severity = (['Sev0', 'Sev1', 'Sev2', 'Sev3', 'Sev4'] as const).find(
    (s) => s.toLowerCase() === (azure.severity ?? delivered.severity ?? '').toLowerCase(),
  );
  const targets = azure.targetResource === undefined ? delivered.targetIds : [azure.targetResource.trim()];
  // Azure's values from here on (the payload only rang the bell).
  const { severity: _s, firedDateTime: _f, resolvedDateTime: _r, ...rest } = delivered;
  return {
    verified: true,
    alert: {
      ...rest,
      targetIds: targets,
      normalisedTargetIds: [...new Set(targets.map(normaliseResourceId))],
      ...(severity === undefined ? {} : { severity }),
      ...((azure.startDateTime ?? delivered.firedDateTime) === undefined
        ? {}
        : { firedDateTime: azure.startDateTime ?? delivered.firedDateTime }),
      ...((azure.resolvedDateTime ?? delivered.resolvedDateTime) === undefined
        ? {}
        : { resolvedDateTime: azure.resolvedDateTime ?? delivered.resolvedDateTime }),
      ...(azure.signalType === undefined && delivered.signalType === undefined
        ? {}
        : { signalType: azure.signalType ?? delivered.signalType }),
    },
  };
}

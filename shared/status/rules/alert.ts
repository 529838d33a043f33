import type { AlertDecision } from '../../alerts/decision';
import type { Colour } from '../colour';
import type { AlertLine } from '../report';

/** One alert decision as a status line: amber when it started, joined or refused a failover, or could not be verified. */
export function alertLine(a: AlertDecision): AlertLine {
  // A decision that started, joined or refused a failover deserves a look; the rest is record.
  const colour: Colour = ['started', 'attached', 'refused', 'rejected', 'unverified'].includes(a.decision)
    ? 'amber'
    : 'green';
  return {
    alertId: a.alertId,
    decidedAt: a.decidedAt,
    decision: a.decision,
    colour,
    reason: a.reason,
    rule: a.rule ?? null,
    plan: a.plan ?? null,
    runId: a.runId ?? null,
    monitorCondition: a.monitorCondition ?? null,
  };
}

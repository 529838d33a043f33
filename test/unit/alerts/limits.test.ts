import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alertReport } from '../../../shared/alerts/handle';
import { ALERT_LIMITS } from '../../../shared/plans/alertFields';
import { parseAlertMessage } from '../../../shared/alerts/parse';
import { alertReportSchema } from '../../../shared/plans/run';
import { metricAlert, PRIMARY } from '../../fixtures/alerts';

/**
 * One length rule per field (issue 20, finding 5): whatever the intake accepts, the run input
 * accepts too (target ids of 1,025–2,048 characters passed one and failed the other, after the
 * plan's lock was taken).
 */
describe('alert length rules', () => {
  it('an alert the intake accepts always fits the run input', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: ALERT_LIMITS.alertId - 80 }),
        fc.integer({ min: 1, max: ALERT_LIMITS.rule }),
        fc.array(fc.integer({ min: PRIMARY.length + 2, max: ALERT_LIMITS.targetId }), {
          minLength: 0,
          maxLength: 30,
        }),
        (idLength, ruleLength, targetLengths) => {
          const payload = metricAlert({
            alertId: `/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.AlertsManagement/alerts/${'a'.repeat(idLength)}`,
            rule: 'r'.repeat(ruleLength),
            targets: targetLengths.map((n) => `${PRIMARY}/${'x'.repeat(n - PRIMARY.length - 1)}`),
          });
          const m = parseAlertMessage(JSON.stringify(payload));
          if (m.kind !== 'alerts' || m.items[0]?.kind !== 'alert') return; // refused by the intake: fine
          const report = alertReport(m.items[0], '2026-01-01T00:00:00.000Z');
          expect(alertReportSchema.safeParse(report).success).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a 2,048-character target id passes the intake and the run input', () => {
    const target = `${PRIMARY}/${'x'.repeat(ALERT_LIMITS.targetId - PRIMARY.length - 1)}`;
    const m = parseAlertMessage(JSON.stringify(metricAlert({ targets: [target] })));
    expect(m.kind).toBe('alerts');
    if (m.kind !== 'alerts' || m.items[0]?.kind !== 'alert') throw new Error('refused');
    expect(alertReportSchema.parse(alertReport(m.items[0], '2026-01-01T00:00:00.000Z')).targetIds).toEqual([
      target,
    ]);
  });
});

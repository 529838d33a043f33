import { describe, expect, it } from 'vitest';
import { cancelsPendingOnResolved, matchPlans, triggerMatches } from '../../../shared/alerts/match';
import { parseAlertMessage, type ParsedAlert } from '../../../shared/alerts/parse';
import { triggerSchema, type PlanTrigger } from '../../../shared/plans/plan';
import {
  PRIMARY,
  activityLogAlert,
  logSearchAlert,
  lowerCased,
  metricAlert,
  type AlertOptions,
} from '../../fixtures/alerts';

const trigger = (t: Record<string, unknown>): PlanTrigger => triggerSchema.parse(t);
function alertOf(payload: unknown): ParsedAlert {
  const m = parseAlertMessage(payload);
  if (m.kind !== 'alerts' || m.items[0]?.kind !== 'alert') throw new Error('not an alert');
  return m.items[0];
}

const OTHER = PRIMARY.replace('contoso-apim', 'other-apim');

describe('matchPlans', () => {
  const plans = [
    { name: 'contoso-dr', triggers: [trigger({ alertRules: ['contoso-apim-down'] })] },
    { name: 'by-target', triggers: [trigger({ targetResourceIds: [PRIMARY] })] },
    { name: 'other', triggers: [trigger({ targetResourceIds: [OTHER] })] },
    { name: 'no-triggers', triggers: [] },
  ];

  it('matches by rule name and by target id, nothing else', () => {
    const m = matchPlans(alertOf(metricAlert()), plans);
    expect(m.map((x) => x.plan)).toEqual(['contoso-dr', 'by-target']);
    expect(m[0]!.because).toBe('rule contoso-apim-down');
    expect(m[1]!.because).toBe(`target ${PRIMARY.toLowerCase()}`);
  });

  it('matches target ids the alert lower-cased (and a trigger written with odd casing and a trailing slash)', () => {
    const odd = PRIMARY.replace('providers', 'Providers').replace('contoso-apim', 'Contoso-APIM') + '/';
    const m = matchPlans(alertOf(lowerCased(metricAlert({ rule: 'unrelated-rule' }))), [
      { name: 'p', triggers: [trigger({ targetResourceIds: [` ${odd} `] })] },
    ]);
    expect(m.map((x) => x.plan)).toEqual(['p']);
  });

  it('matches rule names case-insensitively', () => {
    expect(
      matchPlans(alertOf(metricAlert({ rule: 'Contoso-APIM-Down', targets: [OTHER] })), plans),
    ).toHaveLength(2);
  });

  it('an unknown rule on an unprotected target matches no plan', () => {
    expect(
      matchPlans(
        alertOf(
          metricAlert({
            rule: 'who-knows',
            targets: ['/subscriptions/x/resourceGroups/y/providers/Microsoft.Web/sites/z'],
          }),
        ),
        plans,
      ),
    ).toEqual([]);
  });

  it('an alert without targets matches only by rule', () => {
    expect(matchPlans(alertOf(metricAlert({ targets: [] })), plans).map((x) => x.plan)).toEqual([
      'contoso-dr',
    ]);
  });
});

describe('triggerMatches: minSeverity (Sev0 most severe) and signalTypes', () => {
  const rule = { alertRules: ['r'] };
  const a = (severity: string, payload: (o: AlertOptions) => unknown = metricAlert) =>
    alertOf(payload({ rule: 'r', severity }));

  it.each([
    ['Sev0', 'Sev2', true],
    ['Sev1', 'Sev2', true],
    ['Sev2', 'Sev2', true],
    ['Sev3', 'Sev2', false],
    ['Sev4', 'Sev0', false],
    ['Sev0', 'Sev0', true],
  ])('an alert of %s against minSeverity %s → %s', (sev, min, expected) => {
    expect(triggerMatches(trigger({ ...rule, minSeverity: min }), a(sev)) !== undefined).toBe(expected);
  });

  it('an alert without a severity does not pass a minimum', () => {
    const alert = { ...a('Sev0'), severity: undefined } as unknown as ParsedAlert;
    expect(triggerMatches(trigger({ ...rule, minSeverity: 'Sev4' }), alert)).toBeUndefined();
    expect(triggerMatches(trigger(rule), alert)).toBeDefined();
  });

  it('filters by signal type', () => {
    const t = trigger({ ...rule, signalTypes: ['Metric', 'Activity Log'] });
    expect(triggerMatches(t, a('Sev1'))).toBeDefined();
    expect(triggerMatches(t, a('Sev1', activityLogAlert))).toBeDefined();
    expect(triggerMatches(t, a('Sev1', logSearchAlert))).toBeUndefined();
  });
});

describe('cancelsPendingOnResolved', () => {
  it('is true by default, false when a matching trigger says false', () => {
    const alert = alertOf(metricAlert());
    const [byDefault] = matchPlans(alert, [
      { name: 'p', triggers: [trigger({ alertRules: ['contoso-apim-down'] })] },
    ]);
    expect(cancelsPendingOnResolved(byDefault!)).toBe(true);
    const [kept] = matchPlans(alert, [
      {
        name: 'p',
        triggers: [
          trigger({ alertRules: ['contoso-apim-down'] }),
          trigger({ targetResourceIds: [PRIMARY], cancelPendingOnResolved: false }),
        ],
      },
    ]);
    expect(cancelsPendingOnResolved(kept!)).toBe(false);
  });
});

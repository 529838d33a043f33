import { describe, expect, it } from 'vitest';
import { parseAlertMessage, type ParsedAlert } from '../../../shared/alerts/parse';
import { toAzureAlert, type AzureAlert } from '../../../shared/alerts/source';
import { ruleName, verifyAlert } from '../../../shared/alerts/verify';
import { metricAlert, PRIMARY, SUB, type AlertOptions } from '../../fixtures/alerts';

const ID = `/subscriptions/${SUB}/providers/Microsoft.AlertsManagement/alerts/66114d64-d9d9-478b-95c9-b789d6502100`;

function delivered(o: AlertOptions = {}): ParsedAlert {
  const m = parseAlertMessage(JSON.stringify(metricAlert({ alertId: ID, ...o })));
  if (m.kind !== 'alerts' || m.items[0]?.kind !== 'alert') throw new Error('not an alert');
  return m.items[0];
}

/** What Azure holds for the fixture alert (target lower-cased, the rule as an ARM id). */
const azure = (over: Partial<Record<keyof AzureAlert, string | undefined>> = {}): AzureAlert =>
  ({
    id: ID.toLowerCase(),
    monitorCondition: 'Fired',
    alertRule: `/subscriptions/${SUB}/resourceGroups/rg-contoso/providers/microsoft.insights/metricalerts/contoso-apim-down`,
    severity: 'Sev1',
    targetResource: PRIMARY.toLowerCase(),
    startDateTime: '2026-01-01T00:00:00.0171491Z',
    ...over,
  }) as AzureAlert;

describe('verifyAlert', () => {
  it('confirms a delivery that says what Azure says (ids compared normalised, rule by name) and acts on Azure’s values', () => {
    const v = verifyAlert(delivered(), {
      kind: 'found',
      alert: azure({ startDateTime: '2026-01-01T00:00:10Z' }),
    });
    expect(v).toMatchObject({
      verified: true,
      alert: {
        alertId: ID,
        severity: 'Sev1',
        firedDateTime: '2026-01-01T00:00:10Z',
        normalisedTargetIds: [PRIMARY.toLowerCase()],
      },
    });
  });

  it.each<[string, AlertOptions, Partial<Record<keyof AzureAlert, string | undefined>>, RegExp]>([
    ['absent', {}, {}, /holds no alert/],
    ['condition', { condition: 'Resolved' }, {}, /says Resolved, Azure Monitor says Fired/],
    ['rule', { rule: 'other-rule' }, {}, /names rule other-rule/],
    ['target', { targets: [PRIMARY.replace('contoso-apim', 'other')] }, {}, /is not the alert's target/],
    ['targets when Azure names none', {}, { targetResource: undefined }, /names none/],
    ['severity', { severity: 'Sev0' }, {}, /says Sev0, Azure Monitor says Sev1/],
    ['fired time', { firedDateTime: '2026-01-01T00:05:00Z' }, {}, /fired at/],
    ['another id', {}, { id: ID.replace('66114d64', '00000000') }, /another alert id/],
  ])('refuses a delivery that disagrees: %s', (what, o, a, reason) => {
    const read =
      what === 'absent'
        ? ({ kind: 'notFound' } as const)
        : {
            kind: 'found' as const,
            alert: Object.fromEntries(
              Object.entries(azure(a)).filter(([, v]) => v !== undefined),
            ) as unknown as AzureAlert,
          };
    const v = verifyAlert(delivered(o), read);
    expect(v.verified).toBe(false);
    expect(v.verified ? '' : v.reason).toMatch(reason);
  });

  it('an unreadable alert is unverified with the reason', () => {
    expect(verifyAlert(delivered(), { kind: 'unreadable', reason: 'ARM answered 403' })).toEqual({
      verified: false,
      reason: 'unverified: ARM answered 403',
    });
  });

  it('rule names: a name or the last segment of an ARM id, case-folded', () => {
    expect(ruleName('/subscriptions/x/providers/microsoft.insights/metricAlerts/Contoso-Down/')).toBe(
      'contoso-down',
    );
    expect(ruleName(' Contoso-Down ')).toBe('contoso-down');
  });
});

describe('toAzureAlert', () => {
  it('reads the documented Get By Id answer, tolerating fields it does not know', () => {
    const got = toAzureAlert({
      properties: {
        essentials: {
          severity: 'Sev3',
          signalType: 'Log',
          alertState: 'Acknowledged',
          monitorCondition: 'Resolved',
          monitorService: 'Application Insights',
          targetResource:
            '/subscriptions/3b540246-808d-4331-99aa-917b808a9166/resourcegroups/rg/providers/microsoft.insights/components/app',
          alertRule: 'rule-1',
          startDateTime: '2018-09-13T15:51:02Z',
          lastModifiedDateTime: '2018-09-13T15:51:02Z',
          monitorConditionResolvedDateTime: '2018-09-13T15:51:02Z',
          somethingNew: { x: 1 },
        },
        context: {},
        egressConfig: {},
      },
      id: ID,
      type: 'Microsoft.AlertsManagement/alerts',
      name: 'cpu alert',
    });
    expect(got).toEqual({
      alert: {
        id: ID,
        monitorCondition: 'Resolved',
        alertRule: 'rule-1',
        severity: 'Sev3',
        signalType: 'Log',
        targetResource: expect.stringContaining('/components/app'),
        startDateTime: '2018-09-13T15:51:02Z',
        resolvedDateTime: '2018-09-13T15:51:02Z',
      },
    });
  });

  it('says what is missing from an answer that is not an alert', () => {
    expect(toAzureAlert({ id: ID, properties: {} })).toEqual({
      problem: expect.stringContaining('properties.essentials'),
    });
  });
});

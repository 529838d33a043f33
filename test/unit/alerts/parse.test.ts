import { describe, expect, it } from 'vitest';
import {
  ALERT_BLOB_REF_SCHEMA_ID,
  ALERT_TEXT_LIMITS,
  alertKey,
  parseAlertMessage,
  type AlertMessage,
  type ParsedAlert,
} from '../../../shared/alerts/parse';
import {
  PRIMARY,
  activityLogAlert,
  cloudEvent,
  eventGridEvent,
  logSearchAlert,
  lowerCased,
  metricAlert,
} from '../../fixtures/alerts';

function onlyAlert(m: AlertMessage): ParsedAlert {
  expect(m.kind).toBe('alerts');
  if (m.kind !== 'alerts') throw new Error('not alerts');
  expect(m.items).toHaveLength(1);
  const a = m.items[0]!;
  if (a.kind !== 'alert') throw new Error(`rejected: ${a.reason}`);
  return a;
}

function rejection(m: AlertMessage) {
  if (m.kind !== 'rejected') throw new Error(`expected a rejection, got ${m.kind}`);
  return m;
}

describe('parseAlertMessage: common-schema alerts', () => {
  it('reads a metric alert Fired: essentials, normalised targets, evidence kept', () => {
    const a = onlyAlert(parseAlertMessage(JSON.stringify(metricAlert())));
    expect(a).toMatchObject({
      rule: 'contoso-apim-down',
      severity: 'Sev1',
      signalType: 'Metric',
      monitorCondition: 'Fired',
      monitoringService: 'Platform',
      targetIds: [PRIMARY],
      normalisedTargetIds: [PRIMARY.toLowerCase()],
      firedDateTime: '2026-01-01T00:00:00.0171491Z',
      envelope: 'common',
    });
    expect(a.resolvedDateTime).toBeUndefined();
    expect(JSON.parse(a.context!.json)).toMatchObject({
      conditionType: 'SingleResourceMultipleMetricCriteria',
    });
    expect(a.context!.truncated).toBe(false);
  });

  it('reads its Resolved with resolvedDateTime', () => {
    const a = onlyAlert(parseAlertMessage(metricAlert({ condition: 'Resolved' })));
    expect(a.monitorCondition).toBe('Resolved');
    expect(a.resolvedDateTime).toBe('2026-01-01T00:20:11.6019096Z');
  });

  it('reads a log search alert with dimensions, and caps its alertContext as evidence', () => {
    const big = logSearchAlert({ rows: 2000 });
    const a = onlyAlert(parseAlertMessage(JSON.stringify(big), { evidenceMaxBytes: 4096 }));
    expect(a).toMatchObject({ signalType: 'Log', monitoringService: 'Log Alerts V2', severity: 'Sev2' });
    expect(a.context!.truncated).toBe(true);
    expect(Buffer.byteLength(a.context!.json)).toBeLessThanOrEqual(4096);
    expect(a.context!.bytes).toBeGreaterThan(100_000);
    expect(a.context!.json).toContain('"dimensions":[{"name":"Region","value":"West Europe"}');
  });

  it('reads an activity log alert', () => {
    const a = onlyAlert(parseAlertMessage(activityLogAlert()));
    expect(a).toMatchObject({
      signalType: 'Activity Log',
      monitoringService: 'Activity Log - Administrative',
    });
  });

  it('normalises lower-cased, slash-ended, space-padded target ids to the same id', () => {
    const alert = lowerCased(metricAlert());
    alert.data.essentials.alertTargetIDs = [`  ${PRIMARY.toLowerCase()}/ `, PRIMARY];
    const a = onlyAlert(parseAlertMessage(alert));
    expect(a.normalisedTargetIds).toEqual([PRIMARY.toLowerCase()]);
  });

  it('never depends on alertContext: an alert without one parses', () => {
    const alert = metricAlert() as { data: Record<string, unknown> };
    delete alert.data['alertContext'];
    expect(onlyAlert(parseAlertMessage(alert)).context).toBeUndefined();
  });
});

describe('parseAlertMessage: envelopes', () => {
  it('unwraps an Event Grid event', () => {
    const a = onlyAlert(parseAlertMessage(JSON.stringify(eventGridEvent(metricAlert()))));
    expect(a.envelope).toBe('eventGrid');
    expect(a.rule).toBe('contoso-apim-down');
  });

  it('unwraps an array of Event Grid events, rejecting the bad one by index', () => {
    const m = parseAlertMessage([
      eventGridEvent(metricAlert()),
      eventGridEvent({ hello: 'world' }),
      eventGridEvent(activityLogAlert()),
    ]);
    if (m.kind !== 'alerts') throw new Error(m.kind);
    expect(m.items.map((i) => i.kind)).toEqual(['alert', 'rejected', 'alert']);
    expect(m.items[1]).toMatchObject({ code: 'NotAnAlert', reason: expect.stringMatching(/^\[1\]\.data/) });
  });

  it('unwraps a CloudEvents 1.0 envelope (data, or data_base64)', () => {
    expect(onlyAlert(parseAlertMessage(cloudEvent(metricAlert()))).envelope).toBe('cloudEvents');
    const b64 = cloudEvent(undefined) as Record<string, unknown>;
    delete b64['data'];
    b64['data_base64'] = Buffer.from(JSON.stringify(metricAlert())).toString('base64');
    expect(onlyAlert(parseAlertMessage(b64)).rule).toBe('contoso-apim-down');
    expect(rejection(parseAlertMessage({ ...cloudEvent(metricAlert()), specversion: '0.3' })).reason).toBe(
      'body.specversion: must be "1.0"',
    );
  });

  it('reads a blob reference from the intake, and refuses one pointing elsewhere', () => {
    const ref = {
      schemaId: ALERT_BLOB_REF_SCHEMA_ID,
      blob: `payloads/2026-01-01/${'a'.repeat(64)}.json`,
      receivedAt: '2026-01-01T00:00:00.000Z',
      bytes: 200_000,
      alertId: 'x',
      monitorCondition: 'Fired',
    };
    expect(parseAlertMessage(JSON.stringify(ref))).toMatchObject({ kind: 'blobRef', ref });
    expect(rejection(parseAlertMessage({ ...ref, blob: '../recent.json' })).reason).toMatch(
      /^blob: must name a payload/,
    );
    expect(rejection(parseAlertMessage(ref, { allowBlobRef: false })).reason).toMatch(
      /only accepted on the queue/,
    );
  });
});

describe('parseAlertMessage: rejections name the field', () => {
  it.each([
    ['truncated JSON', JSON.stringify(metricAlert()).slice(0, 200), 'InvalidJson', /^body: must be JSON/],
    ['malformed JSON', '{"schemaId": azureMonitorCommonAlertSchema}', 'InvalidJson', /^body: must be JSON/],
    ['an empty body', '   ', 'InvalidJson', /^body: is empty/],
    ['plain text', 'hello, the primary is down', 'InvalidJson', /^body: must be JSON/],
    ['a JSON string', '"an alert"', 'NotAnAlert', /^body: must be a JSON object/],
    [
      'another schema',
      JSON.stringify({ schemaId: 'Microsoft.Insights/activityLogs', data: {} }),
      'NotAnAlert',
      /^schemaId: must be "azureMonitorCommonAlertSchema"/,
    ],
    ['an empty array', '[]', 'NotAnAlert', /empty array/],
    [
      'an array of alerts (not events)',
      JSON.stringify([metricAlert()]),
      'NotAnAlert',
      /^body\[0\]: must be an Event Grid event/,
    ],
  ])('%s', (_what, text, code, reason) => {
    const r = rejection(parseAlertMessage(text));
    expect(r.code).toBe(code);
    expect(r.reason).toMatch(reason);
  });

  it('names the missing or wrong essentials field, and keeps the alert id for the record', () => {
    const noRule = metricAlert() as { data: { essentials: Record<string, unknown> } };
    delete noRule.data.essentials['alertRule'];
    const r = rejection(parseAlertMessage(noRule));
    expect(r).toMatchObject({ code: 'InvalidAlert', alertId: expect.stringContaining('contoso-apim-down') });
    expect(r.reason).toBe('data.essentials.alertRule: is required');
    const badCondition = metricAlert();
    (badCondition.data.essentials as Record<string, unknown>)['monitorCondition'] = 'Flapping';
    expect(rejection(parseAlertMessage(badCondition)).reason).toBe(
      'data.essentials.monitorCondition: must be "Fired" or "Resolved"',
    );
    const badSeverity = metricAlert({ severity: 'Critical' });
    expect(rejection(parseAlertMessage(badSeverity)).reason).toMatch(
      /^data\.essentials\.severity: must be one of Sev0/,
    );
  });

  it('never echoes the payload in a JSON error', () => {
    const r = rejection(parseAlertMessage('{"secret": "hunter2", '));
    expect(r.reason).not.toContain('hunter2');
  });
});

describe('parseAlertMessage: long text fields (issue 21, item 6)', () => {
  it('keeps an alert whose description is 100 KB: cut to its limit, and says so', () => {
    const alert = metricAlert();
    const e = alert.data.essentials as Record<string, unknown>;
    e['description'] = `${'x'.repeat(100 * 1024 - 1)}😀`;
    e['monitoringService'] = 'm'.repeat(500);
    const a = onlyAlert(parseAlertMessage(JSON.stringify(alert)));
    expect(a.truncated).toEqual(['data.essentials.description', 'data.essentials.monitoringService']);
    expect(a.monitoringService).toHaveLength(ALERT_TEXT_LIMITS.monitoringService);
    expect(a.rule).toBe('contoso-apim-down');
    // Inside an Event Grid envelope too.
    expect(onlyAlert(parseAlertMessage(JSON.stringify(eventGridEvent(alert)))).truncated).toContain(
      'data.essentials.description',
    );
  });

  it('cuts no field within its limit, nor a surrogate pair in half', () => {
    expect(onlyAlert(parseAlertMessage(JSON.stringify(metricAlert()))).truncated).toBeUndefined();
    const alert = metricAlert();
    const e = alert.data.essentials as Record<string, unknown>;
    e['signalType'] = `${'s'.repeat(ALERT_TEXT_LIMITS.signalType - 1)}😀`;
    const a = onlyAlert(parseAlertMessage(alert));
    expect(a.signalType).toBe('s'.repeat(ALERT_TEXT_LIMITS.signalType - 1));
  });

  it('still refuses a malformed alert: a text field of the wrong type, a decision field too long', () => {
    const alert = metricAlert();
    (alert.data.essentials as Record<string, unknown>)['description'] = { text: 'x'.repeat(100_000) };
    expect(rejection(parseAlertMessage(alert)).reason).toMatch(
      /^data\.essentials\.description: expected a string/,
    );
    const longRule = metricAlert();
    (longRule.data.essentials as Record<string, unknown>)['alertRule'] = 'r'.repeat(100_000);
    expect(rejection(parseAlertMessage(longRule)).reason).toMatch(/^data\.essentials\.alertRule: /);
  });
});

describe('alertKey', () => {
  it('is the same for the same alert and condition whatever the case, different per condition', () => {
    const id = '/subscriptions/x/providers/Microsoft.AlertsManagement/alerts/abc';
    expect(alertKey(id, 'Fired')).toBe(alertKey(id.toLowerCase(), 'Fired'));
    expect(alertKey(id, 'Fired')).not.toBe(alertKey(id, 'Resolved'));
    expect(alertKey(id, 'Fired')).toMatch(/^[a-f0-9]{64}$/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECENT_ALERTS_BLOB, type RecentAlerts } from '../../../shared/alerts/decision';
import {
  PRIMARY as FIXTURE_PRIMARY,
  activityLogAlert,
  cloudEvent,
  eventGridEvent,
  logSearchAlert,
  lowerCased,
  metricAlert,
} from '../../fixtures/alerts';
import { PRIMARY, SUB, apimPlan, startAlertsWorld, type AlertsWorld } from './world';

/**
 * The alert intake, the alert queue and the decision listing through the local host, against
 * Azurite, with the real plan start (shared/plans/start.ts) behind them.
 */

let w: AlertsWorld;
const targets = [PRIMARY];
const id = (name: string) => `/subscriptions/${SUB}/providers/Microsoft.AlertsManagement/alerts/${name}`;

beforeAll(async () => {
  w = await startAlertsWorld([
    apimPlan('contoso-dr', ['contoso-apim-down']),
    // By target id (written in ARM's casing; alerts lower-case it), Sev1 or worse, activity log only.
    apimPlan('by-target', [], {
      triggers: [
        {
          targetResourceIds: [FIXTURE_PRIMARY.replace('rg-contoso', 'rg-by-target')],
          minSeverity: 'Sev1',
          signalTypes: ['Activity Log'],
        },
      ],
    }),
  ]);
}, 120_000);
afterAll(async () => {
  await w?.stop();
});

const byAlert = async (alertId: string) => (await w.decisions()).filter((d) => d.alertId === alertId);

describe('POST /api/alerts → queue → decision', () => {
  it('a metric alert Fired starts the plan’s failover, waiting for approval, with the alert attached and the RTO from firedDateTime', async () => {
    const alert = metricAlert({
      alertId: id('fired-1'),
      targets,
      firedDateTime: new Date(Date.now() - 60_000).toISOString(),
    });
    const res = await w.post('/api/alerts', alert);
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({
      accepted: 1,
      via: 'inline',
      alerts: [{ alertId: id('fired-1'), monitorCondition: 'Fired' }],
    });
    await w.settle();
    const [d] = await byAlert(id('fired-1'));
    expect(d).toMatchObject({
      decision: 'started',
      plan: 'contoso-dr',
      rule: 'contoso-apim-down',
      monitorCondition: 'Fired',
    });
    const run = await w.get(`/api/runs/${d!.runId}`);
    expect(run.status).toBe(200);
    expect(run.json).toMatchObject({
      mode: 'failover',
      state: 'pendingApproval',
      requestedBy: 'alert:contoso-apim-down',
      rtoStartAt: alert.data.essentials.firedDateTime,
    });
    expect(run.json.alerts).toMatchObject([
      { alertId: id('fired-1'), monitorCondition: 'Fired', severity: 'Sev1' },
    ]);
  });

  it('its Resolved cancels the failover still waiting for approval', async () => {
    const res = await w.post(
      '/api/alerts',
      metricAlert({ alertId: id('fired-1'), targets, condition: 'Resolved' }),
    );
    expect(res.status).toBe(202);
    await w.settle();
    const resolved = (await byAlert(id('fired-1'))).find((d) => d.monitorCondition === 'Resolved');
    expect(resolved).toMatchObject({ decision: 'cancelledPending', plan: 'contoso-dr' });
    const ended = await w.host.waitForInstance(resolved!.runId!);
    expect(ended.runtimeStatus).toBe('Completed');
    const run = await w.get(`/api/runs/${resolved!.runId}`);
    expect(run.json.state).toBe('cancelled');
    expect(run.json.cancel).toMatchObject({ by: 'alert:contoso-apim-down' });
    expect((run.json.alerts as { monitorCondition: string }[]).map((a) => a.monitorCondition)).toEqual([
      'Fired',
      'Resolved',
    ]);
  });

  it('an alert for an unknown rule and target is recorded as ignored; nothing starts', async () => {
    const res = await w.post(
      '/api/alerts',
      metricAlert({
        alertId: id('unknown-1'),
        rule: 'nobody-knows',
        targets: ['/subscriptions/x/resourceGroups/y/providers/Microsoft.Web/sites/z'],
      }),
    );
    expect(res.status).toBe(202);
    await w.settle();
    expect(await byAlert(id('unknown-1'))).toMatchObject([
      { decision: 'ignored', reason: 'the alert matches no plan trigger' },
    ]);
  });

  it('an activity log alert with lower-cased target ids matches the plan by target (severity and signal type checked)', async () => {
    const target = FIXTURE_PRIMARY.replace('rg-contoso', 'rg-by-target');
    await w.post(
      '/api/alerts',
      lowerCased(activityLogAlert({ alertId: id('activity-1'), severity: 'Sev1', targets: [target] })),
    );
    // Too mild for minSeverity Sev1: ignored.
    await w.post(
      '/api/alerts',
      lowerCased(activityLogAlert({ alertId: id('activity-2'), severity: 'Sev3', targets: [target] })),
    );
    await w.settle();
    expect(await byAlert(id('activity-1'))).toMatchObject([{ decision: 'started', plan: 'by-target' }]);
    expect(await byAlert(id('activity-2'))).toMatchObject([{ decision: 'ignored' }]);
  });

  it('a 200 KB log search alert with dimensions goes through a blob reference', async () => {
    const alert = logSearchAlert({ alertId: id('log-big'), rule: 'contoso-gateway-5xx', rows: 1700 });
    const body = JSON.stringify(alert);
    expect(Buffer.byteLength(body)).toBeGreaterThan(200_000);
    const res = await w.post('/api/alerts', body, { raw: true });
    expect(res.status).toBe(202);
    expect(res.json.via).toBe('blob');
    await w.settle();
    expect(await byAlert(id('log-big'))).toMatchObject([
      { decision: 'ignored', signalType: 'Log', severity: 'Sev2' },
    ]);
    const payloads: string[] = [];
    for await (const b of w.container.listBlobsFlat({ prefix: 'payloads/' })) payloads.push(b.name);
    expect(payloads).toHaveLength(1);
    // The evidence keeps the alertContext cut at LIFEBOAT_ALERTS_EVIDENCE_KB (16 KB by default).
    const evidence: string[] = [];
    for await (const b of w.container.listBlobsFlat({ prefix: 'alerts/' })) evidence.push(b.name);
    const texts = await Promise.all(
      evidence.map(async (n) => (await w.container.getBlockBlobClient(n).downloadToBuffer()).toString()),
    );
    const big = texts
      .map(
        (t) =>
          JSON.parse(t) as { alert: { alertId: string; context?: { truncated: boolean; json: string } } },
      )
      .find((e) => e.alert.alertId === id('log-big'));
    expect(big!.alert.context!.truncated).toBe(true);
    expect(Buffer.byteLength(big!.alert.context!.json)).toBeLessThanOrEqual(16 * 1024);
  });

  it('an alert with a 100 KB description is kept: the long text is cut and the record says so (issue 21, item 6)', async () => {
    const alert = metricAlert({
      alertId: id('long-text-1'),
      rule: 'nobody-knows',
      targets: ['/subscriptions/x/resourceGroups/y/providers/Microsoft.Web/sites/z'],
    });
    (alert.data.essentials as Record<string, unknown>)['description'] = 'd'.repeat(100 * 1024);
    const res = await w.post('/api/alerts', alert);
    expect(res.status).toBe(202);
    expect(res.json.via).toBe('blob'); // over about 48 KB: through a stored payload, cut again on the queue
    expect(res.json).toMatchObject({
      accepted: 1,
      alerts: [{ alertId: id('long-text-1'), truncated: ['data.essentials.description'] }],
    });
    await w.settle();
    expect(await byAlert(id('long-text-1'))).toMatchObject([
      { decision: 'ignored', truncated: ['data.essentials.description'] },
    ]);
  });

  it.each([
    ['truncated JSON', JSON.stringify(metricAlert()).slice(0, 300), 'InvalidJson', /^body: must be JSON/],
    [
      'malformed JSON',
      '{"schemaId": "azureMonitorCommonAlertSchema", data: {}}',
      'InvalidJson',
      /^body: must be JSON/,
    ],
    [
      'a non-alert',
      JSON.stringify({ hello: 'world' }),
      'NotAnAlert',
      /^schemaId: must be "azureMonitorCommonAlertSchema"/,
    ],
    [
      'a missing rule',
      JSON.stringify({
        schemaId: 'azureMonitorCommonAlertSchema',
        data: { essentials: { alertId: 'a', monitorCondition: 'Fired' } },
      }),
      'InvalidAlert',
      /^data\.essentials\.alertRule: is required/,
    ],
  ])('%s → 400 naming the field, nothing queued', async (_what, body, code, message) => {
    const before = (await w.decisions()).length;
    const res = await w.post('/api/alerts', body, { raw: true });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe(code);
    expect(res.json.error.message).toMatch(message);
    await w.settle();
    expect((await w.decisions()).length).toBe(before);
  });

  it('413 above LIFEBOAT_ALERTS_MAX_PAYLOAD_KB', async () => {
    const res = await w.post('/api/alerts', logSearchAlert({ rows: 9000 }));
    expect(res.status).toBe(413);
    expect(res.json.error).toMatchObject({
      code: 'PayloadTooLarge',
      message: expect.stringMatching(/^body: must be at most 1024 KB/),
    });
  });
});

describe('the lifeboat-alerts queue as a public entry', () => {
  it('takes an Event Grid event, an Event Grid array and a CloudEvent', async () => {
    await w.host.enqueue(
      'lifeboat-alerts',
      eventGridEvent(metricAlert({ alertId: id('eg-1'), rule: 'x-rule', targets: [] })),
    );
    await w.host.enqueue('lifeboat-alerts', [
      eventGridEvent(metricAlert({ alertId: id('eg-2'), rule: 'x-rule', targets: [] }), 'e2'),
      eventGridEvent({ not: 'an alert' }, 'e3'),
    ]);
    await w.host.enqueue(
      'lifeboat-alerts',
      cloudEvent(metricAlert({ alertId: id('ce-1'), rule: 'x-rule', targets: [] })),
    );
    await w.settle();
    for (const a of ['eg-1', 'eg-2', 'ce-1'])
      expect(await byAlert(id(a))).toMatchObject([{ decision: 'ignored' }]);
    const rejected = (await w.decisions()).filter(
      (d) => d.decision === 'rejected' && d.reason.includes('[1].data'),
    );
    expect(rejected).toHaveLength(1);
  });

  it('records a base64 message that is not an alert as rejected, with the reason, and completes it (no retries, no poison)', async () => {
    await w.host.enqueue('lifeboat-alerts', '{"schemaId": "azureMonitorCommonAlertSchema", "data": ');
    await w.host.enqueue('lifeboat-alerts', {
      schemaId: 'azureMonitorCommonAlertSchema',
      data: { essentials: { alertId: id('bad-1'), alertRule: 'r', monitorCondition: 'Maybe' } },
    });
    await w.settle();
    const ds = await w.decisions();
    expect(
      ds.find((d) => d.decision === 'rejected' && d.reason.startsWith('InvalidJson: body: must be JSON')),
    ).toBeDefined();
    expect(await byAlert(id('bad-1'))).toMatchObject([
      {
        decision: 'rejected',
        reason: 'InvalidAlert: data.essentials.monitorCondition: must be "Fired" or "Resolved"',
      },
    ]);
    const poison = w.queues.getQueueClient('lifeboat-alerts-poison');
    expect(
      (await poison.exists()) ? (await poison.peekMessages({ numberOfMessages: 32 })).peekedMessageItems : [],
    ).toEqual([]);
  });

  it('plain text instead of base64 is moved to the poison queue without running the function (as the real host does)', async () => {
    const before = (await w.decisions()).length;
    const q = w.queues.getQueueClient('lifeboat-alerts');
    const text = JSON.stringify(metricAlert({ alertId: id('plain-1') }));
    await q.sendMessage(text);
    w.host.host.queues.wake('lifeboat-alerts');
    await w.settle();
    expect((await w.decisions()).length).toBe(before);
    const poison = w.queues.getQueueClient('lifeboat-alerts-poison');
    const got = await poison.receiveMessages({ numberOfMessages: 32 });
    expect(got.receivedMessageItems.map((m) => m.messageText)).toEqual([text]);
    for (const m of got.receivedMessageItems) await poison.deleteMessage(m.messageId, m.popReceipt);
  });

  it('Resolved before Fired is recorded only; the late Fired starts nothing', async () => {
    await w.host.enqueue(
      'lifeboat-alerts',
      metricAlert({ alertId: id('out-of-order'), targets, condition: 'Resolved' }),
    );
    await w.settle();
    await w.host.enqueue('lifeboat-alerts', metricAlert({ alertId: id('out-of-order'), targets }));
    await w.settle();
    const ds = await byAlert(id('out-of-order'));
    expect(ds.map((d) => [d.monitorCondition, d.decision])).toEqual([
      ['Fired', 'recorded'],
      ['Resolved', 'recorded'],
    ]);
    expect(ds.every((d) => d.runId === undefined)).toBe(true);
  });
});

describe('GET /api/alerts and recent.json', () => {
  it('lists decisions since a time, newest first, limited', async () => {
    const all = await w.decisions();
    expect(all.length).toBeGreaterThan(10);
    expect([...all].sort((a, b) => (a.decidedAt < b.decidedAt ? 1 : -1)).map((d) => d.decidedAt)).toEqual(
      all.map((d) => d.decidedAt),
    );
    const some = await w.get(`/api/alerts?since=${encodeURIComponent(all[0]!.decidedAt)}&limit=1`);
    expect(some.status).toBe(200);
    expect(some.json).toMatchObject({ limit: 1, decisions: [all[0]] });
  });

  it('400 naming since or limit', async () => {
    for (const [q, field] of [
      ['since=yesterday', 'since'],
      ['since=2999-01-01T00:00:00Z', 'since'],
      ['limit=0', 'limit'],
    ]) {
      const r = await w.get(`/api/alerts?${q}`);
      expect(r.status).toBe(400);
      expect(String(r.json.error.message)).toMatch(new RegExp(`^${field}: `));
    }
  });

  it('keeps recent.json (the status page reads it by name): newest first, at most 50', async () => {
    const recent = JSON.parse(
      (await w.container.getBlockBlobClient(RECENT_ALERTS_BLOB).downloadToBuffer()).toString(),
    ) as RecentAlerts;
    const all = await w.decisions();
    expect(recent.decisions.length).toBe(Math.min(50, all.length));
    expect(recent.decisions[0]).toEqual(all[0]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertDecision } from '../../../shared/alerts/decision';
import { metricAlert } from '../../fixtures/alerts';
import { PRIMARY, SUB, apimPlan, startAlertsWorld, type AlertsWorld } from './world';

/**
 * Issue 20 (alerts) through the local host: an alert is a doorbell and Azure Monitor (the ARM
 * emulator's Alerts Management API) is the truth; one length rule per field (no phantom lock);
 * Resolved cancels a pending failover only when every attached Fired alert is resolved, by id.
 */

let w: AlertsWorld;
const id = (name: string) => `/subscriptions/${SUB}/providers/Microsoft.AlertsManagement/alerts/${name}`;
const byAlert = async (alertId: string): Promise<AlertDecision[]> =>
  (await w.decisions()).filter((d) => d.alertId === alertId);

beforeAll(async () => {
  w = await startAlertsWorld([
    apimPlan('forged-plan', ['forged-rule']),
    apimPlan('long-plan', ['long-rule']),
    apimPlan('pair-plan', ['pair-rule']),
  ]);
}, 120_000);
afterAll(async () => {
  await w?.stop();
});

describe('Azure Monitor is the truth', () => {
  it('a forged Fired (a function-key holder posts an alert Azure Monitor never raised) starts nothing: unverified', async () => {
    const res = await w.post(
      '/api/alerts',
      metricAlert({ alertId: id('forged-1'), rule: 'forged-rule', targets: [PRIMARY] }),
      { forge: true },
    );
    expect(res.status).toBe(202);
    await w.settle();
    expect(await byAlert(id('forged-1'))).toMatchObject([
      {
        decision: 'unverified',
        plan: 'forged-plan',
        reason: expect.stringContaining('Azure Monitor holds no alert with this alertId'),
      },
    ]);
    const runs = await w.get('/api/runs?plan=forged-plan');
    expect(JSON.stringify(runs.json)).not.toContain('forged-plan-failover-');
  });

  it('a delivery that inflates a real alert (another severity) starts nothing: unverified', async () => {
    w.stack.arm.alerts.fire({
      id: id('forged-2'),
      alertRule: 'forged-rule',
      severity: 'Sev3',
      targetResource: PRIMARY,
      startDateTime: '2026-01-01T00:00:00.0171491Z',
    });
    await w.post(
      '/api/alerts',
      metricAlert({ alertId: id('forged-2'), rule: 'forged-rule', severity: 'Sev0', targets: [PRIMARY] }),
      { forge: true },
    );
    await w.settle();
    expect(await byAlert(id('forged-2'))).toMatchObject([
      { decision: 'unverified', reason: expect.stringContaining('Azure Monitor says Sev3') },
    ]);
  });

  it('the same alert, once Azure Monitor raised it, starts the failover, which waits for a person', async () => {
    await w.post(
      '/api/alerts',
      metricAlert({ alertId: id('real-1'), rule: 'forged-rule', targets: [PRIMARY] }),
    );
    await w.settle();
    const [d] = await byAlert(id('real-1'));
    expect(d).toMatchObject({ decision: 'started', plan: 'forged-plan' });
    const run = await w.get(`/api/runs/${d!.runId}`);
    expect(run.json).toMatchObject({ state: 'pendingApproval', alertCounts: { total: 1, fired: 1 } });
  });
});

describe('one length rule per field', () => {
  it('a target id of 1,025–2,048 characters passes the intake and starts the run: no phantom lock', async () => {
    const long = `${PRIMARY}/${'x'.repeat(1500 - PRIMARY.length - 1)}`;
    expect(long.length).toBe(1500);
    await w.post('/api/alerts', metricAlert({ alertId: id('long-1'), rule: 'long-rule', targets: [long] }));
    await w.settle();
    const [d] = await byAlert(id('long-1'));
    expect(d).toMatchObject({ decision: 'started', plan: 'long-plan' });
    // A second alert of the plan joins the run (the lock belongs to a run that exists).
    await w.post('/api/alerts', metricAlert({ alertId: id('long-2'), rule: 'long-rule', targets: [long] }));
    await w.settle();
    expect(await byAlert(id('long-2'))).toMatchObject([{ decision: 'attached', runId: d!.runId }]);
  });
});

describe('Resolved, matched by alert id', () => {
  it('a Resolved of one attached alert keeps the pending failover; the last one cancels it', async () => {
    await w.post(
      '/api/alerts',
      metricAlert({ alertId: id('pair-a'), rule: 'pair-rule', targets: [PRIMARY] }),
    );
    await w.settle();
    await w.post(
      '/api/alerts',
      metricAlert({ alertId: id('pair-b'), rule: 'pair-rule', targets: [PRIMARY] }),
    );
    await w.settle();
    const [started] = await byAlert(id('pair-a'));
    expect(started).toMatchObject({ decision: 'started' });
    // Another alert of the same rule, never attached, resolves: nothing happens to the run.
    w.stack.arm.alerts.fire({ id: id('pair-other'), alertRule: 'pair-rule', targetResource: PRIMARY });
    await w.post(
      '/api/alerts',
      metricAlert({ alertId: id('pair-a'), rule: 'pair-rule', targets: [PRIMARY], condition: 'Resolved' }),
    );
    await w.settle();
    expect((await byAlert(id('pair-a'))).find((d) => d.monitorCondition === 'Resolved')).toMatchObject({
      decision: 'recorded',
      reason: expect.stringContaining('1 of the 2 Fired alerts'),
    });
    expect((await w.get(`/api/runs/${started!.runId}`)).json.state).toBe('pendingApproval');
    await w.post(
      '/api/alerts',
      metricAlert({ alertId: id('pair-b'), rule: 'pair-rule', targets: [PRIMARY], condition: 'Resolved' }),
    );
    await w.settle();
    expect((await byAlert(id('pair-b'))).find((d) => d.monitorCondition === 'Resolved')).toMatchObject({
      decision: 'cancelledPending',
    });
    const ended = await w.host.waitForInstance(started!.runId!);
    expect(ended.runtimeStatus).toBe('Completed');
    const run = await w.get(`/api/runs/${started!.runId}`);
    expect(run.json).toMatchObject({ state: 'cancelled', alertCounts: { total: 4, fired: 2, resolved: 2 } });
  });
});

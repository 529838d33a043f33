import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertDecision } from '../../../shared/alerts/decision';
import { person } from '../../helpers/people';
import { metricAlert } from '../../fixtures/alerts';
import { PRIMARY, SUB, apimPlan, startAlertsWorld, type AlertsWorld, type Answer } from './world';

/**
 * Deduplication is the feature (issue 11): a storm of deliveries starts one failover per plan.
 * Through the local host: the intake, the alert queue (batches of 16 handled concurrently) and the
 * real plan start with its lock.
 */

const id = (name: string) => `/subscriptions/${SUB}/providers/Microsoft.AlertsManagement/alerts/${name}`;
const count = (ds: AlertDecision[], decision: AlertDecision['decision']) =>
  ds.filter((d) => d.decision === decision).length;

describe('storms', () => {
  let w: AlertsWorld;
  beforeAll(async () => {
    w = await startAlertsWorld([
      apimPlan('dup-plan', ['dup-rule']),
      apimPlan('storm-plan', ['storm-rule']),
      apimPlan('approve-plan', ['approve-rule']),
    ]);
  }, 120_000);
  afterAll(async () => {
    await w?.stop();
  });

  async function runOf(
    runId: string,
    until: (r: { alerts: unknown[]; state: string }) => boolean,
  ): Promise<Answer> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      await w.host.host.work.idle();
      const r = await w.get(`/api/runs/${runId}`);
      if (r.status === 200 && until(r.json)) return r.json;
      if (Date.now() > deadline) throw new Error(`run ${runId}: ${JSON.stringify(r.json).slice(0, 300)}`);
      await new Promise((res) => setTimeout(res, 50));
    }
  }

  it('the same alert delivered 100 times starts exactly one run', async () => {
    const alert = metricAlert({ alertId: id('dup'), rule: 'dup-rule', targets: [PRIMARY] });
    const answers = await Promise.all(Array.from({ length: 100 }, () => w.post('/api/alerts', alert)));
    expect(answers.map((a) => a.status)).toEqual(Array(100).fill(202));
    await w.settle(120_000);
    const ds = (await w.decisions()).filter((d) => d.alertId === id('dup'));
    expect(ds).toHaveLength(100);
    expect(count(ds, 'started')).toBe(1);
    expect(count(ds, 'duplicate')).toBe(99);
    const runId = ds.find((d) => d.decision === 'started')!.runId!;
    const runs = await w.get('/api/runs?plan=dup-plan');
    expect(runs.status).toBe(200);
    expect(JSON.stringify(runs.json).match(/dup-plan-failover-/g)?.length ?? 0).toBeGreaterThan(0);
    expect(
      w.host.host.durable.list({}).filter((i) => /^dup-plan-failover-[^-]+-[a-z0-9]+$/.test(i.instanceId)),
    ).toHaveLength(1);
    const run = await runOf(runId, () => true);
    expect(run.alerts).toHaveLength(1);
  }, 180_000);

  it('100 different alerts for one plan start one run with all 100 attached', async () => {
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        w.post(
          '/api/alerts',
          metricAlert({ alertId: id(`storm-${i}`), rule: 'storm-rule', targets: [PRIMARY] }),
        ),
      ),
    );
    expect(answers.every((a) => a.status === 202)).toBe(true);
    await w.settle(120_000);
    const ds = (await w.decisions()).filter((d) => d.rule === 'storm-rule');
    expect(ds).toHaveLength(100);
    expect(count(ds, 'started')).toBe(1);
    expect(count(ds, 'attached')).toBe(99);
    const runIds = new Set(ds.map((d) => d.runId));
    expect(runIds.size).toBe(1);
    expect(
      w.host.host.durable.list({}).filter((i) => /^storm-plan-failover-[^-]+-[a-z0-9]+$/.test(i.instanceId)),
    ).toHaveLength(1);
    const run = await runOf([...runIds][0]!, (r) => r.alerts.length >= 100);
    expect(run.alerts).toHaveLength(100);
    expect(run.state).toBe('pendingApproval');
  }, 180_000);

  it('an alert for a plan that requires approval leaves a pending run that an approval drives to the end', async () => {
    // A restore needs a verified backup of the primary.
    const backup = await w.post('/api/backups', {});
    expect(backup.status).toBe(202);
    const backupEnd = await w.host.waitForInstance('backup-contoso-apim', { timeoutMs: 60_000 });
    expect((backupEnd.output as { outcome: string }).outcome).toBe('succeeded');

    await w.post(
      '/api/alerts',
      metricAlert({ alertId: id('approve-1'), rule: 'approve-rule', targets: [PRIMARY] }),
    );
    await w.settle();
    const [d] = (await w.decisions()).filter((x) => x.alertId === id('approve-1'));
    expect(d).toMatchObject({ decision: 'started', plan: 'approve-plan' });
    expect((await runOf(d!.runId!, () => true)).state).toBe('pendingApproval');
    // The test host signs in as lead (every role): a person other than the alert that asked.
    const approved = await w.post(`/api/failovers/${d!.runId}/approve`, {});
    expect(approved.status).toBe(202);
    const ended = await w.host.waitForInstance(d!.runId!, { timeoutMs: 120_000 });
    expect(ended.runtimeStatus).toBe('Completed');
    const run = await runOf(d!.runId!, () => true);
    // Driven to its end: approved, the standby restored from the backup and verified.
    expect(run).toMatchObject({
      state: 'completed',
      outcome: 'succeeded',
      requestedBy: 'alert:approve-rule',
    });
    expect(run.groups[0].steps[0]).toMatchObject({
      id: 'apim',
      status: 'ended',
      variant: 'failover',
      outcome: 'succeeded',
    });
    expect(run.approvals).toMatchObject([{ decision: 'approved', by: person('lead').name }]);
    expect(run.alerts).toMatchObject([{ alertId: id('approve-1'), monitorCondition: 'Fired' }]);
    // A Resolved arriving now is recorded and never touches the ended run.
    await w.post(
      '/api/alerts',
      metricAlert({
        alertId: id('approve-1'),
        rule: 'approve-rule',
        targets: [PRIMARY],
        condition: 'Resolved',
      }),
    );
    await w.settle();
    expect(
      (await w.decisions()).filter((x) => x.alertId === id('approve-1') && x.monitorCondition === 'Resolved'),
    ).toMatchObject([{ decision: 'recorded' }]);
  }, 240_000);

  it('400 more alerts attached to the storm run (real store on Azurite, 40 at a time): exact counts, the run stays under 256 KB', async () => {
    const { createAlertStore } = await import('../../../shared/alerts/store');
    const store = createAlertStore(w.container);
    const runId = w.host.host.durable
      .list({})
      .map((i) => i.instanceId)
      .find((i) => /^storm-plan-failover-[^-]+-[a-z0-9]+$/.test(i))!;
    const receivedFrom = Date.now();
    const alerts = Array.from({ length: 400 }, (_, i) => ({
      alertId: id(`big-storm-${i}`),
      rule: 'storm-rule',
      severity: 'Sev1',
      monitorCondition: 'Fired' as const,
      targetIds: [PRIMARY],
      // Received one after another (the order the run lists them in).
      receivedAt: new Date(receivedFrom + i).toISOString(),
    }));
    // 40 concurrent attaches (more than a queue batch of 16): one summary blob ran out of ETag
    // retries here; the summary is spread over shards.
    for (let i = 0; i < alerts.length; i += 40)
      await Promise.all(alerts.slice(i, i + 40).map((a) => store.attach(runId, a, false)));
    // A retried attach of an alert already attached is not counted twice.
    await store.attach(runId, alerts[399]!, false);
    const run = await w.get(`/api/runs/${runId}`);
    expect(run.status).toBe(200);
    expect(run.json.alertCounts).toEqual({ total: 500, fired: 500, resolved: 0, listed: 100 });
    const listed = (run.json.alerts as { alertId: string }[]).map((a) => a.alertId);
    expect(listed).toContain(id('big-storm-399'));
    expect(listed.filter((a) => a.includes('big-storm-'))).toHaveLength(50);
    expect(Buffer.byteLength(JSON.stringify(run.json))).toBeLessThan(256 * 1024);
  }, 600_000);
});

import { expect } from 'vitest';
import { ALERTS_CONTAINER, RECENT_ALERTS_BLOB, type RecentAlerts } from '../../../shared/alerts/decision';
import { PLANS_CONTAINER, planPaths, type PlanSummary, type RunSummary } from '../../../shared/plans/report';
import { heartbeatTimeouts } from '../../../shared/status/heartbeatRun';
import { heartbeatInstanceId } from '../../../shared/status/heartbeats';
import { startStatusWorld, writeAppJson, type StatusWorld } from './helpers';

/**
 * The on-call scenario (issue 12): one stale backup (contoso-apim, taken two days ago), one fresh
 * (orders-apim), one site whose agent answers (dc1) and one that is silent (dc2), and one
 * failover waiting for approval. The plan summary and the recent alerts are written by the test:
 * the plan routes (issue 10) and the alert intake (issue 11) are not on main yet.
 */
export const PENDING_RUN = 'failover-dc-failover-20260101t000000z-ab12';
export const DRILL_RUN = 'drill-dc-failover-20251201t000000z-cd34';

const HOUR = 3600_000;

export async function startScenario(
  extra: { settings?: Record<string, string>; signingKey?: string } = {},
): Promise<StatusWorld> {
  const wallNow = Date.now();
  const w = await startStatusWorld({
    start: new Date(wallNow - 48 * HOUR),
    services: [
      { name: 'contoso-apim', sku: { name: 'Developer' }, location: 'West Europe' },
      { name: 'contoso-apim-standby', sku: { name: 'Developer' }, location: 'North Europe' },
      { name: 'contoso-apim-drill', sku: { name: 'Developer' }, location: 'North Europe' },
      { name: 'orders-apim', sku: { name: 'Developer' }, location: 'West Europe' },
    ],
    protect: [
      { service: 'contoso-apim', standby: 'contoso-apim-standby', drillTargets: ['contoso-apim-drill'] },
      { service: 'orders-apim' },
    ],
    sites: ['dc1', 'dc2'],
    plans: ['dc-failover'],
    ...(extra.settings === undefined ? {} : { settings: extra.settings }),
    ...(extra.signingKey === undefined ? {} : { signingKey: extra.signingKey }),
  });
  try {
    // Two days ago: a backup of contoso-apim and a restore of it into its standby (its preflight
    // is what says the standby is reachable).
    const post = (p: string, body: unknown) =>
      w.host.fetch(p, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
    expect((await post('/api/backups', { services: ['contoso-apim'] })).status).toBe(202);
    expect((await w.waitFor('backup-contoso-apim')).output).toMatchObject({ outcome: 'succeeded' });
    const restore = (await (await post('/api/restores', { service: 'contoso-apim' })).json()) as {
      instanceId: string;
    };
    expect((await w.waitFor(restore.instanceId)).output).toMatchObject({ outcome: 'succeeded' });

    // Half an hour ago: a backup of orders-apim. Then now: heartbeats.
    w.clock.advanceTo(new Date(Date.now() - HOUR / 2));
    expect((await post('/api/backups', { services: ['orders-apim'] })).status).toBe(202);
    expect((await w.waitFor('backup-orders-apim')).output).toMatchObject({ outcome: 'succeeded' });
    w.clock.advanceTo(new Date(Date.now()));
    await w.startAgent('dc1');
    // The timer's own test fires it (heartbeat.test.ts); here the clock jumps two days, so timers
    // stay unarmed and the heartbeats are started as the timer starts them.
    for (const site of ['dc1', 'dc2'])
      await w.host.startOrchestration(
        'agentHeartbeatSite',
        { site, timeouts: heartbeatTimeouts(30) },
        heartbeatInstanceId(site),
      );
    const hb1 = await w.waitFor('heartbeat-dc1', { advance: false, timeoutMs: 30_000 });
    expect(hb1.output).toMatchObject({
      outcome: 'succeeded',
    });
    expect((await w.waitFor('heartbeat-dc2')).output).toMatchObject({ outcome: 'timedOut' });

    await writeAppJson(w.blobs, PLANS_CONTAINER, planPaths.summary('dc-failover'), planSummary());
    await writeAppJson(w.blobs, ALERTS_CONTAINER, RECENT_ALERTS_BLOB, recentAlerts());
    return w;
  } catch (error) {
    await w.stop();
    throw error;
  }
}

function planSummary(): PlanSummary {
  const now = Date.now();
  const at = (msAgo: number) => new Date(now - msAgo).toISOString();
  const pending: RunSummary = {
    runId: PENDING_RUN,
    plan: 'dc-failover',
    mode: 'failover',
    state: 'pendingApproval',
    percent: 0,
    requestedAt: at(10 * 60_000),
    requestedBy: 'alice@contoso.example',
    rto: { targetMinutes: 60 },
    rpo: { targetMinutes: 360 },
    reportUri: `/api/runs/${PENDING_RUN}/report.html`,
  };
  const drill: RunSummary = {
    runId: DRILL_RUN,
    plan: 'dc-failover',
    mode: 'drill',
    state: 'completed',
    outcome: 'succeeded',
    percent: 100,
    requestedAt: at(5 * 24 * HOUR),
    startedAt: at(5 * 24 * HOUR),
    endedAt: at(5 * 24 * HOUR - 42 * 60_000),
    rto: { targetMinutes: 60, achievedMinutes: 42, met: true },
    rpo: { targetMinutes: 360 },
    reportUri: `/api/runs/${DRILL_RUN}/report.html`,
  };
  return {
    plan: 'dc-failover',
    active: pending,
    lastDrill: drill,
    recent: [pending, drill],
    updatedAt: at(0),
  };
}

function recentAlerts(): RecentAlerts {
  return {
    decisions: [
      {
        alertId: 'alert-0001',
        monitorCondition: 'Fired',
        rule: 'apim-gateway-down',
        plan: 'dc-failover',
        decision: 'started',
        reason: 'matched plan dc-failover; failover waiting for approval',
        runId: PENDING_RUN,
        decidedAt: new Date(Date.now() - 10 * 60_000).toISOString(),
      },
    ],
    updatedAt: new Date().toISOString(),
  };
}

import { expect } from 'vitest';
import { metricAlert } from '../../fixtures/alerts';
import { raiseInMonitor } from '../../fixtures/alerts/monitor';
import { heartbeatTimeouts } from '../../../shared/status/heartbeatRun';
import { heartbeatInstanceId } from '../../../shared/status/heartbeats';
import { startStatusWorld, type StatusWorld } from './helpers';

/**
 * The on-call scenario (issue 12): one stale backup (contoso-apim, taken two days ago), one fresh
 * (orders-apim), one site whose agent answers (dc1) and one that is silent (dc2), a drill of the
 * plan two days ago and a failover of it waiting for approval, both through the plan routes
 * (`POST /api/drills`) and an alert (`POST /api/alerts`, the failover it started waits for approval).
 */
export interface Scenario {
  w: StatusWorld;
  /** The failover waiting for approval and the drill that ran, by run id. */
  pendingRun: string;
  drillRun: string;
}

/** The plan: restore API Management into the standby (a drill: into the drill target). */
const PLAN = {
  name: 'dc-failover',
  description: 'Restore contoso-apim into its standby.',
  rtoMinutes: 60,
  rpoMinutes: 360,
  approval: 'required',
  triggers: [{ alertRules: ['apim-gateway-down'] }],
  groups: [
    {
      name: 'API Management',
      steps: [{ id: 'apim', kind: 'apim.restore', timeoutMinutes: 90, params: { service: 'contoso-apim' } }],
    },
  ],
};

const HOUR = 3600_000;

export async function startScenario(): Promise<Scenario> {
  const wallNow = Date.now();
  const w = await startStatusWorld({
    start: new Date(wallNow - 48 * HOUR),
    services: [
      { name: 'contoso-apim', sku: { name: 'Developer' }, location: 'West Europe' },
      { name: 'contoso-apim-standby', sku: { name: 'Developer' }, location: 'North Europe' },
      { name: 'contoso-apim-drill', sku: { name: 'Developer' }, location: 'North Europe' },
      { name: 'contoso-apim-drill2', sku: { name: 'Developer' }, location: 'North Europe' },
      { name: 'orders-apim', sku: { name: 'Developer' }, location: 'West Europe' },
    ],
    protect: [
      {
        service: 'contoso-apim',
        standby: 'contoso-apim-standby',
        drillTargets: ['contoso-apim-drill', 'contoso-apim-drill2'],
      },
      { service: 'orders-apim' },
    ],
    sites: ['dc1', 'dc2'],
    plans: { 'dc-failover': PLAN },
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
    // A drill of the plan: restores into the first drill target.
    const drill = (await (await post('/api/drills', { plan: 'dc-failover' })).json()) as {
      runId: string;
    };
    expect((await w.waitFor(drill.runId)).output).toMatchObject({ outcome: 'succeeded' });

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

    // An alert on the primary: its plan's failover starts and waits for approval.
    const alert = metricAlert({ rule: 'apim-gateway-down', targets: [w.ids['contoso-apim']!] });
    raiseInMonitor(w.world.arm!, alert); // Azure Monitor holds the alert Lifeboat reads back
    expect((await post('/api/alerts', alert)).status).toBe(202);
    let runId: string | undefined;
    for (let i = 0; i < 400 && runId === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const listed = (await (await w.host.fetch('/api/alerts')).json()) as {
        decisions?: { runId?: string }[];
      };
      runId = listed.decisions?.find((d) => d.runId !== undefined)?.runId;
    }
    expect(runId).toBeDefined();
    await w.host.host.work.idle();
    const failover = { runId: runId! };
    return { w, pendingRun: failover.runId, drillRun: drill.runId };
  } catch (error) {
    await w.stop();
    throw error;
  }
}

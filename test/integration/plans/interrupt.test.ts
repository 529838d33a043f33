import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SITE } from '../../../local/site';
import type { RunReport } from '../../../shared/plans/report';
import { horizontalOverflow, saveScreenshot, startBrowser, visibleText } from '../../helpers/browser';
import { startPlansWorld, type PlansWorld } from './world';
import { as, person } from '../../helpers/people';

/**
 * Runs that do not go to plan: a drill cancelled in the middle cleans up; a failover preempts a
 * running drill (whose cleanup runs) and then runs; a failing step stops the plan or lets it
 * continue, as the step says.
 */
let world: PlansWorld;

beforeAll(async () => {
  world = await startPlansWorld({
    plansDir: path.join(process.cwd(), 'test', 'fixtures', 'plans'),
    site: {
      ...DEMO_SITE,
      // The legacy endpoint already exists for another pool: its drill read fails (a failover could not create it).
      pchat: {
        pools: ['pchat.contoso.local', 'pchat-old.contoso.local'],
        endpoints: [{ sipAddress: 'sip:persistentchat@contoso.local', poolFqdn: 'pchat-old.contoso.local' }],
      },
    },
  });
  await world.backup();
}, 300_000);
afterAll(async () => {
  await world?.stop();
});

const steps = (r: RunReport) => Object.fromEntries(r.groups.flatMap((g) => g.steps).map((s) => [s.id, s]));

describe('interrupted and failing runs', () => {
  it('a drill cancelled in the middle stops after the steps in flight and removes its test VMs', async () => {
    const start = await world.post('/api/drills', { plan: 'dr-all' }, as(world, 'olivia'));
    const runId = String(start.json['runId']);
    await world.waitForReport(runId, (r) => steps(r)['vms']?.status === 'running');
    const cancel = await world.post(
      `/api/runs/${runId}/cancel`,
      { reason: 'change freeze' },
      as(world, 'olivia'),
    );
    expect(cancel.status).toBe(202);
    const end = await world.waitFor(runId);
    expect(end.output).toMatchObject({ state: 'cancelled' });
    const report = (await world.get(`/api/runs/${runId}`)).json as unknown as RunReport;
    expect(report.cancel).toMatchObject({ by: person('olivia').name, reason: 'change freeze' });
    expect(steps(report)['pchat']?.status).toBe('cancelled');
    expect(report.cleanup).toHaveLength(3);
    expect(report.cleanup.every((c) => c.status === 'ended' && c.outcome === 'succeeded')).toBe(true);
    expect(world.site.simulated.testVms()).toEqual([]);
    const again = await world.post(`/api/runs/${runId}/cancel`, {});
    expect(again.status).toBe(409);
  }, 300_000);

  it('a failover preempts a running drill of its plan: the drill cleans up, then the failover runs', async () => {
    const drill = await world.post('/api/drills', { plan: 'dr-all' });
    const drillId = String(drill.json['runId']);
    await world.waitForReport(drillId, (r) => steps(r)['vms']?.status === 'running');
    const failover = await world.post(
      '/api/failovers',
      { plan: 'dr-all', reason: 'real outage' },
      as(world, 'olivia'),
    );
    expect(failover.status).toBe(202);
    const failoverId = String(failover.json['runId']);
    expect(failover.json['preempted']).toBe(drillId);
    const drillEnd = await world.waitFor(drillId);
    expect(drillEnd.output).toMatchObject({ state: 'cancelled', error: { code: 'Preempted' } });
    const drillReport = (await world.get(`/api/runs/${drillId}`)).json as unknown as RunReport;
    expect(drillReport.preemptedBy).toBe(failoverId);
    expect(drillReport.cleanup.every((c) => c.outcome === 'succeeded')).toBe(true);

    await world.waitForReport(failoverId, (r) => r.state === 'pendingApproval');
    expect((await world.post(`/api/failovers/${failoverId}/approve`, {}, as(world, 'alex'))).status).toBe(
      202,
    );
    const end = await world.waitFor(failoverId);
    expect(end.output).toMatchObject({ mode: 'failover', state: 'completed' });
    const report = (await world.get(`/api/runs/${failoverId}`)).json as unknown as RunReport;
    expect(report.preempted).toBe(drillId);
    expect(steps(report)['apim']?.outcome).toBe('succeeded');
  }, 300_000);

  it('a failing step with onFailure stop ends the plan; with continue the next groups still run', async () => {
    const stop = await world.post('/api/drills', { plan: 'fail-stop' });
    const stopEnd = await world.waitFor(String(stop.json['runId']));
    expect(stopEnd.output).toMatchObject({ outcome: 'failed', error: { code: 'EndpointPointsElsewhere' } });
    const stopReport = (await world.get(`/api/runs/${String(stop.json['runId'])}`))
      .json as unknown as RunReport;
    expect(steps(stopReport)['pchat']).toMatchObject({ status: 'ended', outcome: 'failed' });
    expect(steps(stopReport)['lync']?.status).toBe('skipped');

    const cont = await world.post('/api/drills', { plan: 'fail-continue' });
    const contEnd = await world.waitFor(String(cont.json['runId']));
    expect(contEnd.output).toMatchObject({ outcome: 'partial' });
    const contReport = (await world.get(`/api/runs/${String(cont.json['runId'])}`))
      .json as unknown as RunReport;
    expect(steps(contReport)['pchat']?.outcome).toBe('failed');
    expect(steps(contReport)['lync']).toMatchObject({ status: 'ended', outcome: 'succeeded' });

    // What a person sees of this drill's stored report, in a real browser.
    const html = await world.get(`/api/runs/${String(cont.json['runId'])}/report.html`);
    expect(html.status).toBe(200);
    const browser = await startBrowser();
    try {
      const { page, requests } = await browser.open({ html: html.text }, { width: 390 });
      const text = await visibleText(page);
      expect(text).toContain('fail-continue');
      expect(text).toMatch(/drill/i);
      expect(text).toContain('RTO');
      expect(text).toContain('60'); // the plan's RTO target in minutes
      expect(text).toContain('pchat');
      expect(text).toContain('lync');
      expect(text).toContain('points at pchat-old.contoso.local');
      expect(requests).toEqual([]); // self-contained: nothing fetched
      expect(await horizontalOverflow(page)).toBe(0);
      await saveScreenshot(page, 'report-real-drill-failed-step');
    } finally {
      await browser.close();
    }
  }, 300_000);
});

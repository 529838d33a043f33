import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../../shared/plans/report';
import { startPlansWorld, type PlansWorld } from './world';
import { as } from '../../helpers/people';

/**
 * A drill of a plan with all four step kinds, through the real app, Azurite, the emulator and a
 * real agent at the simulated site: it succeeds, cleans up, and changes nothing in production.
 */
let world: PlansWorld;
const restorePosts = (name: string) => world.restorePosts(name);

beforeAll(async () => {
  world = await startPlansWorld({ plansDir: path.join(process.cwd(), 'test', 'fixtures', 'plans') });
  await world.backup();
}, 300_000);
afterAll(async () => {
  await world?.stop();
});

describe('a drill of a plan', () => {
  it('runs every drill variant, cleans up, and leaves production untouched', async () => {
    const start = await world.post('/api/drills', { plan: 'dr-all' }, as(world, 'olivia'));
    expect(start.status).toBe(202);
    const runId = String(start.json['runId']);
    expect(start.json['report']).toBe(`/api/runs/${runId}/report.html`);

    const end = await world.waitFor(runId);
    expect(end.output, JSON.stringify(end.output)).toMatchObject({ outcome: 'succeeded' });
    expect(end.output.reportSha256).toMatch(/^[0-9a-f]{64}$/);

    const report = (await world.get(`/api/runs/${runId}`)).json as unknown as RunReport;
    expect(report.state).toBe('completed');
    expect(report.mode).toBe('drill');
    const steps = report.groups.flatMap((g) => g.steps);
    expect(steps.map((s) => [s.id, s.status, s.outcome])).toEqual([
      ['apim', 'ended', 'succeeded'],
      ['vms', 'ended', 'succeeded'],
      ['lync', 'ended', 'succeeded'],
      ['pchat', 'ended', 'succeeded'],
    ]);
    expect(steps.find((s) => s.id === 'apim')?.evidence).toMatchObject({ target: 'contoso-apim-drill' });
    // Cleanup: one registered per test VM, each verified gone; none left at the site.
    expect(report.cleanup.map((c) => [c.action.vm, c.outcome])).toEqual([
      ['app-01', 'succeeded'],
      ['app-02', 'succeeded'],
      ['sql-01', 'succeeded'],
    ]);
    expect(world.site.simulated.testVms()).toEqual([]);
    // Production untouched: no state-changing command executed, no restore into the primary or the standby.
    expect(world.site.simulated.calls).toMatchObject({
      backupSync: 0,
      initiateFailback: 0,
      createEndpoint: 0,
    });
    expect(restorePosts('contoso-apim')).toBe(0);
    expect(restorePosts('contoso-apim-standby')).toBe(0);
    expect(restorePosts('contoso-apim-drill')).toBe(1);

    // The stored report is the one the run recorded.
    const stored = await world.get(`/api/runs/${runId}/report`);
    const { createHash } = await import('node:crypto');
    expect(createHash('sha256').update(stored.text, 'utf8').digest('hex')).toBe(end.output.reportSha256);
    const html = await world.get(`/api/runs/${runId}/report.html`);
    expect(html.status).toBe(200);
    expect(html.text).toContain('dr-all');

    const runs = await world.get('/api/runs?plan=dr-all');
    expect((runs.json['runs'] as { runId: string }[]).map((r) => r.runId)).toContain(runId);
  }, 300_000);
});

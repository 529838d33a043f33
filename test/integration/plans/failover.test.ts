import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../../shared/plans/report';
import { startPlansWorld, type PlansWorld } from './world';

/**
 * Failovers of a plan that requires approval, through the real app and agent: approved by another
 * person it runs to the end; the requester cannot approve it; rejected or left waiting it ends
 * with nothing changed. A second run of a busy plan is refused; an invalid plan cannot start.
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

const failover = async (by = 'alice') => {
  const start = await world.post('/api/failovers', { plan: 'dr-all', reason: 'primary region down', by });
  expect(start.status, JSON.stringify(start.json)).toBe(202);
  expect(start.json['state']).toBe('pendingApproval');
  return String(start.json['runId']);
};

describe('failovers with approval', () => {
  it('a rejected failover changes nothing; so does one whose approval expires', async () => {
    const rejected = await failover();
    await world.waitForReport(rejected, (r) => r.state === 'pendingApproval');
    const no = await world.post(`/api/failovers/${rejected}/reject`, { by: 'bob', comment: 'not yet' });
    expect(no.status).toBe(202);
    const end = await world.waitFor(rejected);
    expect(end.output).toMatchObject({ outcome: 'refused', state: 'rejected', error: { code: 'Rejected' } });

    const expired = await failover();
    const timedOut = await world.waitFor(expired); // the virtual clock runs past the 30-minute approval window
    expect(timedOut.output).toMatchObject({
      outcome: 'refused',
      state: 'expired',
      error: { code: 'ApprovalExpired' },
    });
    const report = (await world.get(`/api/runs/${expired}`)).json;
    expect(report['approvals']).toMatchObject([{ decision: 'expired' }]);

    expect(restorePosts('contoso-apim-standby')).toBe(0);
    expect(world.site.simulated.calls).toMatchObject({
      backupSync: 0,
      initiateFailback: 0,
      createEndpoint: 0,
    });
  }, 300_000);

  it('refuses a second run of a busy plan, the requester approving their own failover, and an invalid plan', async () => {
    const runId = await failover('alice');
    await world.waitForReport(runId, (r) => r.state === 'pendingApproval');
    const second = await world.post('/api/drills', { plan: 'dr-all' });
    expect(second.status).toBe(409);
    expect(second.json.error).toMatchObject({ code: 'PlanBusy', runId });

    const self = await world.post(`/api/failovers/${runId}/approve`, { by: 'Alice' });
    expect(self.status).toBe(403);
    expect(self.json.error?.code).toBe('SelfApproval');
    const nobody = await world.post(`/api/failovers/${runId}/approve`, {});
    expect(nobody.status).toBe(400);
    expect(nobody.json.error?.message).toContain('by');

    const broken = await world.post('/api/drills', { plan: 'broken' });
    expect(broken.status).toBe(409);
    expect(broken.json.error?.code).toBe('PlanInvalid');
    expect(broken.json.error?.message).toContain('groups[0].steps[0]');
    const unknown = await world.post('/api/drills', { plan: 'nope' });
    expect(unknown.status).toBe(404);
    const bad = await world.post('/api/failovers', { plan: 'dr-all' });
    expect(bad.status).toBe(400);
    expect(bad.json.error?.message).toContain('reason');

    const cancel = await world.post(`/api/runs/${runId}/cancel`, { by: 'alice', reason: 'test over' });
    expect(cancel.status).toBe(202);
    const end = await world.waitFor(runId);
    expect(end.output).toMatchObject({ outcome: 'refused', state: 'cancelled' });
  }, 300_000);

  it('an approved failover recovers everything and reports RTO and RPO against the plan', async () => {
    const runId = await failover('alice');
    await world.waitForReport(runId, (r) => r.state === 'pendingApproval');
    const ok = await world.post(`/api/failovers/${runId}/approve`, { by: 'bob' });
    expect(ok.status).toBe(202);
    const end = await world.waitFor(runId);
    expect(end.output, JSON.stringify(end.output)).toMatchObject({
      outcome: 'succeeded',
      state: 'completed',
    });
    const report = (await world.get(`/api/runs/${runId}`)).json as unknown as RunReport;
    expect(report.approvals).toMatchObject([{ decision: 'approved', by: 'bob' }]);
    expect(report.requestedBy).toBe('alice');
    expect(report.rto.achievedMinutes).toBeGreaterThan(0);
    expect(report.rpo.achievedMinutes).toBeGreaterThanOrEqual(0);
    expect(report.groups.flatMap((g) => g.steps).every((s) => s.variant === 'failover')).toBe(true);
    expect(
      report.groups
        .flatMap((g) => g.steps)
        .filter((s) => s.critical)
        .map((s) => s.id),
    ).toContain('apim');
    expect(restorePosts('contoso-apim-standby')).toBe(1);
    expect(restorePosts('contoso-apim')).toBe(0);
    expect(world.site.simulated.calls).toMatchObject({ initiateFailback: 3, createEndpoint: 1 });
    expect(world.site.simulated.calls.backupSync).toBeGreaterThanOrEqual(1);
  }, 300_000);
});

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../../shared/plans/report';
import { startPlansWorld, type PlansWorld } from './world';
import { as, person } from '../../helpers/people';
import type { LocalPersonName } from '../../../local/host/signIn';

/**
 * Failovers of a plan that requires approval, through the real app and agent, by people signed in
 * on the local stack (local/host/signIn.ts): approved by another person it runs to the end; the
 * requester cannot approve it (compared by object id), nor can anyone without Lifeboat.Approver,
 * an anonymous caller, a body's `by` or a forged principal header; rejected or left waiting it ends
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

const failover = async (by: LocalPersonName = 'olivia') => {
  const start = await world.post(
    '/api/failovers',
    { plan: 'dr-all', reason: 'primary region down' },
    as(world, by),
  );
  expect(start.status, JSON.stringify(start.json)).toBe(202);
  expect(start.json['state']).toBe('pendingApproval');
  return String(start.json['runId']);
};

describe('failovers with approval', () => {
  it('a rejected failover changes nothing; so does one whose approval expires', async () => {
    const rejected = await failover();
    await world.waitForReport(rejected, (r) => r.state === 'pendingApproval');
    const no = await world.post(
      `/api/failovers/${rejected}/reject`,
      { comment: 'not yet' },
      as(world, 'alex'),
    );
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
    // The lead holds every role, Approver included: only the two-person rule stops them.
    const runId = await failover('lead');
    await world.waitForReport(runId, (r) => r.state === 'pendingApproval');
    const second = await world.post('/api/drills', { plan: 'dr-all' });
    expect(second.status).toBe(409);
    expect(second.json.error).toMatchObject({ code: 'PlanBusy', runId });

    const self = await world.post(`/api/failovers/${runId}/approve`, {}, as(world, 'lead'));
    expect(self.status).toBe(403);
    expect(self.json.error?.code).toBe('SelfApproval');
    // Nobody can name themselves: `by` is no field any more, whoever they claim to be.
    const claimed = await world.post(`/api/failovers/${runId}/approve`, { by: 'aliсe' }, as(world, 'alex'));
    expect(claimed.status).toBe(400);
    expect(claimed.json.error?.message).toContain('by');
    // An operator is no approver.
    const operator = await world.post(`/api/failovers/${runId}/approve`, {}, as(world, 'olivia'));
    expect(operator.status).toBe(403);
    expect(operator.json.error?.message).toContain('Lifeboat.Approver');
    // Anonymous, with forged principal headers claiming to be alex: the host strips them (as App
    // Service Authentication does), so nobody is signed in.
    const forged = Buffer.from(
      JSON.stringify({
        auth_typ: 'aad',
        role_typ: 'roles',
        claims: [
          { typ: 'oid', val: person('alex').objectId },
          { typ: 'roles', val: 'Lifeboat.Approver' },
        ],
      }),
    ).toString('base64');
    const forgedHeaders = {
      'x-ms-client-principal': forged,
      'x-ms-client-principal-name': person('alex').name,
      'x-ms-client-principal-id': person('alex').objectId,
      'x-ms-client-principal-idp': 'aad',
    };
    const anonymous = await fetch(new URL(`/api/failovers/${runId}/approve`, world.host.baseUrl), {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json', ...forgedHeaders },
    });
    expect(anonymous.status).toBe(401);
    // Signed in as olivia with alex's headers forged on top: still olivia.
    const asOlivia = await world.post(
      `/api/failovers/${runId}/approve`,
      {},
      { ...as(world, 'olivia'), ...forgedHeaders },
    );
    expect(asOlivia.status).toBe(403);
    expect(asOlivia.json.error?.code).toBe('Forbidden');
    expect((await world.get(`/api/runs/${runId}`)).json['state']).toBe('pendingApproval');

    const broken = await world.post('/api/drills', { plan: 'broken' });
    expect(broken.status).toBe(409);
    expect(broken.json.error?.code).toBe('PlanInvalid');
    expect(broken.json.error?.message).toContain('groups[0].steps[0]');
    const unknown = await world.post('/api/drills', { plan: 'nope' });
    expect(unknown.status).toBe(404);
    const bad = await world.post('/api/failovers', { plan: 'dr-all' });
    expect(bad.status).toBe(400);
    expect(bad.json.error?.message).toContain('reason');

    // Cancelling a failover is an approver's decision.
    const byOperator = await world.post(
      `/api/runs/${runId}/cancel`,
      { reason: 'test over' },
      as(world, 'olivia'),
    );
    expect(byOperator.status).toBe(403);
    const cancel = await world.post(`/api/runs/${runId}/cancel`, { reason: 'test over' }, as(world, 'alex'));
    expect(cancel.status).toBe(202);
    const end = await world.waitFor(runId);
    expect(end.output).toMatchObject({ outcome: 'refused', state: 'cancelled' });
  }, 300_000);

  it('an approved failover recovers everything and reports RTO and RPO against the plan', async () => {
    const runId = await failover('olivia');
    await world.waitForReport(runId, (r) => r.state === 'pendingApproval');
    const ok = await world.post(`/api/failovers/${runId}/approve`, {}, as(world, 'alex'));
    expect(ok.status).toBe(202);
    const end = await world.waitFor(runId);
    expect(end.output, JSON.stringify(end.output)).toMatchObject({
      outcome: 'succeeded',
      state: 'completed',
    });
    const report = (await world.get(`/api/runs/${runId}`)).json as unknown as RunReport;
    expect(report.approvals).toMatchObject([{ decision: 'approved', by: person('alex').name }]);
    expect(report.requestedBy).toBe(person('olivia').name);
    expect(report.requestedById).toBe(person('olivia').objectId);
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

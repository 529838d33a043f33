import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport, StepReport } from '../../../shared/plans/report';
import { as, person } from '../../helpers/people';
import { startPlansWorld, type PlansWorld } from './world';

/**
 * A manual step (issue 22 item 5), through the real app, the agent and the local host: a failover
 * waits at it with the instructions in the run's custom status, its JSON and its report; only an
 * Approver confirms it (a Reader or an Operator gets 403); `done` lets the plan go on, `abort`
 * stops it, no answer before the timeout ends the step `timedOut` and the plan follows the step's
 * policy; a drill shows it and skips it.
 */
let world: PlansWorld;

const INSTRUCTIONS =
  "Fail the pool's users back to pool1 (Invoke-CsPoolFailback -PoolFqdn pool1.contoso.local).\nThen confirm.";

const plan = (name: string, manual: { timeoutMinutes: number; onFailure: 'stop' | 'continue' }) => ({
  name,
  description: `${name}: users back to pool1, then Persistent Chat`,
  rtoMinutes: 240,
  rpoMinutes: 1440,
  approval: 'auto',
  groups: [
    {
      name: 'Users back to pool1',
      steps: [{ id: 'users-back', kind: 'manual', ...manual, params: { instructions: INSTRUCTIONS } }],
    },
    {
      name: 'Persistent Chat',
      steps: [
        {
          id: 'pchat',
          kind: 'pchat.legacyEndpoint',
          timeoutMinutes: 30,
          params: {
            site: 'dc1',
            sipAddress: 'sip:persistentchat@contoso.local',
            poolFqdn: 'pchat.contoso.local',
          },
        },
      ],
    },
  ],
});

beforeAll(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'lifeboat-plans-'));
  await writeFile(
    path.join(dir, 'manual.json'),
    JSON.stringify(plan('manual', { timeoutMinutes: 60, onFailure: 'stop' })),
  );
  await writeFile(
    path.join(dir, 'manual-late.json'),
    JSON.stringify(plan('manual-late', { timeoutMinutes: 5, onFailure: 'continue' })),
  );
  world = await startPlansWorld({ plansDir: dir });
}, 300_000);
afterAll(async () => {
  await world?.stop();
});

const stepOf = (r: RunReport, id: string): StepReport =>
  r.groups.flatMap((g) => g.steps).find((s) => s.id === id)!;

async function failover(name: string): Promise<string> {
  const start = await world.post('/api/failovers', { plan: name, reason: 'pool1 lost' }, as(world, 'olivia'));
  expect(start.status, JSON.stringify(start.json)).toBe(202);
  return String(start.json['runId']);
}

/** Runs until the run's custom status shows the manual step waiting, and returns that status. */
async function waitingAtManual(runId: string): Promise<Record<string, unknown>> {
  return world.world.until(
    () => {
      const custom = world.host.getStatus(runId)?.customStatus as Record<string, unknown> | null | undefined;
      return Array.isArray(custom?.['manualSteps']) ? custom : undefined;
    },
    { what: `${runId} waiting at its manual step`, timeoutMs: 120_000 },
  );
}

const decide = (runId: string, decision: string, who: 'alex' | 'olivia' | 'rita', body: unknown = {}) =>
  world.post(`/api/runs/${runId}/steps/users-back/${decision}`, body, as(world, who));

describe('a manual step in a failover', () => {
  it('waits with its instructions shown; only an Approver confirms; done lets the plan go on', async () => {
    const runId = await failover('manual');
    const custom = await waitingAtManual(runId);
    expect(String(custom['waitingFor'])).toContain('manual step users-back waits for a person');
    expect(custom['manualSteps']).toEqual([
      expect.objectContaining({
        stepId: 'users-back',
        instructions: INSTRUCTIONS,
        done: `/api/runs/${runId}/steps/users-back/done`,
        abort: `/api/runs/${runId}/steps/users-back/abort`,
      }),
    ]);
    // The step's own status too.
    const stepStatus = world.host.getStatus(`${runId}-step-users-back`)?.customStatus as Record<
      string,
      unknown
    >;
    expect(stepStatus).toMatchObject({ phase: 'waitingForPerson', instructions: INSTRUCTIONS });

    // The run JSON and the report show it waiting, with the instructions and how to confirm.
    const report = (await world.get(`/api/runs/${runId}`)).json as unknown as RunReport;
    expect(stepOf(report, 'users-back')).toMatchObject({
      status: 'running',
      manual: { instructions: INSTRUCTIONS, waits: true, done: `/api/runs/${runId}/steps/users-back/done` },
    });
    expect(report.waits).toEqual([
      expect.objectContaining({ kind: 'manualStep', what: 'a person to confirm manual step users-back' }),
    ]);
    const html = await world.get(`/api/runs/${runId}/report.html`);
    expect(html.text).toContain('Invoke-CsPoolFailback -PoolFqdn pool1.contoso.local');
    expect(html.text).toContain(`POST /api/runs/${runId}/steps/users-back/done`);

    // A Reader and an Operator cannot confirm it; a bad body or decision is refused naming why.
    expect((await decide(runId, 'done', 'rita')).status).toBe(403);
    const operator = await decide(runId, 'done', 'olivia');
    expect(operator.status).toBe(403);
    expect(operator.json.error?.message).toContain('Lifeboat.Approver');
    expect((await decide(runId, 'maybe', 'alex')).status).toBe(404);
    const long = await decide(runId, 'done', 'alex', { comment: 'x'.repeat(501) });
    expect(long.status).toBe(400);
    expect(long.json.error?.message).toContain('comment');
    expect(
      stepOf((await world.get(`/api/runs/${runId}`)).json as unknown as RunReport, 'users-back').status,
    ).toBe('running');

    const done = await decide(runId, 'done', 'alex', { comment: 'all users on pool1' });
    expect(done.status, JSON.stringify(done.json)).toBe(202);
    const end = await world.waitFor(runId);
    expect(end.output).toMatchObject({ outcome: 'succeeded', state: 'completed' });
    const after = (await world.get(`/api/runs/${runId}`)).json as unknown as RunReport;
    expect(stepOf(after, 'users-back')).toMatchObject({
      status: 'ended',
      outcome: 'succeeded',
      summary: `done, confirmed by ${person('alex').name}: all users on pool1`,
      evidence: { decision: { decision: 'done', by: person('alex').name, comment: 'all users on pool1' } },
    });
    expect(stepOf(after, 'pchat')).toMatchObject({ status: 'ended', outcome: 'succeeded' });
    expect(after.waits?.[0]?.to).toBeDefined();
    // Once it has ended, a late decision is refused.
    expect((await decide(runId, 'abort', 'alex')).status).toBe(409);
  }, 300_000);

  it('abort fails the step and stops the plan by its policy', async () => {
    const runId = await failover('manual');
    await waitingAtManual(runId);
    expect((await decide(runId, 'abort', 'alex', { comment: 'pool1 still down' })).status).toBe(202);
    const end = await world.waitFor(runId);
    expect(end.output).toMatchObject({ outcome: 'failed', error: { code: 'ManualStepAborted' } });
    const report = (await world.get(`/api/runs/${runId}`)).json as unknown as RunReport;
    expect(stepOf(report, 'users-back')).toMatchObject({
      outcome: 'failed',
      error: {
        code: 'ManualStepAborted',
        message: `users-back: aborted by ${person('alex').name}: pool1 still down`,
      },
    });
    expect(stepOf(report, 'pchat').status).toBe('skipped');
  }, 300_000);

  it('a cancel does not wait for the person: the waiting step is aborted by Lifeboat with the reason', async () => {
    const runId = await failover('manual');
    await waitingAtManual(runId);
    const cancel = await world.post(`/api/runs/${runId}/cancel`, { reason: 'wrong plan' }, as(world, 'alex'));
    expect(cancel.status, JSON.stringify(cancel.json)).toBe(202);
    // The step's timeout is 60 minutes; the run ends well before anyone confirms or the clock reaches it.
    const end = await world.waitFor(runId, 120_000);
    expect(end.output).toMatchObject({ state: 'cancelled' });
    const report = (await world.get(`/api/runs/${runId}`)).json as unknown as RunReport;
    expect(stepOf(report, 'users-back')).toMatchObject({
      outcome: 'failed',
      error: { code: 'ManualStepAborted' },
    });
    expect(stepOf(report, 'users-back').error?.message).toContain('cancelled');
    expect(stepOf(report, 'pchat').status).not.toBe('ended');
    // The person's late answer is refused: the step has ended.
    expect((await decide(runId, 'done', 'alex')).status).toBe(409);
  }, 300_000);

  it('no answer before its timeout ends it timedOut; a `continue` step lets the plan go on', async () => {
    const runId = await failover('manual-late');
    const end = await world.waitFor(runId, 120_000);
    expect(end.output).toMatchObject({ outcome: 'partial' });
    const report = (await world.get(`/api/runs/${runId}`)).json as unknown as RunReport;
    expect(stepOf(report, 'users-back')).toMatchObject({
      outcome: 'timedOut',
      error: { code: 'StepTimedOut' },
    });
    expect(stepOf(report, 'pchat')).toMatchObject({ status: 'ended', outcome: 'succeeded' });
  }, 300_000);
});

describe('a manual step in a drill', () => {
  it('is shown and skipped, with the reason; the drill succeeds without anyone', async () => {
    const start = await world.post('/api/drills', { plan: 'manual' }, as(world, 'olivia'));
    expect(start.status).toBe(202);
    const runId = String(start.json['runId']);
    const end = await world.waitFor(runId);
    expect(end.output).toMatchObject({ outcome: 'succeeded', state: 'completed' });
    const report = (await world.get(`/api/runs/${runId}`)).json as unknown as RunReport;
    expect(stepOf(report, 'users-back')).toMatchObject({
      status: 'skipped',
      skipped: expect.stringContaining('a drill shows a manual step and skips it'),
      manual: { instructions: INSTRUCTIONS, waits: false },
    });
    expect(report.waits ?? []).toEqual([]);
    expect((await decide(runId, 'done', 'alex')).status).toBe(409);
  }, 300_000);
});

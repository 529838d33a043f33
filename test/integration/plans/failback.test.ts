import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRONT_DOOR } from '../../../local/fixtures';
import type { RunReport } from '../../../shared/plans/report';
import { as } from '../../helpers/people';
import { DRILL, PRIMARY, STANDBY, startPlansWorld, type Answer, type PlansWorld } from './world';

/**
 * Coming home (issue 23) through the real app, the local host, Azurite, the ARM emulator and a
 * real agent at dc1: a failback is refused while the primary carries production; after a failover
 * (and an API written on the standby meanwhile), a failback drill restores the standby's fresh
 * backup into the drill target and reads the traffic, the primary and the Front Door profile
 * untouched; then a failback (approved by another person) restores it into the primary, switches
 * the traffic home and marks the primary active, so backups follow the primary again. The
 * on-premises step says it has nothing to do, and the report shows the round trip.
 */
let world: PlansWorld;
let dir: string;

const plan = {
  name: 'home',
  description: 'API Management to the standby and back, with its traffic.',
  rtoMinutes: 120,
  rpoMinutes: 1440,
  approval: 'required',
  groups: [
    {
      name: 'API Management',
      steps: [{ id: 'apim', kind: 'apim.restore', timeoutMinutes: 90, params: { service: 'contoso-apim' } }],
    },
    {
      name: 'Persistent Chat',
      steps: [
        {
          id: 'pchat',
          kind: 'pchat.legacyEndpoint',
          timeoutMinutes: 30,
          onFailure: 'continue',
          params: {
            site: 'dc1',
            sipAddress: 'sip:persistentchat@contoso.local',
            poolFqdn: 'pchat.contoso.local',
          },
        },
      ],
    },
    {
      name: 'Traffic',
      steps: [
        {
          id: 'traffic',
          kind: 'traffic.switch',
          timeoutMinutes: 120,
          params: {
            provider: 'frontDoor',
            profile: FRONT_DOOR,
            originGroup: 'apim',
            primary: 'primary',
            standby: 'standby',
          },
        },
      ],
    },
  ],
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lifeboat-failback-plans-'));
  await writeFile(path.join(dir, 'home.json'), JSON.stringify(plan));
  // No scheduled backup on the way (the clock runs hours): a failback's fresh backup is the standby's only one.
  world = await startPlansWorld({
    plansDir: dir,
    settings: { LIFEBOAT_BACKUP_SCHEDULE: '0 0 0 1 1 *', LIFEBOAT_TRAFFIC_APPLY_TIMEOUT_MINUTES: '120' },
  });
  await world.backup();
}, 300_000);
afterAll(async () => {
  await world?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const PRIMARY_NAME = 'contoso-apim';
const STANDBY_NAME = 'contoso-apim-standby';
const DRILL_NAME = 'contoso-apim-drill';
const arm = () => world.stack.arm;
const origins = () => arm().traffic.origins(FRONT_DOOR, 'apim');
const step = (r: RunReport, id: string) => r.groups.flatMap((g) => g.steps).find((s) => s.id === id);
const apis = (id: string) =>
  arm()
    .services.get(id)!
    .configuration.apis.map((a) => a.name);
const writesTo = (service: string) =>
  arm()
    .requests()
    .filter((r) => r.method !== 'GET' && r.path.toLowerCase().includes(`/service/${service}/`)).length;

async function standbyView(): Promise<Answer> {
  const res = await world.get('/api/backups');
  expect(res.status, res.text).toBe(200);
  const found = (res.json['services'] as Answer[]).find((s) => s['service'] === PRIMARY_NAME);
  return found!['standby'] as Answer;
}

/** Requests a run as olivia, approves it as alex, and waits for its end. */
async function approvedRun(route: string, reason: string): Promise<RunReport> {
  const start = await world.post(route, { plan: 'home', reason }, as(world, 'olivia'));
  expect(start.status, JSON.stringify(start.json)).toBe(202);
  const runId = String(start.json['runId']);
  const approved = await world.post(`/api/failovers/${runId}/approve`, {}, as(world, 'alex'));
  expect(approved.status, JSON.stringify(approved.json)).toBe(202);
  const end = await world.waitFor(runId, 300_000);
  expect(end.output, JSON.stringify(end.output)).toMatchObject({ state: 'completed' });
  return (await world.get(`/api/runs/${runId}`)).json as unknown as RunReport;
}

describe('failback', () => {
  let failoverRun: string;

  it('is refused while the primary carries production, naming the service; so is its drill', async () => {
    const res = await world.post(
      '/api/failbacks',
      { plan: 'home', reason: 'region back' },
      as(world, 'olivia'),
    );
    expect(res.status, JSON.stringify(res.json)).toBe(409);
    expect(res.json.error).toMatchObject({ code: 'NotFailedOver' });
    expect(res.json.error?.message).toContain(PRIMARY_NAME);
    const drill = await world.post('/api/drills', { plan: 'home', mode: 'failback' }, as(world, 'olivia'));
    expect(drill.status, JSON.stringify(drill.json)).toBe(409);
    expect(drill.json.error).toMatchObject({ code: 'NotFailedOver' });
    const bad = await world.post('/api/drills', { plan: 'home', mode: 'home' }, as(world, 'olivia'));
    expect(bad.status).toBe(400);
    expect(bad.json.error?.message).toContain('mode');
    const noReason = await world.post('/api/failbacks', { plan: 'home' }, as(world, 'olivia'));
    expect(noReason.status).toBe(400);
    expect(noReason.json.error?.message).toContain('reason');
  }, 120_000);

  it('after a failover, production runs on the standby', async () => {
    const report = await approvedRun('/api/failovers', 'primary region down');
    failoverRun = report.runId;
    expect(report.outcome).toBe('succeeded');
    expect(origins()).toMatchObject({
      primary: { enabledState: 'Disabled' },
      standby: { enabledState: 'Enabled' },
    });
    expect(await standbyView()).toMatchObject({ activeSide: 'standby', activeSince: { runId: failoverRun } });
    // Production writes on the standby while it carries it.
    const standby = arm().services.get(STANDBY)!;
    arm().services.update(STANDBY, {
      configuration: {
        ...standby.configuration,
        apis: [...standby.configuration.apis, { name: 'late', path: 'late', displayName: 'Late' }],
      },
    });
    expect(apis(PRIMARY)).not.toContain('late');
  }, 600_000);

  it('a failback drill restores the standby into the drill target and changes nothing in production', async () => {
    const primaryWrites = writesTo(PRIMARY_NAME);
    const profileWrites = arm().traffic.writes(FRONT_DOOR);
    const drillRestores = world.restorePosts(DRILL_NAME);
    const start = await world.post('/api/drills', { plan: 'home', mode: 'failback' }, as(world, 'olivia'));
    expect(start.status, JSON.stringify(start.json)).toBe(202);
    const runId = String(start.json['runId']);
    expect(runId).toContain('-failbackdrill-');
    const end = await world.waitFor(runId, 300_000);
    expect(end.output, JSON.stringify(end.output)).toMatchObject({ outcome: 'succeeded' });
    const report = (await world.get(`/api/runs/${runId}`)).json as unknown as RunReport;
    expect(report).toMatchObject({ mode: 'drill', failback: true });

    // Nothing written to the primary or to the traffic profile.
    expect(writesTo(PRIMARY_NAME)).toBe(primaryWrites);
    expect(arm().traffic.writes(FRONT_DOOR)).toBe(profileWrites);
    expect(apis(PRIMARY)).not.toContain('late');
    // The standby's fresh backup went into the drill target.
    expect(world.restorePosts(DRILL_NAME)).toBe(drillRestores + 1);
    expect(apis(DRILL)).toContain('late');
    const apim = step(report, 'apim');
    expect(apim, JSON.stringify(apim)).toMatchObject({
      outcome: 'succeeded',
      evidence: {
        direction: 'failback',
        role: 'drillTarget',
        target: DRILL_NAME,
        verification: 'equal to the backup',
      },
    });
    expect(String((apim?.evidence?.['freshBackup'] as Answer)['name'])).toContain(`${STANDBY_NAME}/`);
    // The traffic read and validated: the primary's origin is ready to take it back.
    expect(step(report, 'traffic')).toMatchObject({ outcome: 'succeeded', evidence: { changes: [] } });
    expect(step(report, 'traffic')?.summary).toContain('read only: primary is ready');
    expect(step(report, 'pchat')).toMatchObject({ status: 'skipped' });
    expect(step(report, 'pchat')?.skipped).toContain('nothing to do in a failback');
    expect(report.roundTrip).toMatchObject({ leftRun: failoverRun });
    expect(report.roundTrip?.backAt).toBeUndefined();
    expect(report.roundTrip?.differences[0]?.changes).toContain("API 'late' was added on the standby");
    // Production is still on the standby.
    expect(await standbyView()).toMatchObject({ activeSide: 'standby', activeSince: { runId: failoverRun } });
  }, 600_000);

  it('a failback restores the standby into the primary, switches the traffic home and marks the primary active', async () => {
    // The two-person rule, as for failovers.
    const start = await world.post(
      '/api/failbacks',
      { plan: 'home', reason: 'region back' },
      as(world, 'olivia'),
    );
    expect(start.status, JSON.stringify(start.json)).toBe(202);
    const runId = String(start.json['runId']);
    expect(runId).toContain('-failback-');
    expect(start.json['approve']).toBe(`/api/failovers/${runId}/approve`);
    const self = await world.post(`/api/failovers/${runId}/approve`, {}, as(world, 'olivia'));
    expect(self.status).toBe(403);
    const primaryRestores = world.restorePosts(PRIMARY_NAME);
    const primaryWrites = writesTo(PRIMARY_NAME);
    const profileWrites = arm().traffic.writes(FRONT_DOOR);
    const approved = await world.post(`/api/failovers/${runId}/approve`, {}, as(world, 'alex'));
    expect(approved.status, JSON.stringify(approved.json)).toBe(202);
    const end = await world.waitFor(runId, 300_000);
    expect(end.output, JSON.stringify(end.output)).toMatchObject({
      state: 'completed',
      outcome: 'succeeded',
    });
    const report = (await world.get(`/api/runs/${runId}`)).json as unknown as RunReport;

    // Restored into the primary, verified against the standby's manifest: the primary has what was written meanwhile.
    expect(world.restorePosts(PRIMARY_NAME)).toBe(primaryRestores + 1);
    // (the counts the drill found unchanged do see a failback's writes)
    expect(writesTo(PRIMARY_NAME)).toBeGreaterThan(primaryWrites);
    expect(arm().traffic.writes(FRONT_DOOR)).toBeGreaterThan(profileWrites);
    expect(apis(PRIMARY)).toContain('late');
    expect(step(report, 'apim')).toMatchObject({
      outcome: 'succeeded',
      evidence: {
        direction: 'failback',
        role: 'primary',
        target: PRIMARY_NAME,
        verification: 'equal to the backup',
      },
    });
    // Traffic home: the primary enabled and preferred, the standby disabled; no put-back.
    expect(origins()).toMatchObject({
      primary: { enabledState: 'Enabled' },
      standby: { enabledState: 'Disabled' },
    });
    expect(step(report, 'traffic')?.summary).toContain('moved to primary');
    expect(report.cleanup[0]).toMatchObject({ outcome: 'succeeded' });
    expect(report.cleanup[0]?.detail).toContain('the failback succeeded');
    expect(step(report, 'pchat')?.skipped).toContain('nothing to do in a failback');
    // The round trip.
    expect(report.roundTrip).toMatchObject({ leftRun: failoverRun });
    expect(report.roundTrip?.backAt).toBeDefined();
    expect(report.roundTrip?.differences[0]).toMatchObject({ service: PRIMARY_NAME, changeCount: 1 });
    const html = (await world.get(`/api/runs/${runId}/report.html`)).text;
    expect(html).toContain('FAILBACK');
    expect(html).toContain('Round trip');
    expect(html).toContain('was added on the standby');

    // The primary is production again: its record, the standby sync allowed, backups follow it.
    expect(await standbyView()).toMatchObject({
      activeSide: 'primary',
      activeSince: { runId, mode: 'failback' },
    });
    const backups = await world.post('/api/backups', {}, as(world, 'olivia'));
    expect(backups.status, JSON.stringify(backups.json)).toBe(202);
    expect(backups.json['started']).toMatchObject([{ service: PRIMARY_NAME }]);
    await world.waitFor(`backup-${PRIMARY_NAME}`, 300_000);
    // And a second failback now has nothing to bring home.
    const again = await world.post('/api/failbacks', { plan: 'home', reason: 'again' }, as(world, 'olivia'));
    expect(again.status).toBe(409);
    expect(again.json.error?.message).toContain('failback');
  }, 900_000);

  it('a failback cancelled while its switch deploys puts the traffic back on the standby, which stays production', async () => {
    const again = await approvedRun('/api/failovers', 'primary region down again');
    expect(again.outcome).toBe('succeeded');
    expect(await standbyView()).toMatchObject({ activeSide: 'standby', activeSince: { runId: again.runId } });
    // The switch home takes an hour to reach the edge, so the cancel arrives while the step waits.
    arm().traffic.deployment.ms = 60 * 60_000;
    const writes = arm().traffic.writes(FRONT_DOOR);
    const start = await world.post(
      '/api/failbacks',
      { plan: 'home', reason: 'region back' },
      as(world, 'olivia'),
    );
    expect(start.status, JSON.stringify(start.json)).toBe(202);
    const runId = String(start.json['runId']);
    expect((await world.post(`/api/failovers/${runId}/approve`, {}, as(world, 'alex'))).status).toBe(202);
    await world.waitForReport(runId, () => arm().traffic.writes(FRONT_DOOR) >= writes + 2, 300_000);
    expect(origins()).toMatchObject({
      primary: { enabledState: 'Enabled' },
      standby: { enabledState: 'Disabled' },
    });
    // The put-back deploys as fast as a usual change (the hour only had to hold the switch home).
    arm().traffic.deployment.ms = 2 * 60_000;
    const cancel = await world.post(`/api/runs/${runId}/cancel`, { reason: 'not yet' }, as(world, 'alex'));
    expect(cancel.status, JSON.stringify(cancel.json)).toBe(202);
    const end = await world.waitFor(runId, 300_000);
    expect(end.output, JSON.stringify(end.output)).toMatchObject({ state: 'cancelled' });
    const report = (await world.get(`/api/runs/${runId}`)).json as unknown as RunReport;

    // Put back as the switch recorded it: the standby carries the traffic, and production, again.
    expect(report.cleanup[0], JSON.stringify(report.cleanup)).toMatchObject({
      id: 'traffic:traffic',
      outcome: 'succeeded',
    });
    expect(report.cleanup[0]?.detail).toContain('put back to');
    expect(origins()).toMatchObject({
      primary: { enabledState: 'Disabled' },
      standby: { enabledState: 'Enabled' },
    });
    expect(await standbyView()).toMatchObject({ activeSide: 'standby', activeSince: { runId: again.runId } });
    expect(report.roundTrip).toMatchObject({ leftRun: again.runId });
    expect(report.roundTrip?.backAt).toBeUndefined();
  }, 900_000);

  it('a failback started on orchestration version 2.1 (before failbacks) is refused and changes nothing', async () => {
    // The standby still carries production (the failback above was cancelled).
    await world.world.restartHost({
      settings: { AzureFunctionsJobHost__extensions__durableTask__defaultVersion: '2.1' },
    });
    const primaryWrites = writesTo(PRIMARY_NAME);
    const profileWrites = arm().traffic.writes(FRONT_DOOR);
    const start = await world.post(
      '/api/failbacks',
      { plan: 'home', reason: 'region back' },
      as(world, 'olivia'),
    );
    expect(start.status, JSON.stringify(start.json)).toBe(202);
    const runId = String(start.json['runId']);
    const end = await world.waitFor(runId, 300_000);
    expect(end.output, JSON.stringify(end.output)).toMatchObject({
      outcome: 'refused',
      error: { code: 'VersionTooOld' },
      orchestrationVersion: '2.1',
    });
    const report = (await world.get(`/api/runs/${runId}`)).json as unknown as RunReport;
    expect(report).toMatchObject({ state: 'cancelled', outcome: 'refused', orchestrationVersion: '2.1' });
    expect(writesTo(PRIMARY_NAME)).toBe(primaryWrites);
    expect(arm().traffic.writes(FRONT_DOOR)).toBe(profileWrites);
    expect(await standbyView()).toMatchObject({ activeSide: 'standby' });
    // Its lock is free: the plan takes the next run.
    const drill = await world.post('/api/drills', { plan: 'home' }, as(world, 'olivia'));
    expect(drill.status, JSON.stringify(drill.json)).toBe(202);
  }, 600_000);
});

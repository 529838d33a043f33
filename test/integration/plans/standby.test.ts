import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRONT_DOOR } from '../../../local/fixtures';
import { getConfig } from '../../../shared/config';
import type { RunReport } from '../../../shared/plans/report';
import { buildStandbySyncInput, type StandbySyncResult } from '../../../shared/restore/standbySync';
import { as } from '../../helpers/people';
import { startAsLifeboat } from '../../helpers/tickets';
import { DRILL, STANDBY, startPlansWorld, type Answer, type PlansWorld } from './world';

/**
 * The warm standby (issue 23) through the real app, the local host and the ARM emulator: the
 * standby sync restores the newest verified backup into the standby and records it; a failover
 * whose standby is current skips the restore (the report shows the evidence), one whose sync is
 * older than the plan's RPO restores as before; after a failover's traffic switch the standby is
 * the active side: backups follow it (under its own name), the sync keeps away, and a restore
 * into it is refused.
 */
let world: PlansWorld;
let dir: string;

const restoreStep = (rpo: { id: string }) => ({
  id: rpo.id,
  kind: 'apim.restore',
  timeoutMinutes: 90,
  params: { service: 'contoso-apim' },
});
const plan = (name: string, rpoMinutes: number, traffic: boolean) => ({
  name,
  description: `Fail over to the standby (${name}).`,
  rtoMinutes: 60,
  rpoMinutes,
  approval: 'auto',
  groups: [
    { name: 'API Management', steps: [restoreStep({ id: 'apim' })] },
    ...(traffic
      ? [
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
        ]
      : []),
  ],
});

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lifeboat-standby-plans-'));
  // `cold`: an RPO of one minute, which no sync meets once its restore took its time.
  await writeFile(path.join(dir, 'cold.json'), JSON.stringify(plan('cold', 1, false)));
  await writeFile(path.join(dir, 'warm.json'), JSON.stringify(plan('warm', 1440, true)));
  // `held`: a failover that waits for a person before it restores: it owns the standby meanwhile.
  const held = plan('held', 1440, false);
  await writeFile(
    path.join(dir, 'held.json'),
    JSON.stringify({
      ...held,
      groups: [
        {
          name: 'Gate',
          steps: [
            {
              id: 'gate',
              kind: 'manual',
              timeoutMinutes: 600,
              onFailure: 'stop',
              params: { instructions: 'Confirm the primary region is down.' },
            },
          ],
        },
        ...held.groups,
      ],
    }),
  );
  world = await startPlansWorld({ plansDir: dir });
  await world.backup();
}, 300_000);
afterAll(async () => {
  await world?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const STANDBY_NAME = 'contoso-apim-standby';

/** Starts one standby sync the way its timer does (its ticket first); answers its id and input. */
async function startSync() {
  // The host's settings are the process environment while it runs.
  const config = getConfig();
  const input = buildStandbySyncInput(
    config.backup.services,
    config.restore,
    world.clock.now(),
    randomBytes(3).toString('hex'),
  );
  const id = await startAsLifeboat(
    world.host,
    world.world.azurite.connectionString,
    'standbySync',
    input,
    'standby-sync',
  );
  return { id, input };
}

/** One standby sync, to its end. */
async function sync(): Promise<StandbySyncResult> {
  const { id } = await startSync();
  const end = await world.waitFor(id);
  expect(end.runtimeStatus).toBe('Completed');
  return end.output as unknown as StandbySyncResult;
}

async function backups(): Promise<Answer> {
  const res = await world.get('/api/backups');
  expect(res.status, res.text).toBe(200);
  const found = (res.json['services'] as Answer[]).find((s) => s['service'] === 'contoso-apim');
  expect(found).toBeDefined();
  return found!;
}

async function failover(planName: string): Promise<RunReport> {
  const start = await world.post(
    '/api/failovers',
    { plan: planName, reason: 'primary region down' },
    as(world, 'olivia'),
  );
  expect(start.status, JSON.stringify(start.json)).toBe(202);
  const runId = String(start.json['runId']);
  const end = await world.waitFor(runId);
  expect(end.output, JSON.stringify(end.output)).toMatchObject({ state: 'completed' });
  return (await world.get(`/api/runs/${runId}`)).json as unknown as RunReport;
}

const step = (r: RunReport, id: string) => r.groups.flatMap((g) => g.steps).find((s) => s.id === id);
const backupPosts = (service: string) =>
  world.stack.arm
    .requests()
    .filter((r) => r.method === 'POST' && r.path.toLowerCase().includes(`/service/${service}/backup`)).length;

describe('the warm standby', () => {
  let syncedBackup: string;

  it('a sync restores the newest verified backup into the standby, verifies it and records it', async () => {
    const posts = world.restorePosts(STANDBY_NAME);
    const out = await sync();
    expect(out, JSON.stringify(out)).toMatchObject({
      outcome: 'succeeded',
      services: [
        { serviceName: 'contoso-apim', outcome: 'succeeded', verified: true, restoreVerified: true },
      ],
    });
    expect(world.restorePosts(STANDBY_NAME)).toBe(posts + 1);
    syncedBackup = out.services[0]!.backup!.name;

    const service = await backups();
    expect(service['standby']).toMatchObject({
      name: STANDBY_NAME,
      syncEnabled: true,
      activeSide: 'primary',
      // (`state` judges the age on the wall clock, as every GET does; this stack runs on a virtual one.)
      lastSync: {
        syncRunId: 'standby-sync',
        outcome: 'succeeded',
        verified: true,
        backup: { name: syncedBackup },
      },
    });
    // The backup used, its age, verified or not, and when: as the sync recorded them.
    const lastSync = (service['standby'] as Answer)['lastSync'] as Answer;
    const takenAt = Date.parse(String((lastSync['backup'] as Answer)['takenAt']));
    expect(Number.isNaN(takenAt)).toBe(false);
    expect(lastSync['backupAgeMs']).toEqual(expect.any(Number));
    expect(Number(lastSync['backupAgeMs'])).toBeGreaterThanOrEqual(0);
    expect(Date.parse(String(lastSync['at']))).toBeGreaterThanOrEqual(takenAt);
    expect(Date.parse(String(lastSync['at']))).toBeLessThanOrEqual(world.clock.now().getTime());
    expect((service['standby'] as Answer)['recoveryPointAgeMinutes']).toEqual(expect.any(Number));
    expect((service['standby'] as Answer)['state']).toMatch(/^(current|stale)$/);
    // The sync restore-verified the backup, as the canary does.
    expect(service['lastRestoreVerification']).toMatchObject({
      blobName: syncedBackup,
      target: STANDBY_NAME,
      outcome: 'succeeded',
    });
  }, 300_000);

  it('a sync never runs while a failover run owns the standby', async () => {
    const start = await world.post(
      '/api/failovers',
      { plan: 'held', reason: 'primary region down?' },
      as(world, 'olivia'),
    );
    expect(start.status, JSON.stringify(start.json)).toBe(202);
    const runId = String(start.json['runId']);
    await world.world.until(
      () => {
        const custom = world.host.getStatus(runId)?.customStatus as
          Record<string, unknown> | null | undefined;
        return Array.isArray(custom?.['manualSteps']) ? true : undefined;
      },
      { what: `${runId} waiting at its manual step`, timeoutMs: 120_000 },
    );
    const posts = world.restorePosts(STANDBY_NAME);
    const before = (await backups())['standby'];
    const out = await sync();
    expect(out.services[0], JSON.stringify(out)).toMatchObject({
      serviceName: 'contoso-apim',
      outcome: 'refused',
      skipped: true,
      error: { code: 'SyncSkipped' },
    });
    expect(out.services[0]?.error?.message).toContain(
      `a failover run owns the standby of contoso-apim (${runId})`,
    );
    // Nothing was written into the standby, and its recorded state stands.
    expect(world.restorePosts(STANDBY_NAME)).toBe(posts);
    // (Its age is judged on the wall clock at each GET: compare what the sync recorded.)
    const after = (await backups())['standby'] as Answer;
    expect(after['lastSync']).toEqual((before as Answer)['lastSync']);
    expect(after['activeSide']).toBe('primary');

    const cancel = await world.post(
      `/api/runs/${runId}/cancel`,
      { reason: 'false alarm' },
      as(world, 'alex'),
    );
    expect(cancel.status, JSON.stringify(cancel.json)).toBe(202);
    const end = await world.waitFor(runId);
    expect(end.output, JSON.stringify(end.output)).toMatchObject({ state: 'cancelled' });
  }, 300_000);

  it('a drill of the warm plan writes nothing to the primary, the standby or the Front Door profile', async () => {
    const seen = world.stack.arm.requests().length;
    const profileWrites = world.stack.arm.traffic.writes(FRONT_DOOR);
    const start = await world.post('/api/drills', { plan: 'warm' }, as(world, 'olivia'));
    expect(start.status, JSON.stringify(start.json)).toBe(202);
    const runId = String(start.json['runId']);
    const end = await world.waitFor(runId);
    expect(end.output, JSON.stringify(end.output)).toMatchObject({ state: 'completed' });
    const report = (await world.get(`/api/runs/${runId}`)).json as unknown as RunReport;
    expect(step(report, 'apim')).toMatchObject({ outcome: 'succeeded' });
    expect(step(report, 'traffic')).toMatchObject({ outcome: 'succeeded', evidence: { changes: [] } });
    // The emulator's own record: the drill restored into the drill target only, and the profile
    // received no write.
    const during = world.stack.arm.requests().slice(seen);
    const restores = during.filter((r) => r.method === 'POST' && r.path.toLowerCase().endsWith('/restore'));
    expect(restores.map((r) => r.path)).toEqual([`${DRILL}/restore`]);
    for (const r of during.filter((x) => x.method !== 'GET'))
      expect(r.path.toLowerCase()).not.toMatch(/\/service\/contoso-apim(-standby)?\/|microsoft\.cdn/);
    expect(world.stack.arm.traffic.writes(FRONT_DOOR)).toBe(profileWrites);
    expect((await backups())['standby']).toMatchObject({ activeSide: 'primary' });
  }, 300_000);

  it('a failover whose sync is older than the plan RPO restores as before, and says why', async () => {
    const posts = world.restorePosts(STANDBY_NAME);
    const report = await failover('cold');
    expect(world.restorePosts(STANDBY_NAME)).toBe(posts + 1);
    const apim = step(report, 'apim');
    expect(apim).toMatchObject({ outcome: 'succeeded' });
    expect(apim?.summary).toContain('restored');
    expect(String(apim?.evidence?.['standbyNotUsed'])).toContain("older than the plan's RPO of 1 min");
  }, 300_000);

  it("a failover meeting the sync's restore into the standby waits for it, then restores (never refused)", async () => {
    const posts = world.restorePosts(STANDBY_NAME);
    const { id, input } = await startSync();
    const syncRestore = input.syncs[0]!.instanceId;
    // Time stands still while the sync's restore polls its operation: the failover meets it.
    await world.world.until(
      () => {
        const custom = world.host.getStatus(syncRestore)?.customStatus as Answer | null | undefined;
        return custom?.['phase'] === 'polling' ? true : undefined;
      },
      { what: `${syncRestore} polling`, advance: false, timeoutMs: 120_000 },
    );
    expect(world.restorePosts(STANDBY_NAME)).toBe(posts + 1);
    const report = await failover('cold');
    const apim = step(report, 'apim');
    expect(apim, JSON.stringify(apim)).toMatchObject({ outcome: 'succeeded' });
    expect(String(apim?.evidence?.['standbyNotUsed'])).toContain(
      `a restore into the standby is running (${syncRestore})`,
    );
    const synced = await world.waitFor(id);
    expect(synced.output, JSON.stringify(synced.output)).toMatchObject({
      outcome: 'succeeded',
      services: [{ outcome: 'succeeded', verified: true }],
    });
    // Two restores into the standby, one after the other: the sync's, then the failover's.
    expect(world.restorePosts(STANDBY_NAME)).toBe(posts + 2);
  }, 300_000);

  it('a failover with a current standby skips the restore, shows the evidence, and makes the standby active', async () => {
    const posts = world.restorePosts(STANDBY_NAME);
    const report = await failover('warm');
    // No restore POST: the standby was used as it is.
    expect(world.restorePosts(STANDBY_NAME)).toBe(posts);
    const apim = step(report, 'apim');
    expect(apim).toMatchObject({
      outcome: 'succeeded',
      evidence: {
        standbyAlreadyCurrent: true,
        backup: syncedBackup,
        syncRun: 'standby-sync',
        rpoMinutes: 1440,
      },
    });
    expect(apim?.summary).toContain('standby already current');
    expect(Number(apim?.evidence?.['recoveryPointAgeMinutes'])).toBeLessThanOrEqual(1440);
    expect(report.rpo).toMatchObject({ targetMinutes: 1440, met: true });
    expect(step(report, 'traffic')).toMatchObject({
      outcome: 'succeeded',
      evidence: { activeSide: { standby: ['contoso-apim'] } },
    });

    const service = await backups();
    expect(service['standby']).toMatchObject({
      activeSide: 'standby',
      activeSince: { runId: report.runId, mode: 'failover' },
      state: 'active',
    });
  }, 300_000);

  it('once the standby is active: backups follow it, the sync keeps away, and a restore into it is refused', async () => {
    const standbyBackups = backupPosts(STANDBY_NAME);
    const primaryBackups = backupPosts('contoso-apim');
    const started = await world.post('/api/backups', {}, as(world, 'olivia'));
    expect(started.status, JSON.stringify(started.json)).toBe(202);
    const runs = started.json['started'] as { service: string; instanceId: string }[];
    expect(runs).toMatchObject([{ service: STANDBY_NAME, instanceId: `backup-${STANDBY_NAME}` }]);
    const end = await world.waitFor(runs[0]!.instanceId);
    expect(end.output, JSON.stringify(end.output)).toMatchObject({ outcome: 'succeeded' });
    const blob = String((end.output as Answer)['blobName']);
    // In the same container, under the standby's own name.
    expect(blob.startsWith(`${STANDBY_NAME}/${STANDBY_NAME}-`)).toBe(true);
    expect(backupPosts(STANDBY_NAME)).toBe(standbyBackups + 1);
    expect(backupPosts('contoso-apim')).toBe(primaryBackups);
    // The RPO follows the active side: judged by the standby's newest backup.
    const service = await backups();
    expect(service).toMatchObject({ backedUpAs: STANDBY_NAME, newestVerified: { name: blob } });

    const posts = world.restorePosts(STANDBY_NAME);
    const out = await sync();
    expect(out.services[0]).toMatchObject({ outcome: 'refused', skipped: true });
    expect(out.services[0]?.error?.message).toContain('carries production');
    expect(world.restorePosts(STANDBY_NAME)).toBe(posts);

    const restore = await world.post('/api/restores', { service: 'contoso-apim' }, as(world, 'alex'));
    expect(restore.status, JSON.stringify(restore.json)).toBe(409);
    expect(restore.json.error).toMatchObject({ code: 'ActiveSide' });
    // A plan's restore into the active side too, unless the plan says so (intoActiveSide).
    const again = await world.post(
      '/api/failovers',
      { plan: 'cold', reason: 'once more' },
      as(world, 'olivia'),
    );
    expect(again.status, JSON.stringify(again.json)).toBe(202);
    const againId = String(again.json['runId']);
    await world.waitFor(againId);
    const refused = (await world.get(`/api/runs/${againId}`)).json as unknown as RunReport;
    expect(step(refused, 'apim')).toMatchObject({ outcome: 'refused', error: { code: 'ActiveSide' } });
    expect(world.restorePosts(STANDBY_NAME)).toBe(posts);
    expect(STANDBY).toContain(STANDBY_NAME);
  }, 300_000);
});

import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { VirtualClock } from '../../../local/clock';
import {
  contosoFrontDoor,
  contosoProtected,
  contosoServices,
  FRONT_DOOR,
  PRIMARY,
  STANDBY,
} from '../../../local/fixtures';
import type { InstanceStatus } from '../../../local/host/durable/engine';
import type { LocalPersonName } from '../../../local/host/signIn';
import { DEMO_SITE } from '../../../local/site';
import { startWorld, type World } from '../../../local/world';
import { buildForChild, childHost, type ChildHost } from './childHost';

/**
 * Crash survival (issue 24): the sample plan's failover (local/plans/contoso-dr.json), approved,
 * through a local Functions host in a child process whose task hub lives in Azurite. The host is
 * killed with SIGKILL (`LIFEBOAT_LOCAL_CRASH_AT`) before and after the side effect of each kind of
 * activity and at step boundaries, and started again on the same task hub each time. Azurite, the
 * ARM emulator and the agent at the simulated site stay up in this process: that is a Functions
 * host crash (the worker dies; storage, Azure and the site do not). Each crashed run must end as
 * the uninterrupted one does, with no non-idempotent action done twice: backup and restore POSTs,
 * Hyper-V failbacks, Lync syncs, endpoint creations, traffic switches, as the emulator and the
 * simulated site count them.
 */

const appRoot = process.cwd();

/**
 * The non-idempotent actions of the uninterrupted run (the baseline below measures them again):
 * one backup POST to the primary, one restore POST to the standby, two Front Door writes (standby
 * on, primary off), three Hyper-V failbacks, one Persistent Chat endpoint, one Lync backup sync.
 */
const UNINTERRUPTED_ACTIONS = {
  backupPosts: 1,
  restorePostsStandby: 1,
  restorePostsPrimary: 0,
  trafficWrites: 2,
  initiateFailback: 3,
  createEndpoint: 1,
  backupSync: 1,
};
/** The sample plan's manual step: the test confirms it as a person would. */
const MANUAL_STEP = 'users-to-pool1';
const UNINTERRUPTED_STEPS = {
  apim: 'succeeded',
  vms: 'succeeded',
  [MANUAL_STEP]: 'succeeded',
  'lync-conferences': 'succeeded',
  'pchat-endpoint': 'succeeded',
  traffic: 'succeeded',
};
const TERMINAL = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);

/** What a run leaves: its outcome and the count of each non-idempotent action. */
interface RunResult {
  runtimeStatus: string;
  outcome: unknown;
  state: unknown;
  steps: Record<string, unknown>;
  actions: Record<string, number>;
  crashed: string[];
  starts: number;
}

let world: World | undefined;
let host: ChildHost | undefined;

beforeAll(async () => {
  await buildForChild(appRoot);
}, 300_000);

afterEach(async () => {
  await host?.stop();
  await world?.stop();
  host = undefined;
  world = undefined;
});

/** Backs up the primary, then fails over with the sample plan (olivia asks, alex approves). */
async function failoverRun(crashPoints: readonly string[]): Promise<RunResult> {
  const clock = new VirtualClock(new Date('2026-03-02T08:00:00Z'));
  const child = childHost({ appRoot, clock, crashPoints });
  host = child;
  const w = await startWorld({
    clock,
    arm: {
      services: contosoServices({
        configuration: {
          apis: [
            { name: 'orders', path: 'orders', displayName: 'Orders' },
            { name: 'billing', path: 'billing', displayName: 'Billing' },
          ],
          products: [{ name: 'starter', displayName: 'Starter' }],
          namedValues: [{ name: 'backend-key', value: 'crash-test-secret', secret: true }],
        },
      }),
      frontDoors: async (arm) => [
        contosoFrontDoor({
          primary: await arm.gateways.url(PRIMARY),
          standby: await arm.gateways.url(STANDBY),
        }),
      ],
    },
    sites: [{ site: 'dc1', description: DEMO_SITE }],
    host: false,
    externalHost: child,
    settings: {
      LIFEBOAT_PROTECTED_SERVICES: contosoProtected(),
      LIFEBOAT_BACKUP_SCHEDULE: '0 0 */6 * * *',
      LIFEBOAT_RESTORE_CANARY_SCHEDULE: '0 0 3 * * 0',
      LIFEBOAT_HEARTBEAT_SCHEDULE: '0 */5 * * * *',
      // Never fire during the run (January 1st; the clock starts in March): the counts stay the plan's.
      LIFEBOAT_APIM_REPORTS_SCHEDULE: '0 0 0 1 1 *',
      LIFEBOAT_STANDBY_SYNC_SCHEDULE: '0 0 0 1 1 *',
      LIFEBOAT_PLANS_DIR: path.join(appRoot, 'local', 'plans'),
    },
  });
  world = w;
  await child.start({ ...w.settings });

  const post = async (route: string, body: unknown, as: LocalPersonName) => {
    const res = await child.fetch(route, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
      as,
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const ended = (instanceId: string) =>
    w
      .until(
        async () => {
          const s = await child.status(instanceId);
          return s !== undefined && TERMINAL.has(s.runtimeStatus) ? s : undefined;
        },
        { timeoutMs: 120_000, what: `the end of ${instanceId}` },
      )
      .catch(async (error: unknown) => {
        const s = await child.status(instanceId).catch(() => undefined);
        throw new Error(
          `${(error as Error).message}; status ${JSON.stringify(s?.runtimeStatus)} ${JSON.stringify(s?.customStatus)}; crashed at ${child.crashed.join(', ')}`,
        );
      });

  const backups = await post('/api/backups', {}, 'olivia');
  expect(backups.status, JSON.stringify(backups.json)).toBe(202);
  for (const s of backups.json['started'] as { instanceId: string }[]) {
    const end = await ended(s.instanceId);
    expect(end.output, JSON.stringify(end.output)).toMatchObject({ outcome: 'succeeded' });
  }

  const start = await post('/api/failovers', { plan: 'contoso-dr', reason: 'crash test' }, 'olivia');
  expect(start.status, JSON.stringify(start.json)).toBe(202);
  const runId = String(start.json['runId']);
  await w.until(
    async () => {
      const res = await child.fetch(`/api/runs/${runId}`);
      return res.status === 200 && ((await res.json()) as { state?: string }).state === 'pendingApproval';
    },
    { timeoutMs: 120_000, what: 'pendingApproval' },
  );
  const approved = await post(`/api/failovers/${runId}/approve`, {}, 'alex');
  expect([202, 409], JSON.stringify(approved.json)).toContain(approved.status);
  // The sample plan's manual step (users back to pool1) waits for a person: alex confirms it once
  // the run shows it waiting (a host that crashed meanwhile answers once it is back).
  await w.until(
    async () => {
      const res = await child.fetch(`/api/runs/${runId}`).catch(() => undefined);
      if (res?.status !== 200) return undefined;
      const r = (await res.json()) as { groups?: { steps: { id: string; status?: string }[] }[] };
      const manual = (r.groups ?? []).flatMap((g) => g.steps).find((s) => s.id === MANUAL_STEP);
      return manual?.status === 'running' || manual?.status === 'ended' ? manual : undefined;
    },
    { timeoutMs: 120_000, what: `manual step ${MANUAL_STEP} waiting` },
  );
  const confirmed = await post(
    `/api/runs/${runId}/steps/${MANUAL_STEP}/done`,
    { comment: 'users on pool1' },
    'alex',
  );
  expect([202, 409], JSON.stringify(confirmed.json)).toContain(confirmed.status);
  const end: InstanceStatus = await ended(runId);
  const output = (end.output ?? {}) as { outcome?: unknown; state?: unknown };
  const report = (await (await child.fetch(`/api/runs/${runId}`)).json()) as {
    groups?: { steps: { id: string; state?: unknown; outcome?: unknown }[] }[];
  };

  const arm = w.arm!;
  const posts = (service: string, op: string) =>
    arm
      .requests()
      .filter((r) => r.method === 'POST' && r.path.toLowerCase().includes(`/service/${service}/${op}`))
      .length;
  const calls = w.sites.get('dc1')!.simulated.calls;
  const result: RunResult = {
    runtimeStatus: end.runtimeStatus,
    outcome: output.outcome,
    state: output.state,
    steps: Object.fromEntries(
      (report.groups ?? []).flatMap((g) => g.steps).map((s) => [s.id, s.outcome ?? s.state]),
    ),
    actions: {
      backupPosts: posts('contoso-apim', 'backup'),
      restorePostsStandby: posts('contoso-apim-standby', 'restore'),
      restorePostsPrimary: posts('contoso-apim', 'restore'),
      trafficWrites: arm.traffic.writes(FRONT_DOOR),
      initiateFailback: calls.initiateFailback,
      createEndpoint: calls.createEndpoint,
      backupSync: calls.backupSync,
    },
    crashed: [...child.crashed],
    starts: child.starts,
  };
  console.log(`crash test run (${crashPoints.join(', ') || 'uninterrupted'}): ${JSON.stringify(result)}`);
  return result;
}

describe('a failover survives host crashes (task hub in Azurite, host in a child process)', () => {
  let baseline: RunResult | undefined;

  it('runs to the end uninterrupted (the baseline)', async () => {
    baseline = await failoverRun([]);
    expect(baseline).toMatchObject({
      runtimeStatus: 'Completed',
      outcome: 'succeeded',
      state: 'completed',
      crashed: [],
      starts: 1,
    });
    expect(baseline.steps).toEqual(UNINTERRUPTED_STEPS);
    expect(baseline.actions).toEqual(UNINTERRUPTED_ACTIONS);
  }, 300_000);

  // One run, the points in the order the run reaches them: the first host process dies at the
  // first point, the one started after it at the second, and so on; the last process runs to the
  // end. (One run rather than one per area: each run is a world, a backup and a failover.)
  const scenarios: [string, string[]][] = [
    [
      'APIM backup and restore, report writes, agent commands (Hyper-V failbacks, Lync, Persistent Chat), flow episodes, step boundaries, the traffic switch',
      [
        'beginApimBackup:after',
        'beginApimRestore:before',
        'beginApimRestore:after',
        'pollApimOperation:after',
        'writePlanReport:after',
        'planStep:after',
        'sendAgentCommand:before',
        'sendAgentCommand:after',
        'failbackVm:after',
        'runAgentCommand:before',
        'sendAgentCommand:after:2',
        'planStep:after',
        'planRun:after',
        'switchTraffic:before',
        'switchTraffic:after',
      ],
    ],
  ];

  for (const [name, points] of scenarios) {
    it(`ends as the uninterrupted run, each action done once: ${name}`, async () => {
      const crashedRun = await failoverRun(points);
      expect(crashedRun.crashed, 'every crash point was reached').toEqual(
        points.map((p) => (/:\d+$/.test(p) ? p : `${p}:1`)),
      );
      expect(crashedRun.starts).toBe(points.length + 1);
      // An activity killed after its side effect ran again in the next host (at least once):
      // its action was still done once, so it is idempotent.
      for (const p of points.filter(
        (p) => p.includes(':after') && !/^(?:planRun|planStep|failbackVm)/.test(p),
      ))
        expect(host?.logs.join('\n'), p).toContain(`Dispatching activity '${p.split(':')[0]!}'`);
      const expected = baseline ?? {
        runtimeStatus: 'Completed',
        outcome: 'succeeded',
        state: 'completed',
        steps: UNINTERRUPTED_STEPS,
        actions: UNINTERRUPTED_ACTIONS,
      };
      expect(crashedRun.runtimeStatus).toBe(expected.runtimeStatus);
      expect(crashedRun.outcome).toBe(expected.outcome);
      expect(crashedRun.state).toBe(expected.state);
      expect(crashedRun.steps).toEqual(expected.steps);
      expect(crashedRun.actions).toEqual(expected.actions);
    }, 300_000);
  }
});

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PlanInput } from '../../shared/plans/plan';
import type { RunReport } from '../../shared/plans/report';
import { startPlansWorld, type PlansWorld } from '../integration/plans/world';
import { benchSize, type Figure, type Measurement } from './figures';

/**
 * `failback.rto_min` (issue 23, "Come home"): the recovery time of bringing the sample plan's API
 * Management home (local/plans/contoso-dr.json: its `API Management` and `Traffic` groups,
 * approval `auto`), on the virtual clock, through the real app, Azurite and the ARM emulator with
 * the live Retry-After of 60 s, a 10-minute backup and a 30-minute restore at the service. A
 * failover first makes the standby the active side; the figure is then the failback's RTO
 * achieved (its report's `rto.achievedMinutes`: from the request to the traffic switched home and
 * probed), which holds the fresh backup of the standby, its restore into the primary and its
 * verification against the standby's manifest. The primary must be recorded active afterwards.
 * A file of its own: the local host captures one app per process (this one the plans app, the
 * failback makespan bench the relay app).
 */
const MINUTE = benchSize(60_000, 6_000);
const BACKUP_MS = 10 * MINUTE;
const RESTORE_MS = 30 * MINUTE;

async function comeHome(): Promise<Measurement[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lifeboat-failback-bench-'));
  try {
    const file = path.join(process.cwd(), 'local', 'plans', 'contoso-dr.json');
    const sample = JSON.parse(await readFile(file, 'utf8')) as PlanInput;
    const plan: PlanInput = {
      ...sample,
      name: 'bench-home',
      approval: 'auto',
      triggers: [],
      groups: sample.groups.filter((g) => g.name === 'API Management' || g.name === 'Traffic'),
    };
    await writeFile(path.join(dir, 'bench-home.json'), JSON.stringify(plan));
    // No scheduled backup on the way: the failback's fresh backup is the standby's only one.
    const world = await startPlansWorld({
      plansDir: dir,
      settings: { LIFEBOAT_BACKUP_SCHEDULE: '0 0 0 1 1 *' },
    });
    try {
      await world.backup();
      world.stack.arm.durations.backupMs = BACKUP_MS;
      world.stack.arm.durations.restoreMs = RESTORE_MS;
      await run(world, '/api/failovers');
      const report = await run(world, '/api/failbacks');
      const rto = report.rto.achievedMinutes;
      if (rto === undefined) throw new Error('the failback report has no RTO achieved');
      if (report.roundTrip?.backAt === undefined)
        throw new Error('the failback did not record the primary active');
      const minutes = (ms: number) => Math.round((ms / 60_000) * 10) / 10;
      return [
        { name: 'failback.rto_min', value: rto, unit: 'min' },
        { name: 'failback.backup_min', value: minutes(BACKUP_MS), unit: 'min' },
        { name: 'failback.restore_min', value: minutes(RESTORE_MS), unit: 'min' },
      ];
    } finally {
      await world.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One run of the bench plan through `route` (approval `auto`), which must succeed; its report. */
async function run(world: PlansWorld, route: string): Promise<RunReport> {
  const start = await world.post(route, { plan: 'bench-home', reason: `bench failback.rto_min (${route})` });
  if (start.status !== 202) throw new Error(`${route}: ${start.status} ${JSON.stringify(start.json)}`);
  const runId = String(start.json['runId']);
  const end = await world.waitFor(runId, 600_000);
  if (end.output.outcome !== 'succeeded')
    throw new Error(`${route} ended ${end.output.outcome}: ${JSON.stringify(end.output.error)}`);
  return (await world.get(`/api/runs/${runId}`)).json as unknown as RunReport;
}

export const figures: Figure[] = [
  { names: ['failback.rto_min', 'failback.backup_min', 'failback.restore_min'], run: comeHome },
];

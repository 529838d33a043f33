import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import { startWorld, type World } from '../../../local/world';

/**
 * `LIFEBOAT_LOCAL_DATA` (issue 24): with a data folder, Azurite keeps its data there and the host
 * its durable task hub in Azurite, so a stack stopped and started again on the same folder carries
 * on every run: timers set again, events still delivered, finished runs still answered. (A host
 * killed with SIGKILL mid-run: crash.test.ts.)
 */

const dirs: string[] = [];
let world: World | undefined;

afterAll(async () => {
  await world?.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const start = (data: string, clock: VirtualClock) =>
  startWorld({
    clock,
    arm: false,
    data,
    host: { app: () => import('./fixtures/app'), queues: { enabled: false } },
    settings: { FIXTURE_SCHEDULE: '0 */5 * * * *', FIXTURE_QUEUE: 'local-data-fixture' },
  });

describe('a stack on a data folder', () => {
  it('carries on its runs after a stop and a start on the same folder', async () => {
    const data = await mkdtemp(path.join(tmpdir(), 'lifeboat-data-'));
    dirs.push(data);
    const clock = new VirtualClock(new Date('2026-01-01T00:00:00Z'));
    world = await start(data, clock);
    const first = world.host;
    const done = await first.startOrchestration('fanOut', 4);
    const approval = await first.startOrchestration('approval');
    const sleeper = await first.startOrchestration('sleeper');
    const waiting = await first.startOrchestration('waitThenEvent');
    await world.settle();
    expect(first.getStatus(done)?.output).toBe(12);
    expect(first.getStatus(approval)?.runtimeStatus).toBe('Running');
    expect(first.getStatus(sleeper)?.runtimeStatus).toBe('Running');
    await world.stop();

    world = await start(data, clock);
    const second = world.host;
    expect(second.getStatus(done)).toMatchObject({ runtimeStatus: 'Completed', output: 12 });
    expect(second.getStatus(waiting)?.runtimeStatus).toBe('Running');
    second.raiseEvent(approval, 'Approval', { by: 'alex' });
    second.raiseEvent(waiting, 'Go', 'went');
    expect((await world.waitFor(approval)).output).toEqual({ approved: { by: 'alex' } });
    expect((await world.waitFor(waiting)).output).toBe('went');
    // The 5-hour timer was set again from its fire-at in storage.
    const slept = await world.waitFor(sleeper);
    expect(slept.output).toEqual({ start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T05:00:00.000Z' });
    expect(second.getHistory(approval).length).toBeGreaterThan(0);
  }, 120_000);
});

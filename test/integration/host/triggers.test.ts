import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteHandle } from '../../../local/azurite';
import { VirtualClock } from '../../../local/clock';
import { createTestHost, type TestHost } from '../../../local/host/testing';

let azurite: AzuriteHandle;
let t: TestHost;
let fixture: typeof import('./fixtures/app');
const clock = new VirtualClock(new Date('2026-03-01T00:00:00Z'));

beforeAll(async () => {
  azurite = await startAzurite();
  t = await createTestHost({
    appRoot: process.cwd(),
    clock,
    app: async () => {
      fixture = await import('./fixtures/app');
    },
    settings: {
      FIXTURE_SCHEDULE: '0 */5 * * * *',
      FIXTURE_QUEUE: 'fixture-work',
      AzureWebJobsStorage: azurite.connectionString,
    },
    // Failed messages become visible again at once, so five attempts take no wall-clock time.
    queues: { visibilityTimeoutMs: 0 },
  });
});
afterAll(async () => {
  await t?.stop();
  await azurite?.stop();
});

describe('HTTP triggers', () => {
  it('matches route templates with parameters, constraints and optional segments under /api', async () => {
    const res = await t.fetch('/api/items/tools/42/more?x=1');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      params: { category: 'tools', id: '42', detail: 'more' },
      query: { x: '1' },
      method: 'GET',
      body: '',
    });
    const noDetail = await t.fetch('/api/ITEMS/tools/7', { method: 'POST', body: 'hi' });
    expect(await noDetail.json()).toMatchObject({ params: { category: 'tools', id: '7' }, body: 'hi' });
  });

  it('refuses what the real host refuses: a failed constraint, a wrong method, a missing prefix', async () => {
    expect((await t.fetch('/api/items/tools/notanint')).status).toBe(404);
    expect((await t.fetch('/api/items/tools/1', { method: 'DELETE' })).status).toBe(404);
    expect((await t.fetch('/items/tools/1')).status).toBe(404);
  });

  it('routes by method and returns status, headers and body', async () => {
    const res = await t.fetch('/api/items/tools', { method: 'PUT' });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-fixture')).toBe('yes');
    expect(await res.text()).toBe('created');
    expect(await (await t.fetch('/api/defaultRoute')).text()).toBe('default');
  });
});

describe('timer triggers', () => {
  it('fires on its six-field NCRONTAB schedule (from a %setting%) on the virtual clock, with schedule status', async () => {
    fixture.fixtureState.timerFirings.length = 0;
    clock.advance(4 * 60_000);
    await t.runUntilIdle({ maxAdvanceMs: 0 });
    expect(fixture.fixtureState.timerFirings).toHaveLength(0);
    clock.advance(60_000);
    await t.runUntilIdle({ maxAdvanceMs: 0 });
    clock.advance(5 * 60_000);
    await t.runUntilIdle({ maxAdvanceMs: 0 });
    expect(fixture.fixtureState.timerFirings).toEqual([
      { isPastDue: false, last: '0001-01-01T00:00:00', next: '2026-03-01T00:10:00.000Z' },
      { isPastDue: false, last: '2026-03-01T00:05:00.000Z', next: '2026-03-01T00:15:00.000Z' },
    ]);
  });

  it('fires on demand', async () => {
    fixture.fixtureState.timerFirings.length = 0;
    await t.fireTimer('everyFiveMinutes');
    expect(fixture.fixtureState.timerFirings).toHaveLength(1);
  });
});

describe('queue triggers on Azurite', () => {
  it('delivers JSON messages with trigger metadata', async () => {
    fixture.fixtureState.queueSeen.length = 0;
    await t.enqueue('fixture-work', { job: 1 });
    await waitFor(() => fixture.fixtureState.queueSeen.length >= 1);
    expect(fixture.fixtureState.queueSeen[0]).toMatchObject({ message: { job: 1 }, dequeueCount: 1 });
    expect(typeof fixture.fixtureState.queueSeen[0]!.id).toBe('string');
  });

  it('moves a message to <queue>-poison after maxDequeueCount (5) failures', async () => {
    fixture.fixtureState.queueSeen.length = 0;
    await t.enqueue('fixture-work', { fail: true, n: 2 });
    let poison: string[] = [];
    await waitFor(async () => {
      poison = poison.concat(await t.drainPoison('fixture-work'));
      return poison.length > 0;
    });
    expect(poison.map((p) => JSON.parse(p) as unknown)).toEqual([{ fail: true, n: 2 }]);
    expect(fixture.fixtureState.queueSeen.map((s) => s.dequeueCount)).toEqual([1, 2, 3, 4, 5]);
  });
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

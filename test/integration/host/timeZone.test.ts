import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteHandle } from '../../../local/azurite';
import { VirtualClock } from '../../../local/clock';
import { createTestHost, type TestHost } from '../../../local/host/testing';

/**
 * The local host fires timers in WEBSITE_TIME_ZONE as the real timer host does (issue 14, defect
 * 8): `0 0 2 * * *` in Europe/Berlin fires once on the night the clocks go back (2025-10-26).
 */

let azurite: AzuriteHandle;
let t: TestHost;
let fixture: typeof import('./fixtures/app');
const clock = new VirtualClock(new Date('2025-10-24T12:00:00Z'));

beforeAll(async () => {
  azurite = await startAzurite();
  t = await createTestHost({
    appRoot: process.cwd(),
    clock,
    app: async () => {
      fixture = await import('./fixtures/app');
    },
    settings: {
      FIXTURE_SCHEDULE: '0 0 2 * * *',
      FIXTURE_QUEUE: 'fixture-tz',
      WEBSITE_TIME_ZONE: 'Europe/Berlin',
      AzureWebJobsStorage: azurite.connectionString,
    },
    queues: { visibilityTimeoutMs: 0 },
  });
});
afterAll(async () => {
  await t?.stop();
  await azurite?.stop();
});

describe('timer triggers in WEBSITE_TIME_ZONE', () => {
  it('fires 02:00 local time, once on the night the clocks go back', async () => {
    fixture.fixtureState.timerFirings.length = 0;
    for (let i = 0; i < 4 * 24; i++) {
      clock.advance(3600_000);
      await t.runUntilIdle({ maxAdvanceMs: 0 });
    }
    // Each firing reports the previous one (`last`) and the one it armed (`next`).
    expect(fixture.fixtureState.timerFirings.map((f) => [f.last, f.next])).toEqual([
      ['0001-01-01T00:00:00', '2025-10-26T00:00:00.000Z'], // 2025-10-25 02:00 CEST
      ['2025-10-25T00:00:00.000Z', '2025-10-27T01:00:00.000Z'], // 10-26 02:00 CEST, not 02:00 CET
      ['2025-10-26T00:00:00.000Z', '2025-10-28T01:00:00.000Z'], // 2025-10-27 02:00 CET
      ['2025-10-27T01:00:00.000Z', '2025-10-29T01:00:00.000Z'], // 2025-10-28 02:00 CET
    ]);
    expect(fixture.fixtureState.timerFirings.every((f) => !f.isPastDue)).toBe(true);
  });
});

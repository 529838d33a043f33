import { describe, expect, it } from 'vitest';
import { decideRpoBreach, rpoMs } from '../../../shared/backups/rpo';
import { scheduleIntervalMs, timerSchedule } from '../../../shared/schedule/timer';
import { loadConfig } from '../../../shared/config';

/**
 * The RPO limit follows WEBSITE_TIME_ZONE the way the Functions timer fires (issue 14, defect 8).
 * Expected firings are those of the timer host (NCrontab in local time, then CronSchedule's DST
 * rules): a time skipped by "spring forward" fires one hour later by the wall clock (the standard
 * offset), a point-in-time schedule in the repeated hour of "fall back" fires once (the first
 * time), an interval schedule runs through the repeated hour.
 */

const HOUR = 3600_000;
const at = (iso: string) => new Date(iso);

/** The next `n` firings after `from`, as the host computes them (each from the previous one). */
function firings(expression: string, timeZone: string, from: string, n: number): string[] {
  const schedule = timerSchedule(expression, timeZone);
  const out: string[] = [];
  let t = at(from);
  for (let i = 0; i < n; i++) {
    t = schedule.next(t);
    out.push(t.toISOString());
  }
  return out;
}

describe('RPO in Europe/Berlin (clocks go back 2025-10-26 03:00 CEST, forward 2025-03-30 02:00 CET)', () => {
  it('fires 02:00 once on the night the clocks go back: a 25 h gap', () => {
    expect(firings('0 0 2 * * *', 'Europe/Berlin', '2025-10-24T12:00:00Z', 3)).toEqual([
      '2025-10-25T00:00:00.000Z', // 02:00 CEST
      '2025-10-26T00:00:00.000Z', // 02:00 CEST, not again at 02:00 CET
      '2025-10-27T01:00:00.000Z', // 02:00 CET
    ]);
  });

  it('the repro: a backup 20 minutes into its run after the clocks went back is no breach', () => {
    const now = at('2025-10-27T01:20:00Z');
    const limit = rpoMs({ rpoHours: 0, schedule: '0 0 2 * * *', timeZone: 'Europe/Berlin', now });
    expect(limit).toBe(26 * HOUR);
    const newest = at('2025-10-26T00:05:00Z');
    expect(decideRpoBreach({ newestVerifiedAt: newest, now, rpoMs: limit }).breached).toBe(false);
    // ... and it still is a breach once the extra hour of grace is spent.
    const late = at('2025-10-27T02:06:00Z');
    expect(decideRpoBreach({ newestVerifiedAt: newest, now: late, rpoMs: limit }).breached).toBe(true);
  });

  it('the default schedule (every 6 h from local midnight) has a 7 h gap that night', () => {
    expect(firings('0 0 */6 * * *', 'Europe/Berlin', '2025-10-25T20:00:00Z', 2)).toEqual([
      '2025-10-25T22:00:00.000Z', // 00:00 CEST
      '2025-10-26T05:00:00.000Z', // 06:00 CET
    ]);
    const now = at('2025-10-26T05:20:00Z');
    expect(scheduleIntervalMs('0 0 */6 * * *', now, 'Europe/Berlin')).toBe(7 * HOUR);
    expect(rpoMs({ rpoHours: 0, schedule: '0 0 */6 * * *', timeZone: 'Europe/Berlin', now })).toBe(8 * HOUR);
  });

  it('an interval schedule runs through the repeated hour', () => {
    expect(firings('0 */30 * * * *', 'Europe/Berlin', '2025-10-25T23:10:00Z', 5)).toEqual([
      '2025-10-25T23:30:00.000Z', // 01:30 CEST
      '2025-10-26T00:00:00.000Z', // 02:00 CEST
      '2025-10-26T00:30:00.000Z', // 02:30 CEST
      '2025-10-26T01:00:00.000Z', // 02:00 CET
      '2025-10-26T01:30:00.000Z', // 02:30 CET
    ]);
    expect(scheduleIntervalMs('0 */30 * * * *', at('2025-10-26T01:10:00Z'), 'Europe/Berlin')).toBe(HOUR / 2);
  });

  it('a point-in-time schedule started in the repeated hour (standard time) skips the second 02:30', () => {
    expect(firings('0 30 2 * * *', 'Europe/Berlin', '2025-10-26T01:10:00Z', 1)).toEqual([
      '2025-10-27T01:30:00.000Z',
    ]);
  });

  it('a time skipped by spring forward fires an hour later by the wall clock; the gaps shrink', () => {
    expect(firings('0 30 2 * * *', 'Europe/Berlin', '2025-03-28T12:00:00Z', 3)).toEqual([
      '2025-03-29T01:30:00.000Z', // 02:30 CET
      '2025-03-30T01:30:00.000Z', // 02:30 does not exist: 03:30 CEST
      '2025-03-31T00:30:00.000Z', // 02:30 CEST
    ]);
    expect(firings('0 0 */6 * * *', 'Europe/Berlin', '2025-03-29T22:00:00Z', 2)).toEqual([
      '2025-03-29T23:00:00.000Z', // 00:00 CET
      '2025-03-30T04:00:00.000Z', // 06:00 CEST: a 5 h gap
    ]);
    const now = at('2025-03-31T00:50:00Z');
    expect(rpoMs({ rpoHours: 0, schedule: '0 30 2 * * *', timeZone: 'Europe/Berlin', now })).toBe(25 * HOUR);
  });
});

describe('RPO in America/New_York (back 2025-11-02 02:00 EDT, forward 2025-03-09 02:00 EST)', () => {
  it('01:30 runs once on the night the clocks go back; 20 minutes into the next run is no breach', () => {
    expect(firings('0 30 1 * * *', 'America/New_York', '2025-11-01T00:00:00Z', 3)).toEqual([
      '2025-11-01T05:30:00.000Z', // 01:30 EDT
      '2025-11-02T05:30:00.000Z', // 01:30 EDT, not again at 01:30 EST
      '2025-11-03T06:30:00.000Z', // 01:30 EST
    ]);
    const now = at('2025-11-03T06:50:00Z');
    const limit = rpoMs({ rpoHours: 0, schedule: '0 30 1 * * *', timeZone: 'America/New_York', now });
    expect(limit).toBe(26 * HOUR);
    expect(
      decideRpoBreach({ newestVerifiedAt: at('2025-11-02T05:35:00Z'), now, rpoMs: limit }).breached,
    ).toBe(false);
  });

  it('02:30 on the spring-forward night fires at 03:30 EDT', () => {
    expect(firings('0 30 2 * * *', 'America/New_York', '2025-03-08T00:00:00Z', 3)).toEqual([
      '2025-03-08T07:30:00.000Z', // 02:30 EST
      '2025-03-09T07:30:00.000Z', // 03:30 EDT
      '2025-03-10T06:30:00.000Z', // 02:30 EDT
    ]);
    const now = at('2025-03-10T06:50:00Z');
    expect(rpoMs({ rpoHours: 0, schedule: '0 30 2 * * *', timeZone: 'America/New_York', now })).toBe(
      25 * HOUR,
    );
  });

  it('a configured RPO is used as is', () => {
    const now = at('2025-11-03T06:50:00Z');
    expect(rpoMs({ rpoHours: 2, schedule: '0 30 1 * * *', timeZone: 'America/New_York', now })).toBe(
      2 * HOUR,
    );
  });
});

describe('NCrontab day-of-month and day-of-week', () => {
  it('both must match (AND, unlike classic cron): `0 0 0 13 * 5` is Friday the 13th only', () => {
    expect(firings('0 0 0 13 * 5', 'UTC', '2025-01-01T00:00:00Z', 3)).toEqual([
      '2025-06-13T00:00:00.000Z',
      '2026-02-13T00:00:00.000Z',
      '2026-03-13T00:00:00.000Z',
    ]);
    // Gaps around 2025-07-01 (two runs back, two ahead): Dec 2024 to Jun 2025 182 days, Jun 2025
    // to Feb 2026 245 days, Feb to Mar 2026 28 days.
    expect(scheduleIntervalMs('0 0 0 13 * 5', at('2025-07-01T00:00:00Z'), 'UTC', 2)).toBe(245 * 24 * HOUR);
  });
});

describe('WEBSITE_TIME_ZONE', () => {
  it('defaults to UTC and accepts IANA (tz database) names', () => {
    expect(loadConfig({}).backup.timeZone).toBe('UTC');
    expect(loadConfig({ WEBSITE_TIME_ZONE: 'Europe/Berlin' }).backup.timeZone).toBe('Europe/Berlin');
  });

  it('refuses a Windows zone id or an unknown name as a configuration error naming the setting', () => {
    for (const zone of ['W. Europe Standard Time', 'Europe/Atlantis', '+01:00']) {
      let message = '';
      try {
        loadConfig({ WEBSITE_TIME_ZONE: zone });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toContain('WEBSITE_TIME_ZONE');
      expect(message).toContain('IANA');
    }
  });
});

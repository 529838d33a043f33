import { describe, expect, it } from 'vitest';
import { compileRoute, stripPrefix } from '../../../../local/host/routes';
import { parseTimeSpan, resolveBindingOptions } from '../../../../local/host/settings';
import { checkDeterminism, retryDelay } from '../../../../local/host/durable/engine';
import { parseSchedule } from '../../../../local/host/timers';

describe('route templates', () => {
  it('matches parameters, constraints, optional and catch-all segments case-insensitively', () => {
    const r = compileRoute('Items/{id:int}/{rest?}');
    expect(r.match(['items', '5'])).toEqual({ id: '5' });
    expect(r.match(['ITEMS', '5', 'x'])).toEqual({ id: '5', rest: 'x' });
    expect(r.match(['items', 'five'])).toBeUndefined();
    expect(compileRoute('files/{*path}').match(['files', 'a', 'b%20c'])).toEqual({ path: 'a/b c' });
    expect(stripPrefix('/api/x', 'api')).toEqual(['x']);
    expect(stripPrefix('/x', 'api')).toBeUndefined();
  });
});

describe('settings', () => {
  it('parses TimeSpans and resolves %Setting% references, naming a missing one', () => {
    expect(parseTimeSpan('00:00:30')).toBe(30_000);
    expect(parseTimeSpan('1.02:00:00')).toBe(26 * 3600_000);
    expect(parseTimeSpan('soon')).toBeUndefined();
    expect(
      resolveBindingOptions('f', { type: 'queueTrigger', queueName: '%Q%-in' }, { Q: 'jobs' }),
    ).toMatchObject({ queueName: 'jobs-in' });
    expect(() => resolveBindingOptions('f', { queueName: '%MISSING%' }, {})).toThrow(
      /f.*queueName.*%MISSING%/,
    );
  });
});

describe('retry backoff and determinism check', () => {
  it('computes min(first × coefficient^(attempt-1), max)', () => {
    const o = {
      firstRetryIntervalInMilliseconds: 1000,
      maxNumberOfAttempts: 5,
      backoffCoefficient: 2,
      maxRetryIntervalInMilliseconds: 5000,
    };
    expect([1, 2, 3, 4].map((a) => retryDelay(o, a))).toEqual([1000, 2000, 4000, 5000]);
  });

  it('compares kind and name (case-insensitively) per sequence number, not inputs', () => {
    const recorded = [{ id: 0, kind: 'activity' as const, name: 'Hello' }];
    expect(
      checkDeterminism(recorded, [{ actionType: 0, functionName: 'hello', input: 'other' }]),
    ).toBeUndefined();
    expect(checkDeterminism(recorded, [{ actionType: 5, fireAt: '2026-01-01T00:00:00Z' }])).toContain(
      'CreateTimerOrchestratorAction',
    );
    expect(checkDeterminism(recorded, [])).toContain("hasn't (yet?) scheduled");
  });
});

describe('timer schedules', () => {
  it('accepts six-field NCRONTAB and TimeSpan, refuses five fields', () => {
    expect(parseSchedule('t', '0 */5 * * * *').next(new Date('2026-01-01T00:01:00Z')).toISOString()).toBe(
      '2026-01-01T00:05:00.000Z',
    );
    expect(parseSchedule('t', '00:10:00').next(new Date('2026-01-01T00:00:00Z')).toISOString()).toBe(
      '2026-01-01T00:10:00.000Z',
    );
    expect(() => parseSchedule('t', '*/5 * * * *')).toThrow(/six-field/);
  });
});

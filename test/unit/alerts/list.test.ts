import { describe, expect, it } from 'vitest';
import { parseListQuery } from '../../../shared/alerts/list';
import {
  daysBetween,
  decisionBlobName,
  newestFirst,
  withRecent,
  RECENT_MAX,
} from '../../../shared/alerts/store';
import type { AlertDecision } from '../../../shared/alerts/decision';

const NOW = new Date('2026-03-10T12:00:00Z');

describe('parseListQuery', () => {
  it('defaults to the last 24 hours and 100', () => {
    expect(parseListQuery({ since: null, limit: null }, NOW, 90)).toEqual({
      ok: true,
      since: new Date('2026-03-09T12:00:00Z'),
      limit: 100,
    });
  });

  it('reads an ISO date-time or date', () => {
    expect(parseListQuery({ since: '2026-03-10T11:00:00.5+01:00', limit: '5' }, NOW, 90)).toMatchObject({
      ok: true,
      since: new Date('2026-03-10T10:00:00.500Z'),
      limit: 5,
    });
    expect(parseListQuery({ since: '2026-03-01', limit: null }, NOW, 90)).toMatchObject({ ok: true });
  });

  it.each([
    ['yesterday', null, /^since: must be an ISO 8601/],
    ['1741600000', null, /^since: must be an ISO 8601/],
    ['2026-02-30T00:00:00Z', null, /^since: must be an ISO 8601/],
    ['2027-01-01T00:00:00Z', null, /^since: must not be in the future/],
    ['2025-01-01T00:00:00Z', null, /^since: must be within the last 90 days/],
    [null, '0', /^limit: /],
    [null, '1001', /^limit: /],
    [null, 'ten', /^limit: /],
  ])('since=%s limit=%s → 400 naming the field', (since, limit, message) => {
    const q = parseListQuery({ since, limit }, NOW, 90);
    expect(q.ok).toBe(false);
    if (!q.ok) expect(q.message).toMatch(message);
  });
});

const dec = (decidedAt: string, alertId = 'a'): AlertDecision => ({
  alertId,
  decision: 'ignored',
  reason: 'r',
  decidedAt,
});

describe('store helpers', () => {
  it('names a decision blob by day and time, the same for the same decision', () => {
    const d = dec('2026-03-10T11:59:59.123Z');
    expect(decisionBlobName(d)).toMatch(/^decisions\/2026-03-10\/20260310T115959\.123Z-[a-f0-9]{16}\.json$/);
    expect(decisionBlobName({ ...d })).toBe(decisionBlobName(d));
    expect(decisionBlobName({ ...d, alertId: 'b' })).not.toBe(decisionBlobName(d));
    // Two deliveries decided in the same millisecond are two records.
    expect(decisionBlobName({ ...d, messageId: 'm1' })).not.toBe(decisionBlobName({ ...d, messageId: 'm2' }));
  });

  it('lists days newest first', () => {
    expect(daysBetween(new Date('2026-02-27T23:00:00Z'), NOW)).toEqual([
      '2026-03-10',
      '2026-03-09',
      '2026-03-08',
      '2026-03-07',
      '2026-03-06',
      '2026-03-05',
      '2026-03-04',
      '2026-03-03',
      '2026-03-02',
      '2026-03-01',
      '2026-02-28',
      '2026-02-27',
    ]);
  });

  it('recent: newest first, capped, the same decision once', () => {
    let r = withRecent(undefined, dec('2026-03-10T00:00:01Z', 'x'), NOW);
    r = withRecent(r, dec('2026-03-10T00:00:01Z', 'x'), NOW);
    expect(r.decisions).toHaveLength(1);
    for (let i = 0; i < 70; i++)
      r = withRecent(r, dec(new Date(Date.UTC(2026, 2, 10, 1, 0, 70 - i)).toISOString(), `a${i}`), NOW);
    expect(r.decisions).toHaveLength(RECENT_MAX);
    expect(r.decisions).toEqual(newestFirst(r.decisions));
    expect(r.decisions[0]!.alertId).toBe('a0');
  });
});

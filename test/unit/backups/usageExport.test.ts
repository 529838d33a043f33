import { describe, expect, it } from 'vitest';
import { reportFilter } from '../../../shared/apim/reports';
import {
  exportPeriod,
  exportsToPrune,
  parseUsageExportName,
  toJsonLines,
  usageExportBlobName,
  usageExportOutcome,
} from '../../../shared/backups/usageExport';
import { usageExportLine } from '../../../shared/status/rules/usageExport';

/** Issue 22, item 14: the pure decisions of the APIM usage export. */

const DAY = 86_400_000;
const NOW = new Date('2026-03-10T00:30:00Z');

describe('usage export decisions', () => {
  it('the period runs from the previous export to now; the first covers one schedule interval', () => {
    expect(exportPeriod({ previousTo: undefined, now: NOW, intervalMs: DAY })).toEqual({
      from: new Date(NOW.getTime() - DAY),
      to: NOW,
    });
    const prev = new Date(NOW.getTime() - 3 * DAY);
    expect(exportPeriod({ previousTo: prev, now: NOW, intervalMs: DAY })).toEqual({ from: prev, to: NOW });
  });

  it('after a long outage the period is capped and the gap is said; a previous end in the future is ignored', () => {
    const long = new Date(NOW.getTime() - 40 * DAY);
    expect(exportPeriod({ previousTo: long, now: NOW, intervalMs: DAY })).toEqual({
      from: new Date(NOW.getTime() - 30 * DAY),
      to: NOW,
      gapFrom: long,
    });
    const future = new Date(NOW.getTime() + DAY);
    expect(exportPeriod({ previousTo: future, now: NOW, intervalMs: DAY }).from).toEqual(
      new Date(NOW.getTime() - DAY),
    );
  });

  it('JSON lines: one record a line, with its report and period, in report order', () => {
    const text = toJsonLines(
      { from: new Date('2026-03-09T00:30:00Z'), to: NOW },
      {
        byApi: [{ name: 'cart', callCountTotal: 3 }],
        byOperation: [],
        byTime: [{ timestamp: 't', callCountTotal: 3 }],
      },
    );
    expect(text.split('\n')).toEqual([
      '{"report":"byApi","periodFrom":"2026-03-09T00:30:00.000Z","periodTo":"2026-03-10T00:30:00.000Z","name":"cart","callCountTotal":3}',
      '{"report":"byTime","periodFrom":"2026-03-09T00:30:00.000Z","periodTo":"2026-03-10T00:30:00.000Z","timestamp":"t","callCountTotal":3}',
      '',
    ]);
    expect(toJsonLines({ from: NOW, to: NOW }, { byApi: [], byOperation: [], byTime: [] })).toBe('');
  });

  it('names round-trip; a foreign blob is never an export', () => {
    const name = usageExportBlobName('Shop', NOW);
    expect(name).toBe('_reports/shop/shop-20260310T003000Z.jsonl');
    expect(parseUsageExportName(name, 'shop')).toEqual(NOW);
    expect(parseUsageExportName('_reports/shop/notes.txt', 'shop')).toBeUndefined();
    expect(parseUsageExportName('_reports/shop/shopx-20260310T003000Z.jsonl', 'shop')).toBeUndefined();
  });

  it('pruning follows the backups rule: older than the retention goes, the newest N stay, foreign blobs stay', () => {
    const at = (days: number) => usageExportBlobName('shop', new Date(NOW.getTime() - days * DAY));
    const names = [at(10), at(9), at(8), at(0.5), '_reports/shop/readme.txt'];
    expect(exportsToPrune(names, 'shop', { now: NOW, retentionDays: 7, keepNewest: 2 })).toEqual([
      at(9),
      at(10),
    ]);
    expect(exportsToPrune([at(10)], 'shop', { now: NOW, retentionDays: 1, keepNewest: 1 })).toEqual([]);
  });

  it('the run is partial when some services failed, and names the first', () => {
    expect(usageExportOutcome([{ service: 'a', outcome: 'succeeded' }]).outcome).toBe('succeeded');
    const mixed = usageExportOutcome([
      { service: 'a', outcome: 'succeeded' },
      { service: 'b', outcome: 'failed', error: { code: 'Boom', message: 'down' } },
    ]);
    expect(mixed.outcome).toBe('partial');
    expect(mixed.error?.message).toBe(
      '1 of 2 usage exports failed (first: b: down); the next export covers their period',
    );
    expect(
      usageExportOutcome([{ service: 'b', outcome: 'failed', error: { code: 'X', message: 'y' } }]).outcome,
    ).toBe('failed');
  });

  it("the filter is the REST examples' timestamp range, in UTC without a zone", () => {
    expect(reportFilter(new Date('2017-06-01T00:00:00Z'), new Date('2017-06-04T00:00:00.500Z'))).toBe(
      "timestamp ge datetime'2017-06-01T00:00:00' and timestamp le datetime'2017-06-04T00:00:00'",
    );
    expect(() => reportFilter(NOW, new Date(NOW.getTime() - 1))).toThrow(RangeError);
  });
});

describe('the status page line', () => {
  const newest = {
    blobName: '_reports/shop/shop-20260310T003000Z.jsonl',
    from: '2026-03-09T00:30:00.000Z',
    to: '2026-03-10T00:30:00.000Z',
    exportedAt: '2026-03-10T00:30:00.000Z',
    records: { byApi: 2, byOperation: 3, byTime: 4 },
    sizeBytes: 100,
  };
  it('no export yet', () => {
    expect(usageExportLine('shop', undefined, NOW)).toEqual({
      service: 'shop',
      newest: null,
      lastAttempt: null,
      text: 'no usage export yet',
    });
  });
  it('the newest export, and a failed attempt after it', () => {
    const later = new Date(NOW.getTime() + 2 * 3_600_000);
    const line = usageExportLine(
      'shop',
      {
        service: 'shop',
        newest,
        lastAttempt: {
          at: later.toISOString(),
          outcome: 'failed',
          error: { code: 'X', message: 'ARM answered 503' },
        },
      },
      later,
    );
    expect(line.newest).toEqual(newest);
    expect(line.text).toContain(`in ${newest.blobName}`);
    expect(line.text).toContain('(2 by API, 3 by operation, 4 by time)');
    expect(line.text).toMatch(/; the last attempt .* ago failed: ARM answered 503$/);
  });
});

import { describe, expect, it } from 'vitest';
import { parseReportFilter, parseReportInterval } from '../../../../local/arm/resources/apim/reports';

/** The ARM emulator's reports rules (local/arm/resources/apim/reports.ts says where each comes from). */

describe('emulated reports: $filter and interval', () => {
  it('$filter is required and must bound the period with timestamp ge', () => {
    expect(parseReportFilter(null)).toMatchObject({ status: 400, code: 'ValidationError' });
    expect(parseReportFilter('  ')).toMatchObject({ status: 400 });
    expect(parseReportFilter("timestamp le datetime'2017-06-04T00:00:00'")).toMatchObject({ status: 400 });
  });

  it("reads the examples' range, UTC when no zone is named, and an open end", () => {
    expect(
      parseReportFilter(
        "timestamp ge datetime'2017-06-01T00:00:00' and timestamp le datetime'2017-06-04T00:00:00'",
      ),
    ).toEqual({ from: Date.UTC(2017, 5, 1), to: Date.UTC(2017, 5, 4) });
    expect(parseReportFilter("timestamp ge datetime'2017-06-01T00:00:00Z'")).toEqual({
      from: Date.UTC(2017, 5, 1),
      to: Number.MAX_SAFE_INTEGER,
    });
  });

  it('refuses what it does not model, saying so, and operators timestamp does not support', () => {
    const other = parseReportFilter("timestamp ge datetime'2017-06-01T00:00:00' and apiId eq 'x'");
    expect(other).toMatchObject({ status: 400 });
    expect((other as { message: string }).message).toContain('not supported by the emulator');
    expect(parseReportFilter("timestamp gt datetime'2017-06-01T00:00:00'")).toMatchObject({ status: 400 });
    expect(parseReportFilter("timestamp ge '2017-06-01'")).toMatchObject({ status: 400 });
  });

  it('interval: a non-zero multiple of 15 minutes as an ISO 8601 duration', () => {
    expect(parseReportInterval('PT15M')).toBe(15 * 60_000);
    expect(parseReportInterval('PT1H')).toBe(3_600_000);
    expect(parseReportInterval('P1D')).toBe(86_400_000);
    expect(parseReportInterval('PT10M')).toBeUndefined();
    expect(parseReportInterval('PT0M')).toBeUndefined();
    expect(parseReportInterval('P')).toBeUndefined();
    expect(parseReportInterval(null)).toBeUndefined();
  });
});

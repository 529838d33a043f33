/**
 * The APIM usage reports Lifeboat exports (issue 22, item 14): usage analytics are not in a backup
 * (docs/reference/apim-backup-restore.md, "The backup blob"), so they are exported on their own.
 * ARM `GET {service}/reports/byApi|byOperation|byTime?$filter=timestamp ge datetime'…' and
 * timestamp le datetime'…'` (`byTime` also takes `interval`, a multiple of 15 minutes). Pure.
 */

/** The reports exported, as ARM names their paths. */
export const REPORT_KINDS = ['byApi', 'byOperation', 'byTime'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/** The aggregation interval of the by-time report: 15 minutes, the smallest the service allows. */
export const REPORT_INTERVAL = 'PT15M';

/** One report record as exported: the service's fields, times as ISO text; absent fields are left out. */
export type UsageRecord = Record<string, string | number>;

/** `datetime'yyyy-MM-ddTHH:mm:ss'` in UTC, the form of the REST examples' `$filter`. */
function datetime(at: Date): string {
  return `datetime'${at.toISOString().slice(0, 19)}'`;
}

/** The `$filter` of a period: `timestamp ge datetime'<from>' and timestamp le datetime'<to>'`. */
export function reportFilter(from: Date, to: Date): string {
  if (!(from.getTime() <= to.getTime())) throw new RangeError('reportFilter: from must not be after to');
  return `timestamp ge ${datetime(from)} and timestamp le ${datetime(to)}`;
}

import type { EmulatorContext } from '../../context';
import type { EmulatedService, UsageCall } from '../../model';
import { faultAnswer, send, sendError } from '../../respond';
import { armPath, type ArmRoute } from '../../route';
import type { ArmError } from '../../validation';
import { parsePaging } from './lists';
import { APIM_SERVICE, requestedService, serviceNotFound } from './service';

/**
 * GET a service's usage reports `reports/byApi`, `reports/byOperation` and `reports/byTime`
 * (operations Reports_ListByApi, Reports_ListByOperation, Reports_ListByTime of the REST spec
 * `apimreports.json`, api-version 2024-05-01; record shapes from its examples
 * `ApiManagementGetReportsByApi.json`, `...ByOperation.json`, `...ByTime.json`), aggregated from the
 * service's seeded gateway traffic (`usage`). Each rule says where it comes from:
 *
 * - `$filter` is required: the spec declares it `"required": true` on every reports operation. A
 *   request without it is refused. The live status, code and message are not documented (inferred:
 *   400 `ValidationError`).
 * - The filter is a timestamp range, `timestamp ge datetime'…' and timestamp le datetime'…'`: the
 *   examples' form; `timestamp` supports `ge` and `le` (the spec's field table). A filter without a
 *   `timestamp ge` bound is refused (inferred: the reports aggregate a period). Other fields the
 *   table allows (`apiId eq`, `productId eq`…) are not modelled and are refused, saying so.
 * - `byTime` requires `interval` (`"required": true` in the spec), an ISO 8601 duration that "must
 *   be multiple of 15 minutes and may not be zero" (the spec's `ReportRecordContract.interval`).
 * - Paging: the operations are `x-ms-pageable` with `nextLink`, and take `$top`/`$skip` as the
 *   lists do (./lists.ts): an absolute `nextLink` carrying every query parameter, absent on the
 *   last page (the examples end with `"nextLink": ""`; the SDK stops on both).
 * - `byApi` lists every API of the service, with zeros when it had no calls (the example's
 *   "Echo API"); `byOperation` lists the operations that had calls (operations are not modelled);
 *   `byTime` lists the intervals that had calls (the example's range of three days has two).
 *   Backend times (`serviceTime*`) are not modelled: they equal the API times. Cache counts are 0.
 */
export const apimReports: ArmRoute = {
  name: 'apim reports',
  pattern: armPath(`${APIM_SERVICE}/reports/(?<report>byApi|byOperation|byTime)`),
  method: 'GET',
  wrongMethod: (method, params) => `Reports are read with GET (reports/${params['report']}), not ${method}.`,
  handle(ctx, request) {
    const { res, url, apiVersion } = request;
    const { name, service } = requestedService(ctx, request);
    const fault = ctx.takeFault('reports');
    if (fault && faultAnswer(res, fault, name)) return Promise.resolve();
    if (!service) {
      sendError(res, serviceNotFound(request));
      return Promise.resolve();
    }
    const report = (request.params['report'] ?? '').toLowerCase();
    const page = reportPage(ctx, service, report, url, apiVersion);
    if ('body' in page) send(res, 200, page.body);
    else sendError(res, page);
    return Promise.resolve();
  },
};

const invalid = (message: string): ArmError => ({ status: 400, code: 'ValidationError', message });

/** `datetime'2017-06-01T00:00:00'` (UTC when it names no zone, as the examples write it). */
const DATETIME = /^datetime'(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?)(Z)?'$/i;

/** The timestamp range of a `$filter`, or why it is refused. */
export function parseReportFilter(filter: string | null): { from: number; to: number } | ArmError {
  if (filter === null || filter.trim() === '')
    return invalid(
      "The '$filter' query parameter is required: a timestamp range, e.g. timestamp ge datetime'2017-06-01T00:00:00' and timestamp le datetime'2017-06-04T00:00:00'.",
    );
  let from: number | undefined;
  let to: number | undefined;
  for (const clause of filter.split(/\s+and\s+/i)) {
    const parts = clause.trim().split(/\s+/);
    if (parts.length !== 3) return invalid(`'$filter': cannot read the clause '${clause.slice(0, 100)}'.`);
    const [field = '', op = '', value = ''] = parts;
    if (field.toLowerCase() !== 'timestamp')
      return invalid(
        `'$filter': the field '${field.slice(0, 40)}' is not supported by the emulator (only timestamp).`,
      );
    const t = DATETIME.exec(value);
    const at = t === null ? Number.NaN : Date.parse(`${t[1]}Z`);
    if (Number.isNaN(at))
      return invalid(`'$filter': '${value.slice(0, 60)}' is not a datetime'yyyy-MM-ddTHH:mm:ss' value.`);
    if (op.toLowerCase() === 'ge') from = at;
    else if (op.toLowerCase() === 'le') to = at;
    else return invalid(`'$filter': timestamp supports ge and le, not '${op.slice(0, 10)}'.`);
  }
  if (from === undefined) return invalid("'$filter' must bound the period with 'timestamp ge datetime'…''.");
  return { from, to: to ?? Number.MAX_SAFE_INTEGER };
}

const QUARTER_MS = 15 * 60_000;

/** An ISO 8601 duration of days, hours and minutes, a non-zero multiple of 15 minutes; undefined otherwise. */
export function parseReportInterval(text: string | null): number | undefined {
  const m = text === null ? null : /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/i.exec(text);
  if (m === null || (m[1] === undefined && m[2] === undefined && m[3] === undefined)) return undefined;
  const ms = ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60_000;
  return ms > 0 && ms % QUARTER_MS === 0 ? ms : undefined;
}

interface Totals {
  calls: number;
  failed: number;
  blocked: number;
  bandwidth: number;
  timeSum: number;
  timeMin: number;
  timeMax: number;
}

const empty = (): Totals => ({
  calls: 0,
  failed: 0,
  blocked: 0,
  bandwidth: 0,
  timeSum: 0,
  timeMin: 0,
  timeMax: 0,
});

function add(t: Totals, c: UsageCall): void {
  const time = c.apiTimeMs ?? 0;
  t.timeMin = t.calls === 0 ? time : Math.min(t.timeMin, time);
  t.timeMax = t.calls === 0 ? time : Math.max(t.timeMax, time);
  t.calls += c.count;
  t.failed += c.failed ?? 0;
  t.blocked += c.blocked ?? 0;
  t.bandwidth += c.bandwidth ?? 0;
  t.timeSum += time * c.count;
}

/** The counters of a record, in the examples' field order. */
function counters(t: Totals): Record<string, number> {
  const avg = t.calls === 0 ? 0 : t.timeSum / t.calls;
  return {
    callCountSuccess: t.calls - t.failed - t.blocked,
    callCountBlocked: t.blocked,
    callCountFailed: t.failed,
    callCountOther: 0,
    callCountTotal: t.calls,
    bandwidth: t.bandwidth,
    cacheHitCount: 0,
    cacheMissCount: 0,
    apiTimeAvg: avg,
    apiTimeMin: t.timeMin,
    apiTimeMax: t.timeMax,
    serviceTimeAvg: avg,
    serviceTimeMin: t.timeMin,
    serviceTimeMax: t.timeMax,
  };
}

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function records(
  s: EmulatedService,
  report: string,
  calls: UsageCall[],
  intervalMs: number,
  interval: string,
) {
  const groups = new Map<string, { head: Record<string, unknown>; totals: Totals }>();
  const group = (key: string, head: Record<string, unknown>) => {
    const g = groups.get(key) ?? { head, totals: empty() };
    groups.set(key, g);
    return g;
  };
  if (report === 'byapi')
    for (const a of s.configuration.apis)
      if (a.isCurrent !== false) group(a.name, { name: a.displayName ?? a.name, apiId: `/apis/${a.name}` });
  for (const c of calls) {
    if (report === 'byapi') add(group(c.api, { name: c.api, apiId: `/apis/${c.api}` }).totals, c);
    else if (report === 'byoperation')
      add(
        group(`${c.api}\u0000${c.operation}`, {
          name: c.operation,
          apiId: `/apis/${c.api}`,
          operationId: `/apis/${c.api}/operations/${c.operation}`,
        }).totals,
        c,
      );
    else {
      const start = Math.floor(Date.parse(c.at) / intervalMs) * intervalMs;
      add(group(String(start).padStart(16, '0'), { timestamp: isoSeconds(start), interval }).totals, c);
    }
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, g]) => ({ ...g.head, ...counters(g.totals) }));
}

function reportPage(
  ctx: EmulatorContext,
  s: EmulatedService,
  report: string,
  url: URL,
  apiVersion: string,
): { status: 200; body: unknown } | ArmError {
  const period = parseReportFilter(url.searchParams.get('$filter'));
  if ('code' in period) return period;
  const interval = url.searchParams.get('interval');
  let intervalMs = 0;
  if (report === 'bytime') {
    const ms = parseReportInterval(interval);
    if (ms === undefined)
      return invalid(
        "'interval' is required for reports by time: an ISO 8601 duration that is a multiple of 15 minutes and not zero (e.g. PT15M).",
      );
    intervalMs = ms;
  }
  const paging = parsePaging(ctx, url);
  if ('code' in paging) return paging;
  const calls = s.usage.filter((c) => {
    const at = Date.parse(c.at);
    return at >= period.from && at <= period.to;
  });
  const items = records(s, report, calls, intervalMs, interval ?? '');
  const { top, skip } = paging;
  const next = skip + top;
  const query = new URLSearchParams({
    'api-version': apiVersion,
    $filter: url.searchParams.get('$filter') ?? '',
  });
  if (report === 'bytime') query.set('interval', interval ?? '');
  query.set('$top', String(top));
  query.set('$skip', String(next));
  return {
    status: 200,
    body: {
      value: items.slice(skip, next),
      count: items.length,
      ...(next < items.length ? { nextLink: `${ctx.endpoint}${url.pathname}?${query.toString()}` } : {}),
    },
  };
}

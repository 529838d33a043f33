import type { AlertReport, RunReport } from '../plans/report';

/**
 * The alerts attached to a run (issue 20), pure. Attaching costs O(1): each alert is its own
 * record (`runs/<runId>/alerts/<key>.json` in ALERTS_CONTAINER) and one small summary per run
 * keeps the counts and the first and last {@link ATTACHED_LIST_MAX} alerts; the run's report is
 * not rewritten per alert (it was: 120 alerts made a 1.09 MB report and minutes of work). The
 * report shows the summary (merged when the report is written and when a run is read), so a storm
 * of 10,000 alerts keeps it small.
 */

/** How many alerts the summary lists at each end (first N and last N). */
export const ATTACHED_LIST_MAX = 50;
/** Most bytes the listed alerts take (JSON); the middle of the lists gives way beyond it. */
export const ATTACHED_LIST_MAX_BYTES = 96 * 1024;

/** The summary of a run's attached alerts. */
export interface AttachedAlerts {
  v: 1;
  runId: string;
  /** Every alert attached (Fired and Resolved deliveries, each alert id and condition once). */
  total: number;
  /** Fired alerts attached (distinct alert ids). */
  fired: number;
  /** Resolved alerts whose Fired is attached to this run (distinct alert ids). */
  resolved: number;
  /** The first alerts attached, oldest first. */
  first: AlertReport[];
  /** The last alerts attached, oldest first (none of `first`). */
  last: AlertReport[];
  /** Bytes of `first` and `last` as JSON (kept as alerts come and go, for the byte budget). */
  listedBytes: number;
  updatedAt: string;
}

/** The identity of an attachment: alert id (case-folded) and condition. */
export const attachmentKey = (a: Pick<AlertReport, 'alertId' | 'monitorCondition'>) =>
  `${a.alertId.trim().toLowerCase()}|${a.monitorCondition}`;

const bytes = (v: unknown) => (v === undefined ? 0 : Buffer.byteLength(JSON.stringify(v), 'utf8') + 1);

/**
 * The summary after attaching `alert`. `countsAsResolved`: a Resolved whose Fired is attached to
 * this run (only those count toward "every Fired alert resolved"). An alert already listed is not
 * counted again (a retried attach).
 */
export function withAttached(
  current: AttachedAlerts | undefined,
  runId: string,
  alert: AlertReport,
  countsAsResolved: boolean,
  now: Date,
): AttachedAlerts {
  const s: AttachedAlerts = current ?? {
    v: 1,
    runId,
    total: 0,
    fired: 0,
    resolved: 0,
    first: [],
    last: [],
    listedBytes: 0,
    updatedAt: now.toISOString(),
  };
  const key = attachmentKey(alert);
  if (s.first.some((a) => attachmentKey(a) === key) || s.last.some((a) => attachmentKey(a) === key)) return s;
  let listedBytes = s.listedBytes + bytes(alert);
  const first = s.first.length < ATTACHED_LIST_MAX ? [...s.first, alert] : s.first;
  let last = s.first.length < ATTACHED_LIST_MAX ? s.last : [...s.last, alert];
  // A count cap and a byte budget (ids and target lists can be long: up to 2 KB each); the
  // middle gives way: the oldest of `last`, then the newest of `first`.
  while (last.length > 1 && (last.length > ATTACHED_LIST_MAX || listedBytes > ATTACHED_LIST_MAX_BYTES)) {
    listedBytes -= bytes(last[0]);
    last = last.slice(1);
  }
  while (first.length > 1 && listedBytes > ATTACHED_LIST_MAX_BYTES) listedBytes -= bytes(first.pop());
  return {
    ...s,
    total: s.total + 1,
    fired: s.fired + (alert.monitorCondition === 'Fired' ? 1 : 0),
    resolved: s.resolved + (alert.monitorCondition === 'Resolved' && countsAsResolved ? 1 : 0),
    first,
    last,
    listedBytes,
    updatedAt: now.toISOString(),
  };
}

/** The report with the run's attached alerts: what it listed, then the summary's, once each; and the counts. */
export function reportWithAttached(report: RunReport, summary: AttachedAlerts | undefined): RunReport {
  if (summary === undefined) return report;
  const seen = new Set<string>();
  const alerts: AlertReport[] = [];
  for (const a of [...report.alerts.slice(0, ATTACHED_LIST_MAX), ...summary.first, ...summary.last]) {
    const key = attachmentKey(a);
    if (seen.has(key)) continue;
    seen.add(key);
    alerts.push(a);
  }
  return {
    ...report,
    alerts,
    alertCounts: {
      total: Math.max(summary.total, alerts.length),
      fired: summary.fired,
      resolved: summary.resolved,
      listed: alerts.length,
    },
  };
}

const compare = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

/**
 * One summary of a run's attached alerts from its shards (the store spreads concurrent attaches
 * over several summary blobs): the counts add up; the listed alerts are the shards' lists in the
 * order they were received (`receivedAt`, then alert id: alerts received in the same millisecond
 * have no other order across shards), first and last {@link ATTACHED_LIST_MAX} again (the run's first and
 * last alerts are each among their shard's first or last). Undefined when there is no shard.
 */
export function mergeAttached(runId: string, shards: readonly AttachedAlerts[]): AttachedAlerts | undefined {
  if (shards.length === 0) return undefined;
  if (shards.length === 1) return shards[0];
  const listed = shards
    .flatMap((s) => [...s.first, ...s.last])
    .sort((a, b) => compare(a.receivedAt, b.receivedAt) || compare(attachmentKey(a), attachmentKey(b)));
  let merged: AttachedAlerts | undefined;
  for (const a of listed) merged = withAttached(merged, runId, a, false, new Date(0));
  const updatedAt = shards.map((s) => s.updatedAt).reduce((x, y) => (x > y ? x : y));
  return {
    ...(merged ?? shards[0]!),
    total: shards.reduce((n, s) => n + s.total, 0),
    fired: shards.reduce((n, s) => n + s.fired, 0),
    resolved: shards.reduce((n, s) => n + s.resolved, 0),
    updatedAt,
  };
}

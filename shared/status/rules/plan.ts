import type { PlanSummary, RunSummary } from '../../plans/report';
import { light, utcText, worst, type Light } from '../colour';
import type { PlanInput } from '../inputs';
import type { PlanStatus, RunCommand, RunLine } from '../report';

function runLine(r: RunSummary): RunLine {
  return {
    runId: r.runId,
    mode: r.mode,
    state: r.state,
    outcome: r.outcome ?? null,
    percent: r.percent,
    requestedAt: r.requestedAt,
    startedAt: r.startedAt ?? null,
    endedAt: r.endedAt ?? null,
    rto: {
      targetMinutes: r.rto.targetMinutes,
      achievedMinutes: r.rto.achievedMinutes ?? null,
      met: r.rto.met ?? null,
    },
    reportUri: r.reportUri,
    ...(r.failback === true ? { failback: true as const } : {}),
  };
}

const IN_PROGRESS = new Set(['running', 'cleaningUp', 'cancelling', 'waitingForDrill']);

/** The approval request for a pending failover (route and a ready-to-edit curl; never a key). */
export function approveCommand(
  baseUrl: string,
  runId: string,
): { method: 'POST'; path: string; curl: string } {
  const path = `/api/failovers/${encodeURIComponent(runId)}/approve`;
  return {
    method: 'POST',
    path,
    // The approver signs in (App Service Authentication); the body names nobody (issue 20).
    curl: `curl -X POST "${baseUrl.replace(/\/+$/, '')}${path}" -H 'Authorization: Bearer <your sign-in token>'`,
  };
}

/**
 * The last drill that ran to its end (issue 21, item 8): a drill cancelled or preempted part way
 * proves nothing either way, so it neither fails nor passes the plan; the newest such drill after
 * the one used is returned to be mentioned. The summary's `lastDrill` is the last final drill of
 * any kind; older drills come from `recent` (the last 50 runs).
 */
function lastDrillRun(
  s: PlanSummary,
  runs: readonly RunSummary[],
): { drill?: RunSummary; newerCancelled?: RunSummary } {
  const drills = [...(s.lastDrill === undefined ? [] : [s.lastDrill]), ...runs]
    // A failback drill rehearses coming home, not the failover the plan is judged on (issue 23).
    .filter(
      (r) =>
        r.mode === 'drill' && r.failback !== true && (r.state === 'completed' || r.state === 'cancelled'),
    )
    .sort((a, b) => (a.requestedAt < b.requestedAt ? 1 : a.requestedAt > b.requestedAt ? -1 : 0));
  const drill = drills.find((r) => r.state === 'completed');
  const cancelled = drills.find(
    (r) => r.state === 'cancelled' && (drill === undefined || r.requestedAt > drill.requestedAt),
  );
  return {
    ...(drill === undefined ? {} : { drill }),
    ...(cancelled === undefined ? {} : { newerCancelled: cancelled }),
  };
}

/** A decision request on a run (route and a ready-to-edit curl; never a key). */
function runCommand(baseUrl: string, path: string, body: string): RunCommand {
  return {
    method: 'POST',
    path,
    curl: `curl -X POST "${baseUrl.replace(/\/+$/, '')}${path}?code=<function key>" -H 'content-type: application/json' -d '${body}'`,
  };
}

/**
 * The last failover's badge: it moved production to the standby (green when it succeeded, amber
 * partial, red otherwise). It does not colour the plan (a failover is not a fault of the plan);
 * the answer says production runs on the standby ({@link failoverInEffect}).
 */
function failoverLine(f: RunLine): RunLine & Light {
  const when = utcText(f.endedAt ?? f.startedAt ?? f.requestedAt);
  if (f.outcome === 'succeeded')
    return {
      ...f,
      ...light('green', `failover ${f.runId} succeeded (${when}): production runs on the standby`),
    };
  if (f.outcome === 'partial')
    return {
      ...f,
      ...light(
        'amber',
        `failover ${f.runId} ended partial (${when}): part of production runs on the standby`,
      ),
    };
  if (f.outcome === null) return { ...f, ...light('green', `failover ${f.runId} is ${f.state}`) };
  return { ...f, ...light('red', `failover ${f.runId} ended ${f.outcome} (${when})`) };
}

/** The note the answer carries while a failover is in effect (from the run record), or undefined. */
export function failoverInEffect(p: PlanStatus): string | undefined {
  const f = p.lastFailover;
  if (f === null || f.state !== 'completed' || (f.outcome !== 'succeeded' && f.outcome !== 'partial'))
    return undefined;
  // A failback that succeeded after it brought production home (issue 23).
  const b = p.lastFailback;
  if (
    b !== undefined &&
    b.requestedAt > f.requestedAt &&
    b.state === 'completed' &&
    b.outcome === 'succeeded'
  )
    return undefined;
  return `production runs on the standby since ${utcText(f.endedAt ?? f.startedAt ?? f.requestedAt)} (failover ${f.runId} of plan ${p.plan}${f.outcome === 'partial' ? ', ended partial' : ''})`;
}

/** One plan: its last drill, runs in progress, failovers waiting for approval. */
export function planStatus(p: PlanInput, baseUrl: string): PlanStatus {
  const s = p.summary;
  const invalid: Light | undefined =
    p.invalid === undefined || p.invalid.length === 0
      ? undefined
      : light(
          'red',
          `the plan is invalid, so drills and failovers of it are refused: ${p.invalid.slice(0, 3).join('; ')}${p.invalid.length > 3 ? ` (and ${p.invalid.length - 3} more)` : ''}`,
        );
  if (s === undefined)
    return {
      plan: p.plan,
      lastDrill: null,
      lastFailover: null,
      inProgress: [],
      pendingApprovals: [],
      ...(invalid ?? light('unknown', 'no run of this plan is recorded: it has never been drilled')),
    };
  const runs = [...(s.active === undefined ? [] : [s.active]), ...s.recent];
  const seen = new Set<string>();
  const unique = runs.filter((r) => !seen.has(r.runId) && seen.add(r.runId));
  const pendingApprovals = unique
    .filter((r) => r.state === 'pendingApproval')
    .map((r) => ({
      ...runLine(r),
      requestedBy: r.requestedBy ?? null,
      reason: r.reason ?? null,
      expiresAt: r.approvalDeadline ?? null,
      approve: approveCommand(baseUrl, r.runId),
      reject: runCommand(
        baseUrl,
        `/api/failovers/${encodeURIComponent(r.runId)}/reject`,
        '{"comment":"<why>"}',
      ),
      cancel: runCommand(baseUrl, `/api/runs/${encodeURIComponent(r.runId)}/cancel`, '{"reason":"<why>"}'),
    }));
  const inProgress = unique.filter((r) => IN_PROGRESS.has(r.state)).map(runLine);
  const { drill: ranToEnd, newerCancelled } = lastDrillRun(s, unique);
  let lastDrill: PlanStatus['lastDrill'] = null;
  const cancelNote =
    newerCancelled === undefined
      ? ''
      : `; a newer drill ${newerCancelled.runId} (${utcText(newerCancelled.endedAt ?? newerCancelled.requestedAt)}) was cancelled (or preempted) and proves nothing`;
  if (ranToEnd !== undefined) {
    const d = runLine(ranToEnd);
    const rto =
      d.rto.achievedMinutes === null
        ? ''
        : `, RTO ${d.rto.achievedMinutes} min of ${d.rto.targetMinutes} min`;
    const when = utcText(d.endedAt ?? d.startedAt ?? d.requestedAt);
    const l =
      d.outcome === null
        ? light('green', `the last drill (${when}) is ${d.state}`)
        : d.outcome !== 'succeeded'
          ? light('red', `the last drill (${when}) ended ${d.outcome}${rto}`)
          : d.rto.met === false
            ? light('amber', `the last drill (${when}) succeeded but missed its RTO${rto}`)
            : light('green', `the last drill (${when}) succeeded${rto}`);
    lastDrill = { ...d, ...l, reason: `${l.reason}${cancelNote}` };
  }
  const parts: Light[] = [
    ...(invalid === undefined ? [] : [invalid]),
    lastDrill ??
      (newerCancelled === undefined
        ? light('amber', 'this plan has never been drilled')
        : light(
            'amber',
            `no drill of this plan has run to its end: the drill ${newerCancelled.runId} (${utcText(newerCancelled.endedAt ?? newerCancelled.requestedAt)}) was cancelled (or preempted) before its end`,
          )),
    ...pendingApprovals.map((r) =>
      light(
        'amber',
        `${r.failback === true ? 'failback' : 'failover'} ${r.runId} is waiting for approval since ${utcText(r.requestedAt)}${r.expiresAt === null ? '' : `; it expires at ${utcText(r.expiresAt)}`}`,
      ),
    ),
  ];
  const colour = worst(...parts.map((x) => x.colour));
  return {
    plan: p.plan,
    lastDrill,
    lastFailover: s.lastFailover === undefined ? null : failoverLine(runLine(s.lastFailover)),
    ...(s.lastFailback === undefined ? {} : { lastFailback: runLine(s.lastFailback) }),
    inProgress,
    pendingApprovals,
    colour,
    reason: parts.find((x) => x.colour === colour)?.reason ?? '',
  };
}

import type { RunSummary } from '../../plans/report';
import { light, worst, type Light } from '../colour';
import type { PlanInput } from '../inputs';
import type { PlanStatus, RunLine } from '../report';

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
      approve: approveCommand(baseUrl, r.runId),
    }));
  const inProgress = unique.filter((r) => IN_PROGRESS.has(r.state)).map(runLine);
  let lastDrill: PlanStatus['lastDrill'] = null;
  if (s.lastDrill !== undefined) {
    const d = runLine(s.lastDrill);
    const rto =
      d.rto.achievedMinutes === null
        ? ''
        : `, RTO ${d.rto.achievedMinutes} min of ${d.rto.targetMinutes} min`;
    const when = d.endedAt ?? d.startedAt ?? d.requestedAt;
    const l =
      d.outcome === null
        ? light('green', `the last drill (${when}) is ${d.state}`)
        : d.outcome !== 'succeeded'
          ? light('red', `the last drill (${when}) ended ${d.outcome}${rto}`)
          : d.rto.met === false
            ? light('amber', `the last drill (${when}) succeeded but missed its RTO${rto}`)
            : light('green', `the last drill (${when}) succeeded${rto}`);
    lastDrill = { ...d, ...l };
  }
  const parts: Light[] = [
    ...(invalid === undefined ? [] : [invalid]),
    lastDrill ?? light('amber', 'this plan has never been drilled'),
    ...pendingApprovals.map((r) =>
      light('amber', `failover ${r.runId} is waiting for approval since ${r.requestedAt}`),
    ),
  ];
  const colour = worst(...parts.map((x) => x.colour));
  return {
    plan: p.plan,
    lastDrill,
    lastFailover: s.lastFailover === undefined ? null : runLine(s.lastFailover),
    inProgress,
    pendingApprovals,
    colour,
    reason: parts.find((x) => x.colour === colour)?.reason ?? '',
  };
}

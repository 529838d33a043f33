import type { AlertDecision, RecentAlerts } from '../alerts/decision';
import type { LastRunStatus } from '../backups/report';
import type { Outcome, Problem } from '../outcome';
import type { PlanSummary, RunSummary } from '../plans/report';
import type { SiteHeartbeats } from './heartbeats';

/**
 * The status model (issue 12): "can we recover now?" in red / amber / green, with the reason for
 * each colour, from data already read (pure: `now` is an input, nothing here does I/O). What is not
 * known is `unknown`, never green: a missing record says so and says where it would come from.
 */

/** A colour. `unknown`: nothing records it yet (shown grey, and never counted as green). */
export type Colour = 'green' | 'amber' | 'red' | 'unknown';

/** A colour and why. */
export interface Light {
  colour: Colour;
  reason: string;
}

const RANK: Readonly<Record<Colour, number>> = { green: 0, unknown: 1, amber: 2, red: 3 };

/** The worse of colours (red > amber > unknown > green). */
export function worst(...colours: Colour[]): Colour {
  return colours.reduce<Colour>((a, b) => (RANK[b] > RANK[a] ? b : a), 'green');
}

const light = (colour: Colour, reason: string): Light => ({ colour, reason });

// ------------------------------------------------------------------------------------------------
// Inputs

/** The catalog as the status page knows it without listing blobs. */
export interface CatalogInput {
  /**
   * `summary`: the `_catalog/<service>.json` the last prune wrote; `lastRun`: no summary (a restore
   * mark drops it until the next prune), the backup the last successful run verified; `none`.
   */
  source: 'summary' | 'lastRun' | 'none';
  asOf?: Date | undefined;
  newestVerified?: { name: string; takenAt: Date; sizeBytes: number } | undefined;
  /** The newest verified backup named was checked with a HEAD and is gone (or no longer verified). */
  newestGone?: boolean | undefined;
  newestRestoreVerified?: { name: string; takenAt: Date; at: Date; target: string } | undefined;
  lastRestoreVerification?: { blobName: string; at: string; target: string; outcome: Outcome } | undefined;
}

/** A standby or drill target and the last restore run into it (its preflight is the reachability check). */
export interface TargetInput {
  role: 'standby' | 'drillTarget';
  name: string;
  resourceId: string;
  lastRestore: LastRunStatus | undefined;
}

export interface ServiceInput {
  serviceName: string;
  resourceId: string;
  rpoMs: number;
  catalog: CatalogInput;
  lastRun: LastRunStatus | undefined;
  restoreCanary: { enabled: boolean; maxAgeDays: number };
  targets: TargetInput[];
}

export interface SiteInput {
  site: string;
  heartbeats: SiteHeartbeats | undefined;
  /** runAgentCommand instances of this site awaiting a result; null when unknown. */
  inFlight: number | null;
  /** `agent-<site>-commands`: approximate messages; null when the queue does not exist or could not be read. */
  queueDepth: number | null;
  /** `agent-<site>-commands-poison`: approximate messages; null when there is no such queue. */
  poisonCount: number | null;
}

export interface PlanInput {
  plan: string;
  /** The rules the plan file breaks (shared/plans/load.ts); absent: valid. */
  invalid?: string[] | undefined;
  /** The per-plan summary blob; undefined: no run recorded yet. */
  summary: PlanSummary | undefined;
}

export interface StatusInputs {
  now: Date;
  /** Base URL of the app (`https://<app>.azurewebsites.net`), for the approval command shown. */
  baseUrl: string;
  services: ServiceInput[];
  sites: SiteInput[];
  heartbeatIntervalMs: number;
  /** undefined: the plans area has no plans folder (the section is left out). */
  plans: PlanInput[] | undefined;
  /** undefined: no alert has been recorded yet (the section is left out). */
  alerts: RecentAlerts | undefined;
  alertsShown: number;
  /** `agent-results-poison`: results the app could not process; null when there is none. */
  resultsPoisonCount: number | null;
  /** What could not be read at all (a storage error), by item: shown as unknown, never hidden. */
  problems: string[];
}

// ------------------------------------------------------------------------------------------------
// Outputs

export interface TargetStatus extends Light {
  role: 'standby' | 'drillTarget';
  name: string;
  /** When the last restore into it ran (its preflight), ISO. */
  checkedAt: string | null;
  instanceId?: string;
}

export interface ServiceStatus extends Light {
  service: string;
  resourceId: string;
  backup: Light & {
    newestVerified: { name: string; takenAt: string; ageSeconds: number } | null;
    rpoSeconds: number;
    source: CatalogInput['source'];
    asOf: string | null;
  };
  lastRun: Light & {
    outcome: string;
    startedAt: string | null;
    updatedAt: string | null;
    error: Problem | null;
  };
  restoreVerification: Light & {
    last: { at: string; target: string; outcome: string; backup: string } | null;
    newestRestoreVerifiedTakenAt: string | null;
  };
  targets: TargetStatus[];
}

export interface SiteStatus extends Light {
  site: string;
  lastSeenAt: string | null;
  lastSeenSeconds: number | null;
  agentId: string | null;
  version: string | null;
  executor: string | null;
  /** Round trips of the last heartbeats (ms, newest first; null: that one got no answer). */
  rttMs: (number | null)[];
  lastHeartbeat: { issuedAt: string; outcome: string; error: Problem | null } | null;
  inFlight: number | null;
  queueDepth: number | null;
  poisonCount: number | null;
}

export interface RunLine {
  runId: string;
  mode: string;
  state: string;
  outcome: string | null;
  percent: number;
  requestedAt: string;
  startedAt: string | null;
  endedAt: string | null;
  rto: { targetMinutes: number; achievedMinutes: number | null; met: boolean | null };
  reportUri: string;
}

export interface PlanStatus extends Light {
  plan: string;
  lastDrill: (RunLine & Light) | null;
  lastFailover: RunLine | null;
  /** Runs in progress (running, cleaning up, waiting for a drill) with percent complete. */
  inProgress: RunLine[];
  /** Failovers waiting for approval, with how to approve them. */
  pendingApprovals: (RunLine & {
    requestedBy: string | null;
    approve: { method: 'POST'; path: string; curl: string };
  })[];
}

/** One alert decision; `reason` is what was decided and why. */
export interface AlertLine extends Light {
  alertId: string;
  decidedAt: string;
  decision: AlertDecision['decision'];
  rule: string | null;
  plan: string | null;
  runId: string | null;
  monitorCondition: string | null;
}

/** The answer to "can we recover now?". */
export interface RecoverAnswer extends Light {
  answer: 'yes' | 'yesWithWarnings' | 'no' | 'unknown';
  headline: string;
  /** Every item that is not green, with its reason (worst first). */
  reasons: { item: string; colour: Colour; reason: string }[];
}

export interface StatusReport {
  generatedAt: string;
  canRecover: RecoverAnswer;
  services: ServiceStatus[];
  sites: SiteStatus[];
  relay: Light & { resultsPoisonCount: number | null };
  heartbeatIntervalSeconds: number;
  /** Present when the plans area has plans. */
  plans?: PlanStatus[];
  /** Present when alerts were recorded. */
  alerts?: AlertLine[];
  /** What is not known, and why (also folded into the colours as `unknown`). */
  unknowns: string[];
}

// ------------------------------------------------------------------------------------------------
// Durations as a person reads them

/** `45 s`, `12 min`, `5 h 3 min`, `3 d 4 h`. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

const iso = (d: Date | string | undefined | null): string | null => {
  if (d === undefined || d === null) return null;
  const t = typeof d === 'string' ? new Date(d) : d;
  return Number.isNaN(t.getTime()) ? null : t.toISOString();
};

// ------------------------------------------------------------------------------------------------
// Services

const RUNNING = new Set(['Running', 'Pending', 'ContinuedAsNew', 'Suspended']);

/** A finished run's outcome from its durable status (the one vocabulary), or where it is. */
export function runOutcome(run: LastRunStatus | undefined): {
  outcome: 'never' | 'running' | Outcome | 'terminated' | 'other';
  error: Problem | null;
} {
  if (run === undefined) return { outcome: 'never', error: null };
  if (RUNNING.has(run.runtimeStatus)) return { outcome: 'running', error: null };
  if (run.runtimeStatus === 'Terminated' || run.runtimeStatus === 'Canceled')
    return { outcome: 'terminated', error: null };
  if (run.runtimeStatus === 'Failed')
    return { outcome: 'failed', error: { code: 'OrchestrationFailed', message: 'the run crashed' } };
  if (run.runtimeStatus !== 'Completed') return { outcome: 'other', error: null };
  const out = run.output as { outcome?: unknown; error?: { code?: unknown; message?: unknown } } | null;
  const outcome =
    typeof out?.outcome === 'string' &&
    ['succeeded', 'partial', 'failed', 'refused', 'timedOut'].includes(out.outcome)
      ? (out.outcome as Outcome)
      : 'succeeded';
  const e = out?.error;
  const error =
    e !== undefined && e !== null && typeof e.code === 'string' && typeof e.message === 'string'
      ? { code: e.code, message: e.message }
      : null;
  return { outcome, error };
}

function backupLight(s: ServiceInput, now: Date): ServiceStatus['backup'] {
  const c = s.catalog;
  const base = {
    rpoSeconds: Math.round(s.rpoMs / 1000),
    source: c.source,
    asOf: iso(c.asOf),
  };
  const newest = c.newestVerified;
  const shown =
    newest === undefined
      ? null
      : {
          name: newest.name,
          takenAt: newest.takenAt.toISOString(),
          ageSeconds: Math.round((now.getTime() - newest.takenAt.getTime()) / 1000),
        };
  if (c.newestGone === true)
    return {
      ...base,
      newestVerified: shown,
      ...light(
        'unknown',
        `the newest verified backup the catalog names (${newest?.name ?? '?'}) is gone; GET /api/backups?fresh=true lists what remains`,
      ),
    };
  if (newest === undefined) {
    if (c.source === 'none')
      return {
        ...base,
        newestVerified: null,
        ...light(
          s.lastRun === undefined ? 'red' : 'unknown',
          s.lastRun === undefined
            ? 'no backup has run and no catalog records one: nothing to restore'
            : 'no catalog summary and the last run verified no backup: GET /api/backups?fresh=true lists the backups',
        ),
      };
    return { ...base, newestVerified: null, ...light('red', 'no verified backup: nothing to restore') };
  }
  const age = now.getTime() - newest.takenAt.getTime();
  if (age > s.rpoMs)
    return {
      ...base,
      newestVerified: shown,
      ...light(
        'red',
        `newest verified backup is ${humanDuration(age)} old, over the RPO of ${humanDuration(s.rpoMs)}`,
      ),
    };
  return {
    ...base,
    newestVerified: shown,
    ...light('green', `newest verified backup is ${humanDuration(age)} old (RPO ${humanDuration(s.rpoMs)})`),
  };
}

function lastRunLight(s: ServiceInput): ServiceStatus['lastRun'] {
  const r = runOutcome(s.lastRun);
  const base = {
    outcome: r.outcome,
    startedAt: iso(s.lastRun?.createdTime),
    updatedAt: iso(s.lastRun?.lastUpdatedTime),
    error: r.error,
  };
  switch (r.outcome) {
    case 'never':
      return { ...base, ...light('unknown', 'no backup run recorded (the schedule has not fired yet?)') };
    case 'running':
      return { ...base, ...light('green', 'a backup is running') };
    case 'succeeded':
      return { ...base, ...light('green', 'the last backup run succeeded') };
    case 'terminated':
      return { ...base, ...light('amber', 'the last backup run was terminated') };
    default:
      return {
        ...base,
        ...light(
          'amber',
          `the last backup run ended ${r.outcome}${r.error === null ? '' : `: ${r.error.code}: ${r.error.message}`}`,
        ),
      };
  }
}

const DAY_MS = 24 * 3600_000;

function restoreLight(s: ServiceInput, now: Date): ServiceStatus['restoreVerification'] {
  // The latest attempt: the catalog's mark, or a later restore run into a drill target.
  let last: ServiceStatus['restoreVerification']['last'] = null;
  const mark = s.catalog.lastRestoreVerification;
  if (mark !== undefined)
    last = { at: mark.at, target: mark.target, outcome: mark.outcome, backup: mark.blobName };
  let newestVerifiedTaken = s.catalog.newestRestoreVerified?.takenAt;
  for (const t of s.targets) {
    if (t.role !== 'drillTarget') continue;
    const out = t.lastRestore?.output as
      | { outcome?: string; backup?: { name?: string; takenAt?: string }; timings?: { endedAt?: string } }
      | null
      | undefined;
    if (t.lastRestore?.runtimeStatus !== 'Completed' || out?.backup?.name === undefined) continue;
    const at = iso(out.timings?.endedAt ?? t.lastRestore.lastUpdatedTime);
    if (at === null) continue;
    if (last === null || Date.parse(at) > Date.parse(last.at))
      last = { at, target: t.name, outcome: out.outcome ?? 'other', backup: out.backup.name };
    const taken = out.backup.takenAt === undefined ? undefined : new Date(out.backup.takenAt);
    if (
      out.outcome === 'succeeded' &&
      taken !== undefined &&
      !Number.isNaN(taken.getTime()) &&
      (newestVerifiedTaken === undefined || taken > newestVerifiedTaken)
    )
      newestVerifiedTaken = taken;
  }
  const base = { last, newestRestoreVerifiedTakenAt: iso(newestVerifiedTaken) };
  if (!s.restoreCanary.enabled)
    return {
      ...base,
      ...light('amber', 'no drill target: restores of this service are never verified'),
    };
  if (last !== null && last.outcome !== 'succeeded')
    return {
      ...base,
      ...light('amber', `the last restore verification into ${last.target} ended ${last.outcome}`),
    };
  if (newestVerifiedTaken === undefined)
    return {
      ...base,
      ...light(
        'amber',
        'no backup of this service has been restore-verified yet (the restore canary proves one)',
      ),
    };
  const age = now.getTime() - newestVerifiedTaken.getTime();
  if (age > s.restoreCanary.maxAgeDays * DAY_MS)
    return {
      ...base,
      ...light(
        'amber',
        `the newest restore-verified backup was taken ${humanDuration(age)} ago (limit ${s.restoreCanary.maxAgeDays} d)`,
      ),
    };
  return {
    ...base,
    ...light('green', `a backup taken ${humanDuration(age)} ago was restored and verified`),
  };
}

/** Error codes a restore run refuses with before its target preflight (the target was not checked). */
const BEFORE_PREFLIGHT = new Set([
  'PrimaryInDrill',
  'PrimaryNotAllowed',
  'TargetNotAllowed',
  'NotSingleton',
  'InvalidInput',
]);
/** Refusals of backup selection: the target preflight had passed. */
const AFTER_PREFLIGHT = new Set([
  'BackupNotFound',
  'BackupOfAnotherService',
  'BackupNotVerified',
  'BackupExpired',
  'TierMismatch',
  'NoVerifiedBackup',
]);

/**
 * Whether a standby or drill target was reachable, from the last restore run into it (its
 * preflight reads the target at ARM): nothing else records a preflight. No run: unknown.
 */
export function targetLight(t: TargetInput): TargetStatus {
  const base = { role: t.role, name: t.name, checkedAt: iso(t.lastRestore?.lastUpdatedTime) };
  const what = t.role === 'standby' ? 'standby' : 'drill target';
  const run = t.lastRestore;
  if (run === undefined)
    return {
      ...base,
      checkedAt: null,
      ...light('unknown', `no restore into the ${what} ${t.name} has run: its reachability is not recorded`),
    };
  if (RUNNING.has(run.runtimeStatus))
    return { ...base, ...light('green', `a restore into the ${what} ${t.name} is running`) };
  const out = run.output as
    | { outcome?: string; backup?: unknown; timings?: { acceptedAt?: string }; error?: Problem }
    | null
    | undefined;
  const code = out?.error?.code;
  const passed =
    out?.outcome === 'succeeded' ||
    out?.backup !== undefined ||
    out?.timings?.acceptedAt !== undefined ||
    (code !== undefined && AFTER_PREFLIGHT.has(code));
  if (run.runtimeStatus === 'Completed' && passed)
    return { ...base, ...light('green', `the ${what} ${t.name} answered its last preflight`) };
  if (run.runtimeStatus === 'Completed' && code !== undefined && BEFORE_PREFLIGHT.has(code))
    return {
      ...base,
      ...light(
        'unknown',
        `the last restore into the ${what} ${t.name} was refused before its preflight (${code})`,
      ),
    };
  return {
    ...base,
    ...light(
      t.role === 'standby' ? 'red' : 'amber',
      `the ${what} ${t.name} failed its last preflight${code === undefined ? '' : ` (${code}: ${out?.error?.message ?? ''})`}`,
    ),
  };
}

/** One protected service. */
export function serviceStatus(s: ServiceInput, now: Date): ServiceStatus {
  const backup = backupLight(s, now);
  const lastRun = lastRunLight(s);
  const restoreVerification = restoreLight(s, now);
  const targets = s.targets.map(targetLight);
  const standby = targets.find((t) => t.role === 'standby');
  const standbyLight: Light =
    standby ?? light('amber', 'no standby configured: a failover has nowhere to restore to');
  // A drill target only proves restores: at worst it makes the service amber.
  const drills = targets
    .filter((t) => t.role === 'drillTarget')
    .map((t) => (t.colour === 'red' ? 'amber' : t.colour));
  const parts: Light[] = [backup, lastRun, restoreVerification, standbyLight];
  const colour = worst(...parts.map((p) => p.colour), ...drills.filter((c) => c !== 'unknown'));
  const because = [backup, standbyLight, lastRun, restoreVerification, ...targets].find(
    (p) => p.colour === colour,
  );
  return {
    service: s.serviceName,
    resourceId: s.resourceId,
    colour,
    reason: because?.reason ?? backup.reason,
    backup,
    lastRun,
    restoreVerification,
    targets,
  };
}

// ------------------------------------------------------------------------------------------------
// Sites

/** One site: a site not heard from for two heartbeat intervals is red. */
export function siteStatus(s: SiteInput, now: Date, intervalMs: number): SiteStatus {
  const hb = s.heartbeats;
  const last = hb?.heartbeats[0];
  const seenAt = hb?.lastSeen === undefined ? undefined : new Date(hb.lastSeen.at);
  const base = {
    site: s.site,
    lastSeenAt: iso(seenAt),
    lastSeenSeconds: seenAt === undefined ? null : Math.round((now.getTime() - seenAt.getTime()) / 1000),
    agentId: hb?.lastSeen?.agentId ?? null,
    version: hb?.lastSeen?.version ?? null,
    executor: hb?.lastSeen?.executor ?? null,
    rttMs: (hb?.heartbeats ?? []).map((h) => h.rttMs ?? null),
    lastHeartbeat:
      last === undefined
        ? null
        : { issuedAt: last.issuedAt, outcome: last.outcome, error: last.error ?? null },
    inFlight: s.inFlight,
    queueDepth: s.queueDepth,
    poisonCount: s.poisonCount,
  };
  const limit = 2 * intervalMs;
  if (hb === undefined || hb.heartbeats.length === 0)
    return {
      ...base,
      ...light(
        'unknown',
        `no heartbeat recorded yet (the heartbeat runs every ${humanDuration(intervalMs)})`,
      ),
    };
  if (seenAt === undefined)
    return {
      ...base,
      ...light(
        'red',
        `the agent has never answered a heartbeat (last: ${last!.outcome}${last!.error ? `: ${last!.error.message}` : ''})`,
      ),
    };
  const silence = now.getTime() - seenAt.getTime();
  if (silence > limit)
    return {
      ...base,
      ...light(
        'red',
        `not heard from for ${humanDuration(silence)} (more than two heartbeat intervals, ${humanDuration(limit)})`,
      ),
    };
  if (s.poisonCount !== null && s.poisonCount > 0)
    return {
      ...base,
      ...light('amber', `${s.poisonCount} message(s) in agent-${s.site}-commands-poison`),
    };
  if (last !== undefined && last.outcome !== 'succeeded')
    return {
      ...base,
      ...light(
        'amber',
        `the last heartbeat ended ${last.outcome}; last answer ${humanDuration(silence)} ago`,
      ),
    };
  return { ...base, ...light('green', `agent answered ${humanDuration(silence)} ago`) };
}

// ------------------------------------------------------------------------------------------------
// Plans

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

const IN_PROGRESS = new Set(['running', 'cleaningUp', 'waitingForDrill']);

/** The approval request for a pending failover (route and a ready-to-edit curl; never a key). */
export function approveCommand(
  baseUrl: string,
  runId: string,
): { method: 'POST'; path: string; curl: string } {
  const path = `/api/failovers/${encodeURIComponent(runId)}/approve`;
  return {
    method: 'POST',
    path,
    curl: `curl -X POST "${baseUrl.replace(/\/+$/, '')}${path}?code=<function key>" -H 'content-type: application/json' -d '{"by":"<your name>"}'`,
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

// ------------------------------------------------------------------------------------------------
// Alerts

function alertLine(a: AlertDecision): AlertLine {
  // A decision that started, joined or refused a failover deserves a look; the rest is record.
  const colour: Colour = ['started', 'attached', 'refused', 'rejected'].includes(a.decision)
    ? 'amber'
    : 'green';
  return {
    alertId: a.alertId,
    decidedAt: a.decidedAt,
    decision: a.decision,
    colour,
    reason: a.reason,
    rule: a.rule ?? null,
    plan: a.plan ?? null,
    runId: a.runId ?? null,
    monitorCondition: a.monitorCondition ?? null,
  };
}

// ------------------------------------------------------------------------------------------------
// The whole page

/** The status report: every item's colour and reason, and the answer to "can we recover now?". */
export function buildStatus(input: StatusInputs): StatusReport {
  const { now } = input;
  const services = input.services.map((s) => serviceStatus(s, now));
  const sites = input.sites.map((s) => siteStatus(s, now, input.heartbeatIntervalMs));
  const plans = input.plans?.map((p) => planStatus(p, input.baseUrl));
  const alerts = input.alerts?.decisions.slice(0, input.alertsShown).map(alertLine);
  const relay: StatusReport['relay'] =
    input.resultsPoisonCount !== null && input.resultsPoisonCount > 0
      ? {
          resultsPoisonCount: input.resultsPoisonCount,
          ...light('amber', `${input.resultsPoisonCount} agent result(s) in agent-results-poison`),
        }
      : {
          resultsPoisonCount: input.resultsPoisonCount,
          ...light('green', 'no agent result in agent-results-poison'),
        };

  const reasons: RecoverAnswer['reasons'] = [
    ...services.map((s) => ({ item: `service ${s.service}`, colour: s.colour, reason: s.reason })),
    ...sites.map((s) => ({ item: `site ${s.site}`, colour: s.colour, reason: s.reason })),
    ...(plans ?? []).map((p) => ({ item: `plan ${p.plan}`, colour: p.colour, reason: p.reason })),
    { item: 'relay', colour: relay.colour, reason: relay.reason },
    ...input.problems.map((p) => ({ item: 'status page', colour: 'unknown' as const, reason: p })),
  ]
    .filter((r) => r.colour !== 'green')
    .sort((a, b) => RANK[b.colour] - RANK[a.colour]);
  const colour = worst(...reasons.map((r) => r.colour));
  const nothing = services.length === 0 && sites.length === 0 && (plans ?? []).length === 0;
  const canRecover: RecoverAnswer = nothing
    ? {
        answer: 'unknown',
        headline: 'Not known: nothing is configured (no protected service, site or plan)',
        colour: 'unknown',
        reason: 'nothing is configured',
        reasons,
      }
    : colour === 'red'
      ? { answer: 'no', headline: 'No', colour, reason: reasons[0]!.reason, reasons }
      : colour === 'amber'
        ? {
            answer: 'yesWithWarnings',
            headline: 'Yes, with warnings',
            colour,
            reason: reasons[0]!.reason,
            reasons,
          }
        : colour === 'unknown'
          ? {
              answer: 'unknown',
              headline: 'Not known: some of what recovery needs is not recorded yet',
              colour,
              reason: reasons[0]!.reason,
              reasons,
            }
          : { answer: 'yes', headline: 'Yes', colour, reason: 'every item is green', reasons };

  const unknowns = reasons.filter((r) => r.colour === 'unknown').map((r) => `${r.item}: ${r.reason}`);
  for (const s of services) {
    for (const part of [s.backup, s.lastRun, s.restoreVerification, ...s.targets])
      if (part.colour === 'unknown' && !unknowns.includes(`service ${s.service}: ${part.reason}`))
        unknowns.push(`service ${s.service}: ${part.reason}`);
  }
  return {
    generatedAt: now.toISOString(),
    canRecover,
    services,
    sites,
    relay,
    heartbeatIntervalSeconds: Math.round(input.heartbeatIntervalMs / 1000),
    ...(plans === undefined ? {} : { plans }),
    ...(alerts === undefined ? {} : { alerts }),
    unknowns,
  };
}

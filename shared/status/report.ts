import type { AlertDecision } from '../alerts/decision';
import type { Problem } from '../outcome';
import type { Colour, Light } from './colour';
import type { CatalogInput } from './inputs';
import type { StandbyStatus } from './standby';

/** The status report: what the status model answers (GET /api/status, the status page). */

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
  /** A failback (production coming home, issue 23) rather than a failover or a drill. */
  failback?: true;
}

export interface PlanStatus extends Light {
  plan: string;
  lastDrill: (RunLine & Light) | null;
  /** The last failover that ended, with its colour (green: it succeeded, production is on the standby). */
  lastFailover: (RunLine & Light) | null;
  /** The last failback that ended (issue 23), when there is one: production came home after it succeeded. */
  lastFailback?: RunLine;
  /** Runs in progress (running, cleaning up, waiting for a drill) with percent complete. */
  inProgress: RunLine[];
  /** Failovers waiting for approval, with how to approve them. */
  pendingApprovals: PendingApproval[];
}

/** A POST an operator sends about a run (route and a curl to edit; never a key). */
export interface RunCommand {
  method: 'POST';
  path: string;
  curl: string;
}

/** A failover waiting for approval: who asked, why, until when, and the three decisions. */
export interface PendingApproval extends RunLine {
  requestedBy: string | null;
  reason: string | null;
  /** When the approval expires (ISO); null on runs recorded before the deadline was. */
  expiresAt: string | null;
  approve: RunCommand;
  reject: RunCommand;
  cancel: RunCommand;
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
  /** What an operator must know beside the answer (production runs on the standby since a failover). */
  notes: string[];
  /** Failovers waiting for approval, every plan's, soonest deadline first (shown first). */
  pendingApprovals: (PendingApproval & { plan: string })[];
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
  /** Each standby: active side, recovery point age against the plan's RPO (issue 23). */
  standbys?: StandbyStatus[];
  /** What is not known, and why (also folded into the colours as `unknown`). */
  unknowns: string[];
  /** The newest APIM usage export of each service (present when they were read; no colour). */
  usageExports?: UsageExportLine[];
}

/** A service's newest APIM usage export and its last attempt (./rules/usageExport.ts). */
export interface UsageExportLine {
  service: string;
  newest: {
    blobName: string;
    from: string;
    to: string;
    exportedAt: string;
    records: { byApi: number; byOperation: number; byTime: number };
    sizeBytes: number;
    gapFrom?: string | undefined;
  } | null;
  lastAttempt: { at: string; outcome: 'succeeded' | 'failed'; error?: Problem | undefined } | null;
  /** One line as a person reads it. */
  text: string;
}

import type { UsageExportRecord } from '../backups/usageExport';
import type { RecentAlerts } from '../alerts/decision';
import type { LastRunStatus } from '../backups/report';
import type { Outcome } from '../outcome';
import type { PlanSummary } from '../plans/report';
import type { SiteHeartbeats } from './heartbeats';
import type { StandbyInput } from './standby';

/** What the status model decides from: data already read (shared/status/read.ts). */

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
  /** Why what is recorded about the target cannot be trusted (a restore recorded as running too long). */
  unknown?: string | undefined;
}

export interface ServiceInput {
  serviceName: string;
  resourceId: string;
  rpoMs: number;
  catalog: CatalogInput;
  lastRun: LastRunStatus | undefined;
  /**
   * Why the service's status digest cannot be trusted (none recorded, unreadable, a run recorded as
   * running too long: shared/status/digest.ts): its last run is unknown, and so is a backup that
   * would otherwise look green.
   */
  unknown?: string | undefined;
  restoreCanary: { enabled: boolean; maxAgeDays: number };
  targets: TargetInput[];
  /** The record of its newest APIM usage export (absent: none, or the source does not read it). */
  usageExport?: UsageExportRecord | undefined;
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
  /** The standbys (issue 23: ./standby.ts); undefined: not read (the section is left out). */
  standbys?: StandbyInput[] | undefined;
}

/**
 * What Lifeboat decided about one alert delivery (issue 11). Every decision is recorded and listed
 * by `GET /api/alerts?since=`; the newest ones are also kept in one small blob
 * ({@link ALERTS_CONTAINER}/{@link RECENT_ALERTS_BLOB}) that the status page reads by name (it never
 * lists blobs).
 */
export interface AlertDecision {
  /** The alert instance id (essentials.alertId), or a generated id when the message had none. */
  alertId: string;
  monitorCondition?: 'Fired' | 'Resolved';
  rule?: string;
  severity?: string;
  signalType?: string;
  /** The plan the alert matched, if any. */
  plan?: string;
  /**
   * - `started`: a failover run was started; `attached`: attached to the plan's running or pending failover;
   * - `duplicate`: the same alert and condition was seen before (action groups retry);
   * - `ignored`: matched no plan; `refused`: matched but not started (failovers switched off, plan invalid);
   * - `cancelledPending`: a Resolved alert cancelled a failover still waiting for approval;
   * - `recorded`: kept as evidence, nothing to do (a Resolved alert for a running failover);
   * - `rejected`: the message was not an alert Lifeboat understands (`reason` says why);
   * - `unverified`: Azure Monitor does not confirm the alert (absent, another condition, rule,
   *   target, severity or time, or it cannot be read): nothing started or cancelled.
   */
  decision:
    | 'started'
    | 'attached'
    | 'duplicate'
    | 'ignored'
    | 'refused'
    | 'cancelledPending'
    | 'recorded'
    | 'rejected'
    | 'unverified';
  reason: string;
  runId?: string;
  /** When Lifeboat decided (ISO). */
  decidedAt: string;
  /** essentials.firedDateTime, when given. */
  firedDateTime?: string;
  /** The queue message the alert came in (tells apart deliveries decided in the same millisecond). */
  messageId?: string;
  /** Free-text fields of the alert cut to their limit (shared/alerts/parse.ts `ALERT_TEXT_LIMITS`), by path. */
  truncated?: string[];
}

export const ALERTS_CONTAINER = 'lifeboat-alerts';
/** `{ decisions: AlertDecision[] (newest first, at most 50), updatedAt }`. */
export const RECENT_ALERTS_BLOB = 'recent.json';
export interface RecentAlerts {
  decisions: AlertDecision[];
  updatedAt: string;
}

/**
 * Monitoring alerts that start failover plans (issue 11): the HTTP intake, the alert queue's
 * trigger and the decision listing. Test helpers load the area's files from this table.
 */
export const alerts = {
  /** `POST /api/alerts`: an action group's receiver (common alert schema) → queue `lifeboat-alerts`. */
  alertIntake: 'alertIntake',
  /** Queue trigger on `lifeboat-alerts`: dedupe, match, start or attach, record. */
  alertQueue: 'alertQueue',
  /** `GET /api/alerts?since=&limit=`: the decisions taken, newest first. */
  getAlerts: 'getAlerts',
} as const;

/** The alert queue (fixed: Event Grid subscriptions, Logic Apps and scripts write to it too). A literal, so the trigger needs no setting to register. */
export const ALERTS_QUEUE = 'lifeboat-alerts';

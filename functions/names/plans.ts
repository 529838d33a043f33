/**
 * Recovery plans (issue 10): plan runs (drills and failovers), their steps, approvals and reports.
 * Type imports only. Test helpers load the area's files from this table.
 */
export const plans = {
  /** `GET /api/plans`: every plan with its validation state. */
  getPlans: 'getPlans',
} as const;

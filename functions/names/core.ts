/** Functions that belong to no area: health, the catch-all route, run status, starting on-premises drills. */
export const core = {
  health: 'health',
  unmatchedRoute: 'unmatchedRoute',
  getRun: 'getRun',
  startOnPremFlow: 'startOnPremFlow',
} as const;

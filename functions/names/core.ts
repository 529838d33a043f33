/** Functions that belong to no area: health and the catch-all route. */
export const core = {
  health: 'health',
  unmatchedRoute: 'unmatchedRoute',
} as const;

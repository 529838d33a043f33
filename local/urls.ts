/**
 * The main URLs of a running Lifeboat, as `npm start` prints them (issue 21: the banner listed
 * health and backups only): what an operator opens first, then the routes they use.
 */
export function mainUrls(origin: string): string[] {
  const api = `${origin.replace(/\/+$/, '')}/api`;
  return [
    `Status page      ${api}/status.html   (JSON: ${api}/status)`,
    `Health           ${api}/health`,
    `Backups          ${api}/backups   (POST to take one now)`,
    `Restores         ${api}/restores   (POST; GET ${api}/restores/{id})`,
    `Plans            ${api}/plans`,
    `Drills           ${api}/drills   (POST { "plan": "<name>" }; a failback drill: "mode": "failback")`,
    `Failovers        ${api}/failovers   (POST; approve: ${api}/failovers/{runId}/approve)`,
    `Failbacks        ${api}/failbacks   (POST; approved like failovers)`,
    `Runs             ${api}/runs   (report: ${api}/runs/{runId}/report.html)`,
    `Alerts           ${api}/alerts`,
  ];
}

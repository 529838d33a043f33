import type { PlanInput } from './plan';
import type { RunReport } from './report';

/**
 * The shapes of `planRun` by orchestration version (host.json `extensions.durableTask.defaultVersion`,
 * read in the orchestration as `context.df.version`). A run keeps the shape of the version it was
 * started on, so a deployment never changes what an in-flight run replays (issue 24):
 *   - '' (started before versioning) and 1.x: the groups straight after approval;
 *   - 2.x: first a sites check, recording in the report when each site the plan touches last
 *     answered a heartbeat, so whoever reads the report sees a silent agent before its steps time out;
 *   - 2.2 and later: failbacks (issue 23, ./failback.ts). Failovers and drills keep the 2.0 shape
 *     (every failback path is taken only by a failback input); a failback input on an older
 *     version is refused before it touches anything, and a worker that only knows 2.1 never picks
 *     up a 2.2 instance (host.json `versionMatchStrategy: CurrentOrOlder`), so a rolling deployment
 *     cannot run a failback on code that would treat it as a failover.
 * Adding a version: add its shape here, branch on it in planRun, bump host.json's defaultVersion.
 */

export interface PlanRunShape {
  /** The run's orchestration version ('' when it was started without one). */
  readonly version: string;
  /** Whether the run checks its sites' heartbeats before the groups (2.0). */
  readonly checkSites: boolean;
  /** Whether the run may be a failback (2.2). */
  readonly failback: boolean;
}

/** The shape of a run on `version` (pure). Throws a RangeError for a version it does not know. */
export function planRunShape(version: string | undefined): PlanRunShape {
  const v = version ?? '';
  const m = v === '' ? ['', '1', '0'] : /^(\d+)(?:\.(\d+))?(?:\.\d+){0,2}$/.exec(v);
  const major = m?.[1];
  if (m === null || major === undefined)
    throw new RangeError(
      `planRun: orchestration version '${v}' is not a number such as 2.0; fix host.json extensions.durableTask.defaultVersion (retrying will not help)`,
    );
  const minor = Number(m[2] ?? 0);
  return {
    version: v,
    checkSites: Number(major) >= 2,
    failback: Number(major) > 2 || (Number(major) === 2 && minor >= 2),
  };
}

/** The sites a plan's steps run at, sorted, each once (pure). */
export function sitesOfPlan(plan: Pick<PlanInput, 'groups'>): string[] {
  const sites = new Set<string>();
  for (const group of plan.groups)
    for (const step of group.steps) {
      const site = (step.params as { site?: unknown } | undefined)?.site;
      if (typeof site === 'string') sites.add(site);
    }
  return [...sites].sort();
}

/** What the sites check found, for the report. */
export type SitesCheck = NonNullable<RunReport['sitesCheck']>;

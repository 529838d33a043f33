import type { PlanInput } from './plan';
import type { RunReport } from './report';

/**
 * The shapes of `planRun` by orchestration version (host.json `extensions.durableTask.defaultVersion`,
 * read in the orchestration as `context.df.version`). A run keeps the shape of the version it was
 * started on, so a deployment never changes what an in-flight run replays (issue 24):
 *   - '' (started before versioning) and 1.x: the groups straight after approval;
 *   - 2.x: first a sites check, recording in the report when each site the plan touches last
 *     answered a heartbeat, so whoever reads the report sees a silent agent before its steps time out.
 * Adding a version: add its shape here, branch on it in planRun, bump host.json's defaultVersion.
 */

export interface PlanRunShape {
  /** The run's orchestration version ('' when it was started without one). */
  readonly version: string;
  /** Whether the run checks its sites' heartbeats before the groups (2.0). */
  readonly checkSites: boolean;
}

/** The shape of a run on `version` (pure). Throws a RangeError for a version it does not know. */
export function planRunShape(version: string | undefined): PlanRunShape {
  const v = version ?? '';
  const major = v === '' ? 1 : /^(\d+)(?:\.\d+){0,3}$/.exec(v)?.[1];
  if (major === undefined)
    throw new RangeError(
      `planRun: orchestration version '${v}' is not a number such as 2.0; fix host.json extensions.durableTask.defaultVersion (retrying will not help)`,
    );
  return { version: v, checkSites: Number(major) >= 2 };
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

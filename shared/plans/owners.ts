import type { PlanEntry } from './load';
import type { Plan } from './plan';
import type { PlanLock } from './store';

/**
 * Which plans act on which protected services (issue 23): the services a plan restores (its
 * `apim.restore` steps) are the pairs whose active side its failover moves, and a failover in
 * progress owns their standbys (the standby sync keeps away).
 */

/** The services a plan restores, lower-cased, in plan order, once each. */
export function restoredServices(plan: Plan): string[] {
  const out: string[] = [];
  for (const g of plan.groups)
    for (const s of g.steps)
      if (s.kind === 'apim.restore' && !out.includes(s.params.service.toLowerCase()))
        out.push(s.params.service.toLowerCase());
  return out;
}

/** The failover runs in progress (holding their plan's lock) whose plan restores `serviceName`. */
export async function failoversOwning(
  serviceName: string,
  entries: readonly PlanEntry[],
  readLock: (plan: string) => Promise<{ lock: PlanLock } | undefined>,
): Promise<string[]> {
  const want = serviceName.toLowerCase();
  const owners: string[] = [];
  for (const e of entries) {
    if (e.plan === undefined || !restoredServices(e.plan).includes(want)) continue;
    const held = await readLock(e.plan.name);
    if (held?.lock.mode === 'failover') owners.push(held.lock.runId);
  }
  return owners;
}

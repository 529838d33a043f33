import { getConfig, type Env } from '../config';
import type { PlanClient } from '../plans/start';
import type { AlertDeps, PlanEntry } from './handle';
import type { AlertsSource } from './source';
import { alertStore } from './storage';

/**
 * The alert queue's dependencies (issue 11), built lazily inside the handler: the alert store,
 * and the plans side from shared/plans (the loader, and start.ts's start, attach, cancel and lock
 * lookup: one run per plan at a time, a failover preempting a drill, the failovers-off switch).
 */
export async function alertDeps(
  client: PlanClient,
  orchestrationName: string,
  env: Env = process.env,
): Promise<AlertDeps> {
  const { planDeps, planEntries, requestDeps, startPlanRunNow } = await import('../plans/deps');
  const { cancelRun, activeRun } = await import('../plans/start');
  const store = await alertStore(env);
  const { config, store: planStore } = await planDeps(env);
  const source = await alertsSource(env);
  let loaded: Awaited<ReturnType<typeof planEntries>> | undefined;
  const entries = async () => (loaded ??= await planEntries(config));
  return {
    store,
    now: () => new Date(),
    async plans(): Promise<PlanEntry[]> {
      return (await entries()).flatMap((e) =>
        e.name === undefined
          ? []
          : [
              {
                name: e.name,
                valid: e.valid,
                // An invalid plan's triggers cannot be trusted (or read): it matches nothing.
                triggers: e.valid && e.plan !== undefined ? e.plan.triggers : [],
                problems: e.problems,
              },
            ],
      );
    },
    start: (request) => startPlanRunNow(client, request, orchestrationName, env),
    source,
    // A Resolved alert asks; the run decides (in arrival order, only before the approval).
    cancel: async (runId, by, alert) => {
      await cancelRun(await requestDeps(client, env), runId, { ...by, resolved: alert });
    },
    active: (plan) => activeRun(client, planStore, plan, new Date()),
  };
}

const sources = new Map<string, AlertsSource>();

/** Azure Monitor as the app reads it (ARM with its managed identity), one per ARM endpoint per process. */
export async function alertsSource(env: Env = process.env): Promise<AlertsSource> {
  const core = getConfig(env).core;
  const key = `${core.armEndpoint}|${core.armScope}|${core.armCaFile ?? ''}`;
  let source = sources.get(key);
  if (source === undefined) {
    const { createArmAlertsSourceFromConfig } = await import('./armSource');
    source = await createArmAlertsSourceFromConfig(core);
    sources.set(key, source);
  }
  return source;
}

/** The alert settings the handler needs. */
export function alertSettings(env: Env = process.env) {
  return getConfig(env).alerts;
}

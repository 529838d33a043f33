import { getConfig, type Env } from '../config';
import type { PlanClient } from '../plans/start';
import type { AlertDeps, PlanEntry } from './handle';
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
  const { attachAlert, cancelRun, activeRun } = await import('../plans/start');
  const store = await alertStore(env);
  const { config, store: planStore } = await planDeps(env);
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
    attach: async (runId, alert) => {
      const deps = await requestDeps(client, env);
      await attachAlert(deps, runId, alert, (raise) => attachWhenStarted(raise));
    },
    // A Resolved alert asks; the run decides (in arrival order, only before the approval).
    cancel: async (runId, by, alert) => {
      await cancelRun(await requestDeps(client, env), runId, { ...by, resolved: alert });
    },
    active: (plan) => activeRun(client, planStore, plan, new Date()),
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Attaches, waiting briefly for a run another alert is starting right now: its lock is taken
 * before its instance exists, so an alert racing it can be told PlanBusy before the instance is
 * there to receive the event. A few short tries beat a queue retry (visibilityTimeout, 30 s).
 */
export async function attachWhenStarted(
  attach: () => Promise<void>,
  tries = 8,
  delayMs = 100,
): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await attach();
      return;
    } catch (error) {
      const missing = /No instance with ID|\b404\b/.test(
        error instanceof Error ? error.message : String(error),
      );
      if (!missing || i >= tries) throw error;
      await sleep(delayMs * i);
    }
  }
}

/** The alert settings the handler needs. */
export function alertSettings(env: Env = process.env) {
  return getConfig(env).alerts;
}

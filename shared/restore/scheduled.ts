import { z } from 'zod';
import { RETRY_MAX_MS } from '../backups/run';
import { startOnce, type RunStarterClient } from '../durable/start';
import type { RestoreSettings } from './run';

/**
 * What the scheduled restore runs share: the restore canary (./canary.ts) and the standby sync
 * (./standbySync.ts) each restore one service after another under a singleton instance, skip the
 * services they have nothing to do for (with the reason), and retry their recording activities.
 */

/** The services a scheduled run skips, each with the reason. */
export const skippedServicesSchema = z.array(
  z.strictObject({ serviceName: z.string().min(1), reason: z.string().min(1) }),
);

/** Retries of a scheduled run's recording activities (transient storage errors). */
export const markRetrySchema = z.strictObject({
  limit: z.number().int().min(0),
  baseMs: z.number().int().min(0),
  maxMs: z.number().int().min(0),
});

/** The recording retries from the restore settings (pure). */
export function markRetryOf(settings: RestoreSettings): z.infer<typeof markRetrySchema> {
  return {
    limit: settings.retryBudget,
    baseMs: settings.retryBaseSeconds * 1000,
    maxMs: Math.max(RETRY_MAX_MS, settings.retryBaseSeconds * 1000),
  };
}

/** What a timer's start of a scheduled run became. */
export type SingletonStart =
  { started: true; instanceId: string } | { started: false; instanceId: string; reason: string };

/**
 * Starts a scheduled run under its singleton id unless one is running (skipped, with the reason,
 * naming the run as `what`: "canary", "sync"). A start the host refuses because one started
 * meanwhile counts as skipped; other errors escape.
 */
export async function startSingleton(
  client: RunStarterClient,
  orchestrationName: string,
  instanceId: string,
  input: unknown,
  what: string,
): Promise<SingletonStart> {
  const r = await startOnce(client, orchestrationName, instanceId, input);
  if (r.started) return { started: true, instanceId };
  if ('failed' in r) throw r.error;
  return {
    started: false,
    instanceId,
    reason: r.refused
      ? `start refused: a ${what} is ${r.runtimeStatus}`
      : `previous ${what} is still ${r.runtimeStatus}`,
  };
}

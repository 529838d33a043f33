import { z } from 'zod';
import type { Config } from '../config';
import { errorMessage } from '../errors';
import { RUNNING_STATES, type RunStarterClient } from '../backups/start';
import { buildRestoreInput, resolveTarget, restoreInstanceId, type RestoreRunInput } from './run';

/** `POST /api/restores` body. */
export const startRestoreBody = z.strictObject({
  service: z
    .string({ error: 'is required (the protected service name)' })
    .min(1, { error: 'must not be empty' }),
  target: z.string().min(1, { error: "must be 'standby', a drill target's name or an ARM id" }).optional(),
  backup: z.string().min(1, { error: "must be 'latest' or a backup blob name" }).optional(),
  mode: z.enum(['failover', 'drill'], { error: 'must be failover or drill' }).optional(),
});
export type StartRestoreBody = z.infer<typeof startRestoreBody>;

/** What a start request became. */
export type RestoreStart =
  | { kind: 'started'; instanceId: string }
  | { kind: 'notFound'; code: 'UnknownService' | 'TargetNotFound'; message: string }
  | { kind: 'busy'; instanceId: string; runtimeStatus: string };

async function statusOf(client: RunStarterClient, instanceId: string): Promise<string | undefined> {
  try {
    return (await client.getStatus(instanceId))?.runtimeStatus;
  } catch (error) {
    if (/\b404\b/.test(errorMessage(error))) return undefined;
    throw error;
  }
}

/**
 * Resolves the service and target, then starts `restoreApim` under the target's singleton id
 * unless a restore into that target is running. The target rules themselves are the
 * orchestration's (a refused target ends the run `refused`, before any ARM call).
 */
export async function startRestore(
  client: RunStarterClient,
  orchestrationName: string,
  config: Config,
  body: StartRestoreBody,
): Promise<RestoreStart> {
  const service = config.backup.services.find(
    (s) => s.serviceName.toLowerCase() === body.service.toLowerCase(),
  );
  if (service === undefined)
    return {
      kind: 'notFound',
      code: 'UnknownService',
      message: `${body.service} is not a protected service`,
    };
  const target = resolveTarget(service, body.target);
  if (!target.ok) return { kind: 'notFound', code: 'TargetNotFound', message: target.message };
  const instanceId = restoreInstanceId(target.resourceId);
  const before = await statusOf(client, instanceId);
  if (before !== undefined && RUNNING_STATES.includes(before))
    return { kind: 'busy', instanceId, runtimeStatus: before };
  const input: RestoreRunInput = buildRestoreInput(
    service,
    { targetResourceId: target.resourceId, backup: body.backup ?? 'latest', mode: body.mode ?? 'failover' },
    config.restore,
  );
  try {
    await client.startNew(orchestrationName, { instanceId, input });
  } catch (error) {
    // The host refuses to start an id that is running (host.json NonRunningStates): a race lost.
    const now = await statusOf(client, instanceId).catch(() => undefined);
    if (now !== undefined && RUNNING_STATES.includes(now))
      return { kind: 'busy', instanceId, runtimeStatus: now };
    throw error;
  }
  return { kind: 'started', instanceId };
}

import { z } from 'zod';
import type { Config } from '../config';
import { startOnce, type RunStarterClient } from '../durable/start';
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
  const input: RestoreRunInput = buildRestoreInput(
    service,
    { targetResourceId: target.resourceId, backup: body.backup ?? 'latest', mode: body.mode ?? 'failover' },
    config.restore,
  );
  const r = await startOnce(client, orchestrationName, instanceId, input);
  if (r.started) return { kind: 'started', instanceId };
  if ('failed' in r) throw r.error;
  return { kind: 'busy', instanceId, runtimeStatus: r.runtimeStatus };
}

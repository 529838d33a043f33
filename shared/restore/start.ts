import { z } from 'zod';
import type { Config } from '../config';
import { startOnce, type RunStarterClient } from '../durable/start';
import type { ClaimDecision } from './claim';
import { ROLES, type Principal } from '../identity/principal';
import {
  buildRestoreInput,
  resolveTarget,
  restoreRunId,
  restoreRunSuffix,
  type RestoreRunInput,
} from './run';
import { decideRestoreTarget, type RestoreMode } from './target';

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
  | { kind: 'forbidden'; code: string; message: string }
  /** A restore into the target is running (`instanceId`, the run holding it). */
  | { kind: 'busy'; instanceId: string; runtimeStatus: string };

/** What the route may know of a service to decide who may restore over which target. */
type ServiceTargets = Config['backup']['services'][number];

/**
 * Who may restore over `targetResourceId` (issue 20), decided at the route before anything
 * starts: the target rules (shared/restore/target.ts: never the primary in a drill, only the
 * standby, a drill target or an opted-in primary); a drill only into a drill target; and
 * overwriting a standby or the primary, which may be production after a failover, only by a
 * Lifeboat.Approver (a plan's restore step runs inside its approved plan, not through here).
 * The run keeps its own target check.
 */
export function decideRestoreRequest(
  service: ServiceTargets,
  targetResourceId: string,
  mode: RestoreMode,
  caller: Pick<Principal, 'name' | 'roles'>,
): { ok: true } | { ok: false; code: string; message: string } {
  const rule = decideRestoreTarget(
    {
      resourceId: service.resourceId,
      standbyResourceId: service.standby?.resourceId,
      drillTargetResourceIds: service.drillTargets.map((d) => d.resourceId),
      allowRestoreOverPrimary: service.allowRestoreOverPrimary,
    },
    targetResourceId,
    mode,
  );
  if (!rule.ok) return { ok: false, code: rule.code, message: rule.message };
  if (mode === 'drill' && rule.role !== 'drillTarget')
    return {
      ok: false,
      code: 'DrillTargetsOnly',
      message: `a drill restores only into a drill target of ${service.serviceName}; ${rule.resourceId} is its ${rule.role}`,
    };
  if (rule.role !== 'drillTarget' && !caller.roles.includes(ROLES.approver))
    return {
      ok: false,
      code: 'Forbidden',
      message: `restoring over the ${rule.role} of ${service.serviceName} needs the app role ${ROLES.approver} (it may be serving production): ${caller.name} does not hold it`,
    };
  return { ok: true };
}

/**
 * Resolves the service and target, checks the caller may restore there
 * ({@link decideRestoreRequest}), then starts `restoreApim` as a run of its own (issue 21: a
 * refused request never overwrites an earlier run) unless the target record names a running
 * restore into that target (`busy`, naming it). The orchestration checks the target again and
 * holds it (a restore started elsewhere meanwhile refuses `TargetBusy`, naming the run).
 */
export async function startRestore(
  client: RunStarterClient,
  orchestrationName: string,
  config: Config,
  body: StartRestoreBody,
  caller: Pick<Principal, 'name' | 'roles'>,
  request: {
    now: Date;
    nonce: string;
    /** Holds the target for the new run (claimStore.ts), or answers the running run that holds it. */
    claim: (targetResourceId: string, instanceId: string) => Promise<ClaimDecision>;
  },
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
  const allowed = decideRestoreRequest(service, target.resourceId, body.mode ?? 'failover', caller);
  if (!allowed.ok) return { kind: 'forbidden', code: allowed.code, message: allowed.message };
  const instanceId = restoreRunId(target.resourceId, restoreRunSuffix(request.now, request.nonce));
  // Held before the start, so a second request at once is told 409 rather than starting a run
  // that would refuse; a run that then fails to start holds nothing (it is not running).
  const held = await request.claim(target.resourceId, instanceId);
  if (!held.take) return { kind: 'busy', instanceId: held.holder, runtimeStatus: 'running' };
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

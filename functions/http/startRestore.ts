import * as df from 'durable-functions';
import { errorBody, httpError, readBody, route } from '../kit';
import { ROLES } from '../../shared/identity/principal';
import type { ConfiguredService } from '../../shared/restore/run';
import { restore } from '../names/restore';

/**
 * `POST /api/restores` `{ service, target?, backup?, mode? }` (target `standby` by default, backup
 * `latest`, mode `failover`): starts `restoreApim` as a run of its own (`restore-<target>-<hash>-<time>-<nonce>`). A
 * Lifeboat.Operator may restore into a drill target; overwriting the standby (or an opted-in
 * primary) needs Lifeboat.Approver; a drill targets only drill targets. 202 with the run's route;
 * 400 naming the field; 403 naming the rule or role before anything starts; 404 unknown service
 * or target; 409 `TargetBusy` with the running instance's id when a restore into that target is running.
 */
route(restore.startRestore, {
  route: 'restores',
  methods: ['POST'],
  authLevel: 'function',
  role: [ROLES.operator, ROLES.approver],
  extraInputs: [df.input.durableClient()],
  handler: async (request, context, caller) => {
    const { getConfig } = await import('../../shared/config');
    const { startRestore, startRestoreBody } = await import('../../shared/restore/start');
    const body = await readBody(request, startRestoreBody);
    const config = getConfig();
    const { flowTickets, ticketingClient } = await import('../../shared/steps/tickets');
    const { restoreDeps } = await import('../../shared/restore/deps');
    const { createRestoreTargets } = await import('../../shared/restore/claimStore');
    const { randomBytes } = await import('node:crypto');
    // Lifeboat's own start: the restore's ticket is recorded first (issue 20).
    const client = ticketingClient(df.getClient(context), await flowTickets());
    const { isRunning, runtimeStatusOf } = await import('../../shared/durable/start');
    const targets = createRestoreTargets((await restoreDeps()).container);
    const now = new Date();
    const activeSide = await refuseActiveSide(config.backup.services, body);
    if (activeSide !== undefined) throw httpError(409, activeSide.code, activeSide.message);
    const started = await startRestore(client, restore.restoreApim.name, config, body, caller, {
      now,
      nonce: randomBytes(3).toString('hex'),
      claim: (id, me) =>
        targets.claim(id, me, now, async (holder) => isRunning(await runtimeStatusOf(client, holder))),
    });
    if (started.kind === 'notFound') throw httpError(404, started.code, started.message);
    if (started.kind === 'forbidden') throw httpError(403, started.code, started.message);
    if (started.kind === 'busy')
      return {
        status: 409,
        jsonBody: errorBody(
          'TargetBusy',
          `a restore into this target is ${started.runtimeStatus}: ${started.instanceId} (/api/restores/${started.instanceId})`,
          {
            instanceId: started.instanceId,
            statusUri: `/api/restores/${started.instanceId}`,
          },
        ),
      };
    context.log(
      JSON.stringify({
        event: 'lifeboat.restore.trigger',
        trigger: 'http',
        service: body.service,
        instanceId: started.instanceId,
      }),
    );
    const statusUri = `/api/restores/${started.instanceId}`;
    return {
      status: 202,
      headers: { location: statusUri },
      jsonBody: { instanceId: started.instanceId, statusUri },
    };
  },
});

/**
 * A restore into the side that carries production is refused before anything starts (issue 23):
 * once a failover made the standby active, only a plan that says so restores into it.
 */
async function refuseActiveSide(
  services: readonly ConfiguredService[],
  body: { service: string; target?: string | undefined },
): Promise<{ code: string; message: string } | undefined> {
  const { resolveTarget } = await import('../../shared/restore/run');
  const { standbyStore } = await import('../../shared/standby/deps');
  const { activeSideRefusal } = await import('../../shared/standby/decide');
  const service = services.find((s) => s.serviceName.toLowerCase() === body.service.toLowerCase());
  if (service?.standby === undefined) return undefined;
  const target = resolveTarget(service, body.target);
  if (!target.ok) return undefined;
  const record = await (await standbyStore()).read(service.serviceName);
  return activeSideRefusal({ pair: service, record, targetResourceId: target.resourceId });
}

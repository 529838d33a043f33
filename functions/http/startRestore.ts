import * as df from 'durable-functions';
import { errorBody, httpError, readBody, route } from '../kit';
import { ROLES } from '../../shared/identity/principal';
import { restore } from '../names/restore';

/**
 * `POST /api/restores` `{ service, target?, backup?, mode? }` (target `standby` by default, backup
 * `latest`, mode `failover`): starts `restoreApim` under the target's singleton instance id. A
 * Lifeboat.Operator may restore into a drill target; overwriting the standby (or an opted-in
 * primary) needs Lifeboat.Approver; a drill targets only drill targets. 202 with the run's route;
 * 400 naming the field; 403 naming the rule or role before anything starts; 404 unknown service
 * or target; 409 with the running instance's id when a restore into that target is running.
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
    // Lifeboat's own start: the restore's ticket is recorded first (issue 20).
    const client = ticketingClient(df.getClient(context), await flowTickets());
    const started = await startRestore(client, restore.restoreApim.name, config, body, caller);
    if (started.kind === 'notFound') throw httpError(404, started.code, started.message);
    if (started.kind === 'forbidden') throw httpError(403, started.code, started.message);
    if (started.kind === 'busy')
      return {
        status: 409,
        jsonBody: errorBody('RestoreRunning', `a restore into this target is ${started.runtimeStatus}`, {
          instanceId: started.instanceId,
          statusUri: `/api/restores/${started.instanceId}`,
        }),
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

import * as df from 'durable-functions';
import { httpError, pathId, readBody, route } from '../kit';
import { ROLES, requireRole } from '../../shared/identity/principal';
import { plans } from '../names/plans';

/**
 * `POST /api/runs/{runId}/cancel` `{ reason? }` (a drill: Lifeboat.Operator; a failover:
 * Lifeboat.Approver; the canceller is the signed-in caller): the run stops after the steps in
 * flight and runs its cleanup (a failover waiting for approval ends `cancelled`, nothing changed).
 * Every cancel is recorded; the run applies the first and keeps later ones as ignored (its
 * `requests`). 202 `{ requestId, status }`; 404 unknown run; 409 when it has already ended.
 */
route(plans.cancelRun, {
  route: 'runs/{runId}/cancel',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  role: [ROLES.operator, ROLES.approver],
  handler: async (request, context, caller) => {
    const { planDeps, requestDeps } = await import('../../shared/plans/deps');
    const { cancelBody, cancelRun } = await import('../../shared/plans/start');
    const { actorOf } = await import('../../shared/plans/decisions');
    const { isFinalState } = await import('../../shared/plans/report');
    const runId = pathId(request, 'runId');
    const body = await readBody(request, cancelBody);
    const { store } = await planDeps();
    const report = await store.readReport(runId);
    if (report === undefined) throw httpError(404, 'NotFound', `no plan run '${runId.slice(0, 80)}'`);
    if (isFinalState(report.state))
      throw httpError(409, 'RunEnded', `${runId} has already ended (${report.state}): nothing to cancel`);
    requireRole(caller, report.mode === 'failover' ? ROLES.approver : ROLES.operator);
    const by = actorOf(caller);
    const recorded = await cancelRun(await requestDeps(df.getClient(context)), runId, {
      ...(by === undefined ? {} : { by }),
      ...(body.reason === undefined ? {} : { reason: body.reason }),
    });
    context.log(
      JSON.stringify({
        event: 'lifeboat.plans.cancel',
        runId,
        plan: report.plan.name,
        by: caller.name,
        byId: caller.objectId,
        requestId: recorded.id,
      }),
    );
    return {
      status: 202,
      jsonBody: { runId, cancelling: true, requestId: recorded.id, status: `/api/runs/${runId}` },
    };
  },
});

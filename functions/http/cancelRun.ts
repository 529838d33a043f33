import * as df from 'durable-functions';
import { httpError, pathId, readBody, route } from '../kit';
import { ROLES, requireRole } from '../../shared/identity/principal';
import { plans } from '../names/plans';

/**
 * `POST /api/runs/{runId}/cancel` `{ reason? }` (a drill: Lifeboat.Operator; a failover:
 * Lifeboat.Approver; the canceller is the signed-in caller): the run stops after the steps in flight and
 * runs its cleanup (a failover waiting for approval ends `cancelled`, nothing changed). 202; 404
 * unknown run; 409 when it has already ended.
 */
route(plans.cancelRun, {
  route: 'runs/{runId}/cancel',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  role: [ROLES.operator, ROLES.approver],
  handler: async (request, context, caller) => {
    const { planDeps } = await import('../../shared/plans/deps');
    const { cancelBody, cancelRun } = await import('../../shared/plans/start');
    const { isFinalState } = await import('../../shared/plans/report');
    const runId = pathId(request, 'runId');
    const body = await readBody(request, cancelBody);
    const { store } = await planDeps();
    const report = await store.readReport(runId);
    if (report === undefined) throw httpError(404, 'NotFound', `no plan run '${runId.slice(0, 80)}'`);
    if (isFinalState(report.state))
      throw httpError(409, 'RunEnded', `${runId} has already ended (${report.state}): nothing to cancel`);
    requireRole(caller, report.mode === 'failover' ? ROLES.approver : ROLES.operator);
    const by = caller.name;
    await cancelRun(df.getClient(context), runId, {
      at: new Date(),
      by,
      ...(body.reason === undefined ? {} : { reason: body.reason }),
    });
    context.log(
      JSON.stringify({
        event: 'lifeboat.plans.cancel',
        runId,
        plan: report.plan.name,
        by,
        byId: caller.objectId,
      }),
    );
    return { status: 202, jsonBody: { runId, cancelling: true, status: `/api/runs/${runId}` } };
  },
});

import * as df from 'durable-functions';
import { httpError, pathId, readBody, route } from '../kit';
import { ROLES } from '../../shared/identity/principal';
import { plans } from '../names/plans';

/**
 * `POST /api/failovers/{runId}/approve` and `/reject` `{ comment? }` (Lifeboat.Approver): the
 * approver is the signed-in caller. The requester cannot approve their own failover, compared by
 * Entra object id (LIFEBOAT_ALLOW_SELF_APPROVAL).
 * 202 when the decision was delivered; 400 / 403 / 404 / 409 say why not.
 */
route(plans.decideFailover, {
  route: 'failovers/{runId}/{decision}',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  role: ROLES.approver,
  handler: async (request, context, caller) => {
    const { planDeps, requestDeps } = await import('../../shared/plans/deps');
    const { decisionBody, checkApproval, requestRun } = await import('../../shared/plans/start');
    const { actorOf } = await import('../../shared/plans/decisions');
    const decision = request.params['decision'];
    if (decision !== 'approve' && decision !== 'reject')
      throw httpError(404, 'NotFound', `no route: use /api/failovers/{runId}/approve or /reject`);
    const runId = pathId(request, 'runId');
    const body = await readBody(request, decisionBody);
    const { config, store } = await planDeps();
    const report = await store.readReport(runId);
    if (report === undefined) throw httpError(404, 'NotFound', `no run '${runId.slice(0, 80)}'`);
    const by = caller.name;
    const check = checkApproval(report, caller, decision, config.plans.allowSelfApproval);
    if (!check.ok) throw httpError(check.status, check.code, check.message);
    const actor = actorOf(caller);
    const recorded = await requestRun(await requestDeps(df.getClient(context)), runId, {
      kind: decision,
      ...(actor === undefined ? {} : { by: actor }),
      ...(body.comment === undefined ? {} : { comment: body.comment }),
    });
    context.log(
      JSON.stringify({
        event: 'lifeboat.plans.decision',
        runId,
        plan: report.plan.name,
        decision,
        by,
        byId: caller.objectId,
        requestId: recorded.id,
      }),
    );
    return {
      status: 202,
      jsonBody: {
        runId,
        requestId: recorded.id,
        decision: decision === 'approve' ? 'approved' : 'rejected',
        by,
        at: recorded.at,
        status: `/api/runs/${runId}`,
      },
    };
  },
});

import * as df from 'durable-functions';
import { httpError, pathId, readBody, route } from '../kit';
import { ROLES, requireRole } from '../../shared/identity/principal';
import { plans } from '../names/plans';

/**
 * `POST /api/runs/{runId}/steps/{stepId}/done` and `/abort` `{ comment? }` (issue 22 item 5): a
 * person confirms a manual step (a failover's: Lifeboat.Approver; a drill's that waits:
 * Lifeboat.Operator). The decision is recorded first (create-only, who and when), then the step's
 * bell rings; the step reads the record, and the first decision counts. 202 `{ requestId }`;
 * 404 unknown run or step; 409 when the step is not a manual step waiting for a person.
 */
route(plans.decideManualStep, {
  route: 'runs/{runId}/steps/{stepId}/{decision}',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  role: [ROLES.operator, ROLES.approver],
  handler: async (request, context, caller) => {
    const { planDeps } = await import('../../shared/plans/deps');
    const { decisionBody, checkManualDecision } = await import('../../shared/plans/start');
    const { actorOf, newRequestId, sendStepDecision } = await import('../../shared/plans/decisions');
    const { STEP_SIGNAL } = await import('../../shared/plans/flow');
    const decision = request.params['decision'];
    if (decision !== 'done' && decision !== 'abort')
      throw httpError(404, 'NotFound', 'no route: use /api/runs/{runId}/steps/{stepId}/done or /abort');
    const runId = pathId(request, 'runId');
    const stepId = pathId(request, 'stepId');
    const body = await readBody(request, decisionBody);
    const { store, records } = await planDeps();
    const report = await store.readReport(runId);
    if (report === undefined) throw httpError(404, 'NotFound', `no run '${runId.slice(0, 80)}'`);
    const check = checkManualDecision(report, stepId);
    if (!check.ok) throw httpError(check.status, check.code, check.message);
    requireRole(caller, check.role === 'approver' ? ROLES.approver : ROLES.operator);
    const by = actorOf(caller)!;
    const { randomBytes } = await import('node:crypto');
    const now = new Date();
    const recorded = {
      id: newRequestId(now, randomBytes(6).toString('hex')),
      runId,
      stepId,
      decision,
      by,
      at: now.toISOString(),
      ...(body.comment === undefined ? {} : { comment: body.comment }),
    } as const;
    if ((await sendStepDecision(df.getClient(context), records, recorded, STEP_SIGNAL)) === 'gone')
      throw httpError(
        409,
        'StepNotWaiting',
        `step '${stepId}' of ${runId} ended meanwhile: the decision was recorded and decides nothing`,
      );
    context.log(
      JSON.stringify({
        event: 'lifeboat.plans.manualStep',
        runId,
        plan: report.plan.name,
        stepId,
        decision,
        by: caller.name,
        byId: caller.objectId,
        requestId: recorded.id,
      }),
    );
    return {
      status: 202,
      jsonBody: {
        runId,
        stepId,
        requestId: recorded.id,
        decision,
        by: caller.name,
        at: recorded.at,
        status: `/api/runs/${runId}`,
      },
    };
  },
});

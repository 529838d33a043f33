import * as df from 'durable-functions';
import { readBody, route } from '../kit';
import { ROLES } from '../../shared/identity/principal';
import { plans } from '../names/plans';

/**
 * `POST /api/failbacks` `{ plan, reason }` (Lifeboat.Operator; the requester is the signed-in caller,
 * by object id): production comes home from the standby (issue 23, shared/plans/failback.ts). The
 * rules of `POST /api/failovers`: approval unless the plan says `auto` (approved or rejected at
 * `/api/failovers/{runId}/approve` or `/reject` by another person, a Lifeboat.Approver), off with
 * LIFEBOAT_FAILOVERS_ENABLED=false. Only when Lifeboat's record says the standby carries production
 * for every service the plan restores. A failback drill is `POST /api/drills` `{ plan, mode: "failback" }`.
 * 202 `{ runId, state, status, report, approve?, reject? }`; 400 naming the field; 403 switched
 * off; 404 unknown plan; 409 `NotFailedOver` (naming the service), busy or invalid.
 */
route(plans.startFailback, {
  route: 'failbacks',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  role: ROLES.operator,
  handler: async (request, context, caller) => {
    const { startFromHttp } = await import('../../shared/plans/deps');
    const { startFailoverBody } = await import('../../shared/plans/start');
    const { startAnswer } = await import('../../shared/plans/http');
    const body = await readBody(request, startFailoverBody);
    const decision = await startFromHttp(
      df.getClient(context),
      caller,
      { plan: body.plan, mode: 'failover', failback: true, reason: body.reason },
      plans.planRun.name,
    );
    const line = JSON.stringify({
      event: 'lifeboat.plans.start',
      trigger: 'http',
      mode: 'failback',
      plan: body.plan,
      ...decision,
    });
    if (decision.started) context.log(line);
    else context.warn(line);
    return startAnswer(decision);
  },
});

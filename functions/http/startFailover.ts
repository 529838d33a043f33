import * as df from 'durable-functions';
import { readBody, route } from '../kit';
import { ROLES } from '../../shared/identity/principal';
import { plans } from '../names/plans';

/**
 * `POST /api/failovers` `{ plan, reason }` (Lifeboat.Operator; the requester is the signed-in caller,
 * by object id): starts a real failover of a plan, waiting for
 * approval unless the plan says `auto`. A running drill of the plan is cancelled (its cleanup
 * runs) and the failover goes ahead. 202 `{ runId, state, status, report, approve?, reject? }`;
 * 400 naming the field; 403 when failovers are switched off; 404 unknown plan; 409 busy or invalid.
 */
route(plans.startFailover, {
  route: 'failovers',
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
      { plan: body.plan, mode: 'failover', reason: body.reason },
      plans.planRun.name,
    );
    const line = JSON.stringify({
      event: 'lifeboat.plans.start',
      trigger: 'http',
      mode: 'failover',
      plan: body.plan,
      ...decision,
    });
    if (decision.started) context.log(line);
    else context.warn(line);
    return startAnswer(decision);
  },
});
